// The operator's sharing commands in the admin API: share a local tool with peers (or the whole
// federation), withdraw it, and look at the shares and at the registry this node holds.
import { Hono } from "hono";
import { z, ZodError } from "zod";
import type { AppEnv } from "../app-env.ts";
import { fail, readJson } from "../admin/respond.ts";
import { findTool } from "../catalog/repository.ts";
import type { Services } from "../services.ts";
import { entryKey, toolDefinition, type Entry } from "./entry.ts";
import { listEntries } from "./repository.ts";
import { isSemver } from "./semver.ts";

const shareInput = z
  .object({
    /** The short name of a local tool. */
    tool: z.string().min(1),
    visibility: z.enum(["peers", "public", "private"]),
    version: z.string().refine(isSemver, "a semantic version").default("1.0.0"),
    tags: z.array(z.string().min(1).max(64)).max(32).optional(),
    pricing: z.record(z.string(), z.json()).optional(),
  })
  .strict();

export function entryView(e: Entry & { source?: string | null }) {
  const s = e.signed;
  return {
    id: e.id,
    origin: s.origin,
    key: s.key,
    visibility: s.visibility,
    hlc: s.hlc,
    tombstone: s.tombstone,
    ...(s.tombstone ? {} : { version: s.body.version, name: s.body.tool.name, fingerprint: s.body.fingerprint, tags: s.body.tags }),
    ...(e.source !== undefined ? { source: e.source } : {}),
  };
}

export function registryAdminRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get("/shares", async (c) => c.json({ shares: (await listEntries(s.db, s.nodeId)).map(entryView) }));

  app.post("/shares", async (c) => {
    const body = await readJson(c, shareInput);
    if (!body.ok) return body.res;
    const { tool: name, visibility, version, tags, pricing } = body.value;
    const tool = await findTool(s.db, { shortName: name });
    if (!tool) return fail(c, "not_found", `no local tool named ${name}`);
    const key = `${tool.upstream}/${tool.name}`;
    if (!entryKey.safeParse(key).success) return fail(c, "invalid_request", `${key} cannot be shared: upstream names must be lowercase, 32 characters at most`);
    const definition = toolDefinition.safeParse({
      name: tool.name,
      inputSchema: tool.inputSchema,
      ...(tool.title ? { title: tool.title } : {}),
      ...(tool.description ? { description: tool.description } : {}),
      ...(tool.outputSchema ? { outputSchema: tool.outputSchema } : {}),
      ...(tool.annotations ? { annotations: tool.annotations } : {}),
    });
    if (!definition.success) return fail(c, "invalid_request", `${name} cannot be shared: ${definition.error.issues[0]?.message}`);
    let stored: Entry[];
    try {
      stored = await s.registry.share({ key, version, tool: definition.data, tags: tags ?? tool.tags, pricing: pricing ?? null, visibility });
    } catch (err) {
      // The tool's own definition may break the entry's rules (a schema that is not an object, its size).
      if (err instanceof ZodError || err instanceof RangeError) return fail(c, "invalid_request", `${name} cannot be shared: ${err.message}`);
      throw err;
    }
    if (stored.length > 0) s.gossip.changed();
    return c.json({ key, stored: stored.map(entryView) }, stored.length > 0 ? 201 : 200);
  });

  app.delete("/shares/:key{.+}", async (c) => {
    const key = c.req.param("key");
    const stored = await s.registry.withdraw(key);
    if (stored.length === 0) return fail(c, "not_found", `${key} is not shared`);
    s.gossip.changed();
    return c.json({ key, stored: stored.map(entryView) });
  });

  app.get("/registry", async (c) => c.json({ self: s.nodeId, entries: (await listEntries(s.db)).map(entryView), metrics: s.registry.metrics.snapshot() }));

  return app;
}
