// The operator shares local tools: one by its short name, or every tool of an upstream at once.
// Each tool is checked before any is shared, so a refused tool leaves the registry as it was.
import { ZodError } from "zod";
import type { Database } from "../../store/database.ts";
import { findTool, listTools, type CatalogTool } from "../../store/catalog.ts";
import { preferredName } from "../../store/catalog-names.ts";
import { getUpstream } from "../../store/upstreams.ts";
import { listEntries } from "../../store/registry.ts";
import { globalToolId } from "../../store/catalog-names.ts";
import { entryKey, toolDefinition, toolOfKey, type Entry, type ToolDefinition } from "../../protocol/registry/entry.ts";
import type { Registry, ShareInput } from "./registry.ts";
import { republishItemNames } from "./share-items.ts";

export interface ShareOptions {
  visibility: ShareInput["visibility"];
  version: string;
  label?: string | undefined;
  tags?: string[] | undefined;
  pricing?: unknown;
  cacheTtlSeconds?: number | undefined;
  replicable?: boolean | undefined;
}

export class ShareRefusedError extends Error {
  override name = "ShareRefusedError";
  constructor(
    readonly code: "not_found" | "invalid_request",
    message: string,
  ) {
    super(message);
  }
}

export interface Shared {
  /** The tool's short name here. */
  tool: string;
  key: string;
  stored: Entry[];
}

type Port = { db: Database; registry: Registry };

/** What sharing this tool would publish, or why it cannot be shared. */
function prepare(tool: CatalogTool, o: ShareOptions): ShareInput {
  const hints = (tool.annotations ?? {}) as { readOnlyHint?: unknown; idempotentHint?: unknown };
  if (o.cacheTtlSeconds !== undefined && !(hints.readOnlyHint === true && hints.idempotentHint === true)) {
    throw new ShareRefusedError("invalid_request", `${tool.shortName} cannot be cached by consumers: its annotations do not say it is read-only and idempotent`);
  }
  const key = `${tool.upstream}/${tool.name}${o.label ? `@${o.label}` : ""}`;
  if (!entryKey.safeParse(key).success) throw new ShareRefusedError("invalid_request", `${key} cannot be shared: upstream names must be lowercase, 32 characters at most`);
  const definition = toolDefinition.safeParse({
    name: tool.name,
    inputSchema: tool.inputSchema,
    ...(tool.title ? { title: tool.title } : {}),
    ...(tool.description ? { description: tool.description } : {}),
    ...(tool.outputSchema ? { outputSchema: tool.outputSchema } : {}),
    ...(tool.annotations ? { annotations: tool.annotations } : {}),
  });
  if (!definition.success) throw new ShareRefusedError("invalid_request", `${tool.shortName} cannot be shared: ${definition.error.issues[0]?.message}`);
  return {
    key,
    version: o.version,
    tool: definition.data as ToolDefinition & Record<string, unknown>,
    tags: o.tags ?? tool.tags,
    pricing: o.pricing ?? null,
    cacheTtlSeconds: o.cacheTtlSeconds,
    replicable: o.replicable,
    visibility: o.visibility,
    listedName: listedNameOf(tool),
  };
}

/**
 * Peers that keep this node's names list the tool as its clients here do: the name travels
 * only when it is not the one they would derive anyway.
 */
function listedNameOf(tool: CatalogTool): string | undefined {
  return tool.shortName === preferredName(tool.upstream, tool.name) ? undefined : tool.shortName;
}

/**
 * Shares again, unchanged but for the name, every live share whose tool or prompt is now listed
 * here under another name (a rename, a prefix change). Returns whether any entry was published.
 */
export async function republishNames(s: Port & { nodeId: string }): Promise<boolean> {
  let published = false;
  for (const { signed: e } of await listEntries(s.db, s.nodeId)) {
    if (e.kind !== "tool" || e.tombstone) continue;
    const { upstream, tool: name } = toolOfKey(e.key);
    const tool = await findTool(s.db, { globalId: globalToolId(s.nodeId, upstream, name) });
    if (!tool || listedNameOf(tool) === e.body.listedName) continue;
    const stored = await s.registry.share({
      key: e.key,
      version: e.body.version,
      tool: e.body.tool as ToolDefinition & Record<string, unknown>,
      tags: e.body.tags,
      pricing: e.body.pricing,
      cacheTtlSeconds: e.body.cache?.ttlSeconds,
      replicable: e.body.replicable,
      visibility: e.visibility,
      listedName: listedNameOf(tool),
    });
    published ||= stored.length > 0;
  }
  // Prompts carry the name they are listed under too.
  return (await republishItemNames(s)) || published;
}

async function publish(s: Port, tool: CatalogTool, input: ShareInput): Promise<Shared> {
  try {
    return { tool: tool.shortName, key: input.key, stored: await s.registry.share(input) };
  } catch (err) {
    // The tool's own definition may break the entry's rules (a schema that is not an object, its size).
    if (err instanceof ZodError || err instanceof RangeError) throw new ShareRefusedError("invalid_request", `${tool.shortName} cannot be shared: ${err.message}`);
    throw err;
  }
}

/** Shares one local tool, by the short name its clients here call it. */
export async function shareTool(s: Port, shortName: string, o: ShareOptions): Promise<Shared> {
  const tool = await findTool(s.db, { shortName });
  if (!tool) throw new ShareRefusedError("not_found", `no local tool named ${shortName}`);
  return publish(s, tool, prepare(tool, o));
}

/**
 * Shares every tool of an upstream the operator did not hide, with the same options. Nothing is
 * shared unless every one can be: a refusal names the tool.
 */
export async function shareUpstream(s: Port, upstream: string, o: ShareOptions): Promise<Shared[]> {
  if (!(await getUpstream(s.db, upstream))) throw new ShareRefusedError("not_found", `no upstream named ${upstream}`);
  const tools = (await listTools(s.db, upstream)).filter((t) => !t.hidden);
  if (tools.length === 0) throw new ShareRefusedError("not_found", `${upstream} lists no tool to share`);
  const inputs = tools.map((t) => [t, prepare(t, o)] as const);
  const out: Shared[] = [];
  for (const [tool, input] of inputs) out.push(await publish(s, tool, input));
  return out;
}
