// The operator's upstream registrations: registering one (and importing its catalog at once),
// listing, renaming the prefix of its tools, and removing it with its catalog and sessions.
import type { ListChangedStreams } from "../catalog/list-changed-streams.ts";
import { unsafeUrlReason } from "../outbound/ssrf.ts";
import type { Config } from "../settings/config.ts";
import { listTools, renamePrefix, toolCountsByUpstream, type CatalogTool } from "../../store/catalog.ts";
import type { Database } from "../../store/database.ts";
import type { UpstreamInput } from "../../store/upstream-spec.ts";
import { deleteUpstream, getUpstream, insertUpstream, listUpstreams, publicView, setPrefix, UpstreamExistsError, type UpstreamRow } from "../../store/upstreams.ts";
import type { UpstreamPool } from "./pool.ts";
import type { DefinitionPins } from "./definition-pins.ts";
import { refreshUpstream, type RefreshPorts, type RefreshResult } from "./refresh.ts";

export { operatorUpstreamInput, pinMode, prefixSchema } from "../../store/upstream-spec.ts";

/** What the admin API shows of an upstream: its settings with secret values masked. */
export type UpstreamView = ReturnType<typeof publicView>;

export interface RegistrationPorts extends RefreshPorts {
  config: Pick<Config, "allowPrivateUrls">;
  definitionPins: Pick<DefinitionPins, "screen" | "setStrict">;
  pool: Pick<UpstreamPool, "use" | "close" | "stdioSupported">;
  streams: Pick<ListChangedStreams, "notify">;
}

export function findUpstream(s: { db: Database }, name: string): Promise<UpstreamRow | undefined> {
  return getUpstream(s.db, name);
}

export async function registrations(s: { db: Database }): Promise<UpstreamView[]> {
  const [rows, counts] = await Promise.all([listUpstreams(s.db), toolCountsByUpstream(s.db)]);
  return rows.map((r) => publicView(r, counts.get(r.name) ?? 0));
}

/** One upstream as the operator sees it, with its tools. */
export async function registration(s: { db: Database }, name: string): Promise<{ upstream: UpstreamView; tools: CatalogTool[] } | undefined> {
  const row = await getUpstream(s.db, name);
  if (!row) return undefined;
  const tools = await listTools(s.db, row.name);
  return { upstream: publicView(row, tools.length), tools };
}

export type Registered =
  | { ok: true; upstream: UpstreamView; refresh: RefreshResult | undefined }
  | { ok: false; code: "unsupported" | "invalid_request" | "conflict"; message: string };

/** Stores a new upstream, its secrets sealed, and imports its catalog. */
export async function registerUpstream(s: RegistrationPorts, input: UpstreamInput): Promise<Registered> {
  if (input.kind === "stdio" && !s.pool.stdioSupported) {
    return { ok: false, code: "unsupported", message: "stdio upstreams run only on the Node runtime" };
  }
  if (input.kind === "http") {
    const reason = unsafeUrlReason(input.url, s.config.allowPrivateUrls);
    if (reason) return { ok: false, code: "invalid_request", message: `url: ${reason}` };
  }
  try {
    await insertUpstream(s.db, s.secrets, input);
  } catch (err) {
    if (err instanceof UpstreamExistsError) return { ok: false, code: "conflict", message: err.message };
    throw err;
  }
  // Before its first listing: on a strict upstream not even the first tools are trusted unseen.
  if (input.pins === "strict") await s.definitionPins.setStrict(input.name, true);
  const refresh = await refreshUpstream(s, input.name);
  const row = (await getUpstream(s.db, input.name))!;
  return { ok: true, upstream: publicView(row, (await listTools(s.db, input.name)).length), refresh };
}

/** Sets the prefix of the upstream's tool names (null: its name), renames them, and tells the streams. */
export async function setUpstreamPrefix(
  s: { db: Database; nodeId: string; streams: Pick<ListChangedStreams, "notify"> },
  row: UpstreamRow,
  prefix: string | null,
): Promise<{ upstream: UpstreamView; tools: CatalogTool[] }> {
  await setPrefix(s.db, row.name, prefix);
  await renamePrefix(s.db, s.nodeId, row.name, prefix ?? row.name);
  s.streams.notify(["tools", "prompts"]);
  const tools = await listTools(s.db, row.name);
  return { upstream: publicView((await getUpstream(s.db, row.name))!, tools.length), tools };
}

/** Removes the upstream, its catalog and its sessions; false when there was none. */
export async function removeUpstream(s: Pick<RegistrationPorts, "db" | "nodeId" | "pool" | "streams">, name: string): Promise<boolean> {
  if (!(await deleteUpstream(s.db, s.nodeId, name))) return false;
  await s.pool.close(name);
  s.streams.notify(["tools", "resources", "prompts"]);
  return true;
}
