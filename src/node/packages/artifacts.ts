// Fetching a package's artifact (protocol §18.2, §18.5) through the outbound guard, and checking
// its digests before a byte is unpacked: npm's integrity (against the entry and against the npm
// registry's own metadata), or the SHA-256 and size of a tarball or a bundle an origin or a mirror serves.
import { z } from "zod";
import { sriOf, type PackageArtifact, type ServedArtifact } from "../../protocol/packages/artifact.ts";
import { bytesToHex } from "@noble/hashes/utils.js";
import { readCapped } from "../outbound/limited-body.ts";
import type { Outbound } from "../outbound/outbound.ts";
import { PackageError } from "./errors.ts";

/** The largest artifact read, whatever an entry says. */
export const MAX_ARTIFACT_BYTES = 256 * 1024 * 1024;
/** The largest tarball an operator hands the admin API (publish, try). */
export const MAX_UPLOAD_BYTES = 32 * 1024 * 1024;
const METADATA_BYTES = 1024 * 1024;
const FETCH_TIMEOUT_MS = 120_000;

const npmVersion = z.looseObject({ dist: z.looseObject({ integrity: z.string(), tarball: z.url({ protocol: /^https?$/ }) }) });

export interface FetchedArtifact {
  bytes: Uint8Array;
  sha256: string;
}

async function digest(alg: "SHA-256" | "SHA-512", bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest(alg, bytes as BufferSource));
}

async function download(outbound: Outbound, url: string, limit: number): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await outbound.request(url, {}, FETCH_TIMEOUT_MS);
  } catch (err) {
    throw new PackageError("fetch_failed", `${new URL(url).origin}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!res.ok) {
    void res.body?.cancel().catch(() => {});
    throw new PackageError("fetch_failed", `${new URL(url).origin} answered HTTP ${res.status}`);
  }
  return readCapped(res, limit, "the artifact");
}

/** An npm artifact: the registry's metadata must state the entry's integrity, and the bytes must hash to it. */
export async function fetchNpm(outbound: Outbound, registry: string, a: Extract<PackageArtifact, { type: "npm" }>): Promise<FetchedArtifact> {
  let meta: z.infer<typeof npmVersion>;
  try {
    meta = npmVersion.parse(await outbound.getJson(`${registry.replace(/\/$/, "")}/${a.name}/${a.version}`, { maxBytes: METADATA_BYTES, timeoutMs: FETCH_TIMEOUT_MS }));
  } catch (err) {
    throw new PackageError("fetch_failed", `the npm registry's metadata of ${a.name}@${a.version}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (meta.dist.integrity !== a.integrity) {
    throw new PackageError("integrity_mismatch", `the npm registry states ${meta.dist.integrity} for ${a.name}@${a.version}, the entry ${a.integrity}`);
  }
  const bytes = await download(outbound, meta.dist.tarball, MAX_ARTIFACT_BYTES);
  const sri = sriOf(await digest("SHA-512", bytes));
  if (sri !== a.integrity) throw new PackageError("integrity_mismatch", `the tarball of ${a.name}@${a.version} hashes to ${sri}, the entry pins ${a.integrity}`);
  return { bytes, sha256: bytesToHex(await digest("SHA-256", bytes)) };
}

/** A tarball or a bundle by its SHA-256, from the first of `sources` (the origin, then mirrors) that serves the right bytes. */
export async function fetchServed(outbound: Outbound, sources: string[], a: ServedArtifact): Promise<FetchedArtifact> {
  const failures: string[] = [];
  for (const base of sources) {
    try {
      const bytes = await download(outbound, `${base.replace(/\/$/, "")}/federation/v1/packages/artifacts/${a.sha256}`, a.size);
      const sha256 = bytesToHex(await digest("SHA-256", bytes));
      if (sha256 !== a.sha256 || bytes.length !== a.size) {
        failures.push(`${new URL(base).origin}: the bytes hash to ${sha256} (${bytes.length} bytes), the entry pins ${a.sha256} (${a.size})`);
        continue;
      }
      return { bytes, sha256 };
    } catch (err) {
      failures.push(err instanceof Error ? err.message : String(err));
    }
  }
  const mismatch = failures.some((f) => f.includes("hash to"));
  throw new PackageError(mismatch ? "hash_mismatch" : "fetch_failed", `no source served the artifact ${a.sha256}: ${failures.join("; ") || "none known"}`);
}

/** The artifact of bytes an operator gives (a tarball or a bundle): their SHA-256 and size. */
export async function servedArtifact<T extends ServedArtifact["type"]>(type: T, bytes: Uint8Array): Promise<ServedArtifact & { type: T }> {
  if (bytes.length === 0 || bytes.length > MAX_UPLOAD_BYTES) throw new PackageError("invalid_request", `a ${type === "mcpb" ? "bundle" : "tarball"} of 1 to ${MAX_UPLOAD_BYTES} bytes`);
  return { type, sha256: bytesToHex(await digest("SHA-256", bytes)), size: bytes.length } as ServedArtifact & { type: T };
}
