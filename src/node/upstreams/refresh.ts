// Imports an upstream's tools, resources and prompts into the catalog.
import type { Client } from "@modelcontextprotocol/client";
import { replaceUpstreamCatalog, type UpstreamSnapshot } from "../../store/catalog.ts";
import { log } from "../logging/log.ts";
import type { ListChangedStreams } from "../catalog/list-changed-streams.ts";
import { redact } from "../../secrets/redaction.ts";
import type { SecretBox } from "../../secrets/sealed-box.ts";
import type { Database } from "../../store/database.ts";
import { getUpstream, listUpstreams, markUnavailable } from "../../store/upstreams.ts";
import { openTarget } from "../../store/sealed-fields.ts";
import type { UpstreamPool } from "./pool.ts";
import { failureText } from "./failure-text.ts";
import type { DefinitionPins } from "./definition-pins.ts";

/** What refreshing a catalog needs: the registrations, their sessions, and the streams to tell. */
export interface RefreshPorts {
  db: Database;
  nodeId: string;
  secrets: SecretBox;
  pool: Pick<UpstreamPool, "use">;
  streams: Pick<ListChangedStreams, "notify">;
  /** Holds back tools whose definition no pin accepts. */
  definitionPins: Pick<DefinitionPins, "screen">;
}

async function all<T>(page: (cursor?: string) => Promise<{ items: T[]; nextCursor?: string | undefined }>): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 1000; pages++) {
    const p = await page(cursor);
    out.push(...p.items);
    if (!p.nextCursor) break;
    cursor = p.nextCursor;
  }
  return out;
}

/** A refresh must see the upstream's lists as they are now, never the client's cached copy (it stores them anew). */
const FRESH = { cacheMode: "refresh" } as const;

export async function fetchSnapshot(client: Client): Promise<UpstreamSnapshot> {
  const caps = client.getServerCapabilities() ?? {};
  const c = (cursor?: string) => (cursor ? { cursor } : {});
  const [tools, resources, resourceTemplates, prompts] = await Promise.all([
    caps.tools ? all(async (x) => { const r = await client.listTools(c(x), FRESH); return { items: r.tools, nextCursor: r.nextCursor }; }) : [],
    caps.resources ? all(async (x) => { const r = await client.listResources(c(x), FRESH); return { items: r.resources, nextCursor: r.nextCursor }; }) : [],
    caps.resources ? all(async (x) => { const r = await client.listResourceTemplates(c(x), FRESH); return { items: r.resourceTemplates, nextCursor: r.nextCursor }; }) : [],
    caps.prompts ? all(async (x) => { const r = await client.listPrompts(c(x), FRESH); return { items: r.prompts, nextCursor: r.nextCursor }; }) : [],
  ]);
  const info = client.getServerVersion();
  return { tools, resources, resourceTemplates, prompts, serverName: info?.name, serverVersion: info?.version };
}

export type RefreshResult = { name: string; ok: true; changed: boolean } | { name: string; ok: false; error: string };

/**
 * Refreshes one upstream. A failure marks it unavailable and keeps its last known catalog.
 * Returns undefined when no such upstream exists.
 */
export async function refreshUpstream(s: RefreshPorts, name: string): Promise<RefreshResult | undefined> {
  const row = await getUpstream(s.db, name);
  if (!row) return undefined;
  try {
    const listed = await s.pool.use(await openTarget(s.secrets, row), fetchSnapshot);
    const snap = { ...listed, tools: await s.definitionPins.screen(name, listed.tools) };
    const changed = await replaceUpstreamCatalog(s.db, s.nodeId, row, snap);
    if (changed) s.streams.notify(["tools", "resources", "prompts"]);
    return { name, ok: true, changed };
  } catch (err) {
    // An upstream refusing the session may echo the credential it was given.
    const error = redact(failureText(err));
    log.warn("upstream.unavailable", { upstream: name, error });
    await markUnavailable(s.db, name, error);
    return { name, ok: false, error };
  }
}

export async function refreshAll(s: RefreshPorts): Promise<RefreshResult[]> {
  const rows = await listUpstreams(s.db);
  const results: RefreshResult[] = [];
  for (const row of rows) {
    const r = await refreshUpstream(s, row.name);
    if (r) results.push(r);
  }
  return results;
}
