// The peers' shared tools as the composite catalog shows them: live entries only, one per tool
// and origin, the newest version unless the operator pinned another.
import { sql } from "drizzle-orm";
import type { Database } from "../../store/database.ts";
import { registryEntries as t } from "../../store/schema/index.ts";
import { toolOfKey, type SignedEntry, type ToolDefinition, type Visibility } from "../../protocol/registry/entry.ts";
import { compareSemver } from "../../protocol/registry/semver.ts";

export interface FederatedTool {
  /** `<origin>/<upstream>/<tool>`, the shape of a local tool's global id. */
  globalId: string;
  origin: string;
  upstream: string;
  /** The entry shown: its key, version and definition. */
  key: string;
  version: string;
  /** Every live version of this tool from this origin, newest first. */
  versions: string[];
  pinned: boolean;
  definition: ToolDefinition;
  fingerprint: string;
  tags: string[];
  pricing: unknown;
  /** The origin lets consumers cache results this long. */
  cacheTtlSeconds: number | undefined;
  visibility: Visibility;
  entryId: string;
  hlc: string;
}

export interface FederatedListing {
  /** This node: its own shares are local tools already. */
  self: string;
  /** Global id → version to show instead of the newest. A pinned version no longer live hides the tool. */
  pins?: ReadonlyMap<string, string>;
  isBlocked?: (origin: string) => boolean;
}

type Live = Extract<SignedEntry, { kind: "tool"; tombstone: false }> & { id: string };

/** Newest first: higher version, then the later entry, then the lower hash. */
function newestFirst(a: Live, b: Live): number {
  return compareSemver(b.body.version, a.body.version) || (a.hlc < b.hlc ? 1 : a.hlc > b.hlc ? -1 : a.id < b.id ? -1 : 1);
}

export async function listFederatedTools(db: Database, listing: FederatedListing): Promise<FederatedTool[]> {
  // Per (origin, key), the entry the conflict rule picks across both visibility slots; a
  // tombstone there means withdrawn (or narrowed away from this node).
  const rows = await db.all<{ id: string; entry: string }>(sql`
    SELECT id, entry FROM (
      SELECT ${t.id} AS id, ${t.entry} AS entry, ${t.tombstone} AS tombstone,
        row_number() OVER (PARTITION BY ${t.origin}, ${t.key} ORDER BY ${t.hlc} DESC, ${t.id} ASC) AS rank
      FROM ${t}
      WHERE ${t.kind} = 'tool' AND ${t.origin} != ${listing.self}
    )
    WHERE rank = 1 AND tombstone = 0`);
  const groups = new Map<string, Live[]>();
  for (const r of rows) {
    const e = { ...(JSON.parse(r.entry) as Live), id: r.id };
    if (listing.isBlocked?.(e.origin)) continue;
    const globalId = `${e.origin}/${toolOfKey(e.key).group}`;
    groups.set(globalId, [...(groups.get(globalId) ?? []), e]);
  }
  const out: FederatedTool[] = [];
  for (const [globalId, live] of groups) {
    live.sort(newestFirst);
    const pin = listing.pins?.get(globalId);
    const shown = pin === undefined ? live[0] : live.find((e) => e.body.version === pin);
    if (!shown) continue;
    out.push({
      globalId,
      origin: shown.origin,
      upstream: toolOfKey(shown.key).upstream,
      key: shown.key,
      version: shown.body.version,
      versions: live.map((e) => e.body.version),
      pinned: pin !== undefined,
      definition: shown.body.tool,
      fingerprint: shown.body.fingerprint,
      tags: shown.body.tags,
      pricing: shown.body.pricing,
      cacheTtlSeconds: shown.body.cache?.ttlSeconds,
      visibility: shown.visibility,
      entryId: shown.id,
      hlc: shown.hlc,
    });
  }
  return out.sort((a, b) => (a.globalId < b.globalId ? -1 : 1));
}
