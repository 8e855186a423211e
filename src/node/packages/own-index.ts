// This node's package index (protocol §18.4): its live package entries, signed with a sequence
// and an expiry, re-signed on the tick when the entries changed or half its validity has passed,
// so that a receiver that stops getting fresh ones sees the index expire.
import { canonicalJson } from "../../protocol/encoding/canonical-json.ts";
import { sha256Hex } from "../../protocol/encoding/hash.ts";
import type { EntrySigner } from "../../protocol/identity/signer.ts";
import { MAX_INDEX_PACKAGES, signPackageIndex, type PackageIndex, type UnsignedPackageIndex } from "../../protocol/registry/package-index.ts";
import { compareSemver } from "../../protocol/registry/semver.ts";
import type { Database } from "../../store/database.ts";
import { livePackageEntries, ownIndex, saveOwnIndex } from "../../store/packages.ts";

/** How long an index this node signs is valid: a day, well under the protocol's week. */
export const INDEX_LIFETIME_MS = 86_400_000;
const MAX_VERSIONS = 256;

export interface OwnIndexPorts {
  db: Database;
  nodeId: string;
  signer: () => Promise<EntrySigner>;
}

/** The packages this node publishes, as its index lists them: names in order, versions ascending. */
async function listed(s: OwnIndexPorts): Promise<UnsignedPackageIndex["packages"]> {
  const byName = new Map<string, { version: string; entry: string }[]>();
  for (const e of await livePackageEntries(s.db, { origin: s.nodeId })) {
    const { name, version } = e.signed.body;
    byName.set(name, [...(byName.get(name) ?? []), { version, entry: e.id }]);
  }
  return [...byName]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .slice(0, MAX_INDEX_PACKAGES)
    .map(([name, versions]) => ({ name, versions: versions.sort((a, b) => compareSemver(a.version, b.version)).slice(-MAX_VERSIONS) }));
}

export interface OwnIndex {
  index: PackageIndex;
  /** Whether it was signed now. */
  signed: boolean;
}

/**
 * The index to serve: the one held while it lists what is live and is in the first half of its
 * validity, else a new one with the next sequence. Undefined when this node never published a
 * package (nothing is written then, so a fresh node stays fresh).
 */
export async function currentOwnIndex(s: OwnIndexPorts, now: number): Promise<OwnIndex | undefined> {
  const [held, packages] = await Promise.all([ownIndex(s.db), listed(s)]);
  if (!held && packages.length === 0) return undefined;
  const contentHash = await sha256Hex(canonicalJson(packages));
  if (held && held.contentHash === contentHash && now < held.issued + (held.expires - held.issued) / 2) {
    return { index: JSON.parse(held.signed) as PackageIndex, signed: false };
  }
  const seq = (held?.seq ?? 0) + 1;
  const index = await signPackageIndex({ type: "package-index", v: 1, origin: s.nodeId, seq, issued: now, expires: now + INDEX_LIFETIME_MS, packages }, await s.signer());
  await saveOwnIndex(s.db, { seq, signed: canonicalJson(index), contentHash, issued: now, expires: index.expires });
  return { index, signed: true };
}
