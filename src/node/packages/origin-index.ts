// An origin's package index as an installer checks it (protocol §18.3, §18.4): fetched from the
// origin, else from a peer that mirrors it, else (none answering) the one held here while valid;
// checked (shape, signature, expiry, freshness) before anything else is read; and the version to
// install must be listed there under the same entry. An accepted index raises what was seen.
import { canonicalJson } from "../../protocol/encoding/canonical-json.ts";
import type { OriginKey } from "../../protocol/identity/signer.ts";
import { advanceFreshness, checkPackageIndex, newestVersions, type IndexRefusal, type PackageIndex } from "../../protocol/registry/package-index.ts";
import type { Database } from "../../store/database.ts";
import { heldIndex, holdIndex } from "../../store/package-indexes.ts";
import { freshnessOf, raiseFreshness, type PackageEntry } from "../../store/packages.ts";
import { PackageError, type PackageErrorCode } from "./errors.ts";

/** A signed index read from somewhere: its bytes are trusted only by the origin's signature. */
export interface IndexSource {
  /** Who served it, for the operator's message. */
  from: string;
  read: () => Promise<unknown>;
}

export interface OriginIndexPorts {
  db: Database;
  /** The origin's signing key, from the card this node holds; undefined when it holds none. */
  keyOf: (origin: string) => Promise<OriginKey | undefined>;
}

const REFUSAL_CODES: Record<IndexRefusal, PackageErrorCode> = {
  malformed: "index_malformed",
  bad_signature: "index_bad_signature",
  expired: "index_expired",
  replayed_index: "index_replayed",
  version_rollback: "version_rollback",
};

/**
 * The first index of `sources` that passes every check, accepted. When none does: the first
 * refusal (an index that fails is reported, never covered by an older copy); when none answered,
 * the copy held here if it still passes; else index_unavailable.
 */
export async function acceptOriginIndex(s: OriginIndexPorts, origin: string, sources: IndexSource[], now: number): Promise<PackageIndex> {
  const key = await s.keyOf(origin);
  if (!key) throw new PackageError("index_unavailable", `this node holds no card of ${origin} to check its package index with`);
  let refused: PackageError | undefined;
  const unreachable: string[] = [];
  const accept = async (raw: unknown, from: string): Promise<PackageIndex | undefined> => {
    const seen = await freshnessOf(s.db, origin);
    const checked = await checkPackageIndex(raw, { key, now, seen });
    if ("refusal" in checked) {
      refused ??= new PackageError(REFUSAL_CODES[checked.refusal], `the package index of ${origin} from ${from}: ${checked.detail}`);
      return undefined;
    }
    if (checked.origin !== origin) {
      refused ??= new PackageError("index_malformed", `the package index from ${from} is ${checked.origin}'s, not ${origin}'s`);
      return undefined;
    }
    const next = advanceFreshness(seen, checked);
    await raiseFreshness(s.db, origin, { seq: next.seq, versions: new Map(newestVersions(checked)) });
    await holdIndex(s.db, { origin, seq: checked.seq, signed: canonicalJson(checked), expires: checked.expires });
    return checked;
  };
  for (const source of sources) {
    let raw: unknown;
    try {
      raw = await source.read();
    } catch (err) {
      unreachable.push(`${source.from}: ${err instanceof Error ? err.message : String(err)}`);
      continue;
    }
    const accepted = await accept(raw, source.from);
    if (accepted) return accepted;
  }
  if (refused) throw refused;
  const held = await heldIndex(s.db, origin);
  const fallback = held ? await accept(JSON.parse(held.signed) as unknown, "this node's copy") : undefined;
  if (fallback) return fallback;
  throw refused ?? new PackageError("index_unavailable", `no package index of ${origin} could be read: ${unreachable.join("; ") || "no source is known"}`);
}

/** Refuses an entry its origin's index does not list, or lists under another entry id. */
export function requireListed(index: PackageIndex, entry: PackageEntry): void {
  const { name, version } = entry.signed.body;
  const listed = index.packages.find((p) => p.name === name)?.versions.find((v) => v.version === version);
  if (!listed) throw new PackageError("not_in_index", `${name}@${version} is not in the current package index of ${entry.signed.origin} (sequence ${index.seq}): withdrawn, or not published there`);
  if (listed.entry !== entry.id) throw new PackageError("not_in_index", `${name}@${version}: the index of ${entry.signed.origin} lists entry ${listed.entry}, not the ${entry.id} held here`);
}
