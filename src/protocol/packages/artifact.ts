// A package's artifact and its digests (protocol §18.2): what is fetched, and the hash that must
// match before a byte of it is unpacked. An npm artifact is pinned by the registry's own `integrity`
// (SHA-512, SRI form); a tarball or an MCP bundle (.mcpb) the origin serves is content-addressed by SHA-256.
import { z } from "zod";

/** An npm package name, scoped or not (npm's own rules, lowercase). */
const npmName = z.string().max(214).regex(/^(@[a-z0-9][a-z0-9._-]*\/)?[a-z0-9][a-z0-9._-]*$/, "an npm package name");
/** An exact version: never a range, so the artifact cannot move under the entry. */
const exactVersion = z.string().max(64).regex(/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/, "an exact version");
/** SRI `sha512-<base64 of 64 bytes>`, as npm's `dist.integrity` gives it. */
export const sriSha512 = z.string().regex(/^sha512-[A-Za-z0-9+/]{86}==$/, "sha512-<base64>");
const sha256 = z.string().regex(/^[0-9a-f]{64}$/, "64 hex");

export const packageArtifact = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("npm"), name: npmName, version: exactVersion, integrity: sriSha512 }),
  /** A gzipped tar the origin serves at `GET /federation/v1/packages/artifacts/<sha256>` (§18.5). */
  z.strictObject({ type: z.literal("tarball"), sha256, size: z.number().int().min(1).max(256 * 1024 * 1024) }),
  /** An MCP bundle (a zip with `manifest.json`, `bundle.ts`), served like a tarball. */
  z.strictObject({ type: z.literal("mcpb"), sha256, size: z.number().int().min(1).max(256 * 1024 * 1024) }),
]);
export type PackageArtifact = z.infer<typeof packageArtifact>;
/** An artifact the origin (or a mirror) serves by its SHA-256. */
export type ServedArtifact = Extract<PackageArtifact, { type: "tarball" | "mcpb" }>;

/** The SHA-256 an origin serves the artifact under; undefined for npm's. */
export function servedDigest(a: PackageArtifact): string | undefined {
  return a.type === "npm" ? undefined : a.sha256;
}

/** The npm SRI string of a SHA-512 digest. */
export function sriOf(sha512: Uint8Array): string {
  let s = "";
  for (const b of sha512) s += String.fromCharCode(b);
  return `sha512-${btoa(s)}`;
}
