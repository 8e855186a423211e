// The peers' shared tools as the composite catalog shows them: live entries only, one per tool
// and origin, the newest version unless the operator pinned another.
import type { Database } from "../../store/database.ts";
import { liveToolEntries } from "../../store/peer-tools.ts";
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
  /** The origin lets other providers of the fingerprint that say so too serve its calls. */
  replicable: boolean;
  /** The name the origin lists the tool under, when it is not `<upstream>_<tool>`. */
  listedName: string | undefined;
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
  const rows = await liveToolEntries(db, listing.self);
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
      replicable: shown.body.replicable === true,
      listedName: shown.body.listedName,
      visibility: shown.visibility,
      entryId: shown.id,
      hlc: shown.hlc,
    });
  }
  return out.sort((a, b) => (a.globalId < b.globalId ? -1 : 1));
}
