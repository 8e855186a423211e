// The package index (protocol §18.4) and freshness (§18.3): the list of versions an origin
// publishes, signed with a sequence number and an expiry in the manner of TUF's timestamp role.
// A receiver remembers the highest sequence and the highest version it has seen per package, and
// refuses an index that is stale, replayed or that presents an older version as the newest.
import { z } from "zod";
import { canonicalJson } from "../encoding/canonical-json.ts";
import { fromBase64url, toBase64url } from "../encoding/bytes.ts";
import type { EntrySigner, OriginKey } from "../identity/signer.ts";
import { nodeId } from "./node-id.ts";
import { compareSemver } from "./semver.ts";
import { packageName, packageVersion } from "./package-entries.ts";

export const PACKAGE_INDEX_CONTEXT = "mcpfed/1 package-index";
/** The longest an index may be valid: an origin that stops re-signing is stale within a week. */
export const MAX_INDEX_LIFETIME_MS = 7 * 86_400_000;
export const MAX_INDEX_PACKAGES = 256;

const ms = z.number().int().min(0).max(2 ** 48 - 1);
const entryId = z.string().regex(/^[0-9a-f]{64}$/, "an entry id");

const indexedPackage = z.strictObject({
  name: packageName,
  /** Oldest first, each with the id of its signed entry. */
  versions: z.array(z.strictObject({ version: packageVersion, entry: entryId })).min(1).max(256),
});

export const unsignedPackageIndex = z.strictObject({
  type: z.literal("package-index"),
  v: z.literal(1),
  origin: nodeId,
  /** Grows with every index the origin signs. */
  seq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  issued: ms,
  expires: ms,
  packages: z.array(indexedPackage).max(MAX_INDEX_PACKAGES),
});
export type UnsignedPackageIndex = z.infer<typeof unsignedPackageIndex>;

export const packageIndex = unsignedPackageIndex.extend({ sig: z.string().regex(/^[A-Za-z0-9_-]{1,8192}$/, "base64url") });
export type PackageIndex = z.infer<typeof packageIndex>;

/** The newest version an index lists for each package. */
export function newestVersions(index: UnsignedPackageIndex): Map<string, string> {
  return new Map(index.packages.map((p) => [p.name, p.versions[p.versions.length - 1]!.version]));
}

function indexBytes(index: UnsignedPackageIndex): Uint8Array {
  const { sig: _sig, ...unsigned } = index as PackageIndex;
  return new TextEncoder().encode(canonicalJson(unsigned));
}

export async function signPackageIndex(index: UnsignedPackageIndex, signer: EntrySigner): Promise<PackageIndex> {
  if (index.origin !== signer.nodeId) throw new Error(`cannot sign an index for ${index.origin} as ${signer.nodeId}`);
  const sig = toBase64url(await signer.sign(indexBytes(index), PACKAGE_INDEX_CONTEXT));
  return packageIndex.parse({ ...index, sig });
}

export const INDEX_REFUSALS = ["malformed", "bad_signature", "expired", "replayed_index", "version_rollback"] as const;
export type IndexRefusal = (typeof INDEX_REFUSALS)[number];

/** What the receiver remembers of an origin (§18.3): its highest index sequence and highest version per package. */
export interface Freshness {
  seq: number;
  highest: ReadonlyMap<string, string>;
}

export interface IndexCheck {
  key: OriginKey;
  now: number;
  seen: Freshness | undefined;
}

/** A refusal with its reason, or the parsed index. Cheap checks first, the signature before any memory is consulted. */
export async function checkPackageIndex(raw: unknown, c: IndexCheck): Promise<PackageIndex | { refusal: IndexRefusal; detail: string }> {
  const parsed = packageIndex.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { refusal: "malformed", detail: issue ? `${issue.path.join(".") || "(index)"}: ${issue.message}` : "invalid" };
  }
  const index = parsed.data;
  const shape = indexShapeProblem(index);
  if (shape) return { refusal: "malformed", detail: shape };
  let ok = false;
  try {
    ok = await c.key.verify(indexBytes(index), fromBase64url(index.sig), PACKAGE_INDEX_CONTEXT);
  } catch {
    ok = false;
  }
  if (!ok) return { refusal: "bad_signature", detail: "the index signature does not verify under the origin's key" };
  if (c.now >= index.expires) return { refusal: "expired", detail: `the index expired at ${new Date(index.expires).toISOString()}` };
  if (c.seen) {
    if (index.seq < c.seen.seq) return { refusal: "replayed_index", detail: `sequence ${index.seq} is below ${c.seen.seq}, already seen` };
    const newest = newestVersions(index);
    for (const [name, highest] of c.seen.highest) {
      const listed = newest.get(name);
      if (listed !== undefined && compareSemver(listed, highest) < 0) {
        return { refusal: "version_rollback", detail: `${name}: ${listed} is presented as the newest, but ${highest} was seen` };
      }
    }
  }
  return index;
}

function indexShapeProblem(index: UnsignedPackageIndex): string | undefined {
  if (index.expires <= index.issued) return "expires must be after issued";
  if (index.expires - index.issued > MAX_INDEX_LIFETIME_MS) return `valid for at most ${MAX_INDEX_LIFETIME_MS} ms`;
  const names = index.packages.map((p) => p.name);
  if (new Set(names).size !== names.length) return "packages: no package twice";
  for (const p of index.packages) {
    for (let i = 1; i < p.versions.length; i++) {
      if (compareSemver(p.versions[i - 1]!.version, p.versions[i]!.version) >= 0) return `packages.${p.name}: versions must ascend`;
    }
  }
  return undefined;
}

/** The freshness after accepting `index`: highest versions only ever rise. */
export function advanceFreshness(seen: Freshness | undefined, index: UnsignedPackageIndex): Freshness {
  const highest = new Map(seen?.highest ?? []);
  for (const [name, v] of newestVersions(index)) {
    const held = highest.get(name);
    if (held === undefined || compareSemver(v, held) > 0) highest.set(name, v);
  }
  return { seq: Math.max(seen?.seq ?? 0, index.seq), highest };
}
