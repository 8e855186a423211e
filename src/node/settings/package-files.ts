// The package store's port (protocol §18.2): a content-addressed folder per artifact, with a lock
// file. Only runtimes with a file system and processes supply one (Node: src/runtimes/package-files.ts);
// elsewhere every package operation answers `packages_unsupported`.
import { z } from "zod";

export const packageLock = z.strictObject({
  v: z.literal(1),
  /** The artifact's SHA-256: the store address. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** npm's SRI integrity, for npm artifacts. */
  integrity: z.string().max(128).optional(),
  name: z.string().max(64),
  version: z.string().max(64),
  entryId: z.string().regex(/^[0-9a-f]{64}$/),
  /** The entry's origin: who signed it. */
  signer: z.string().max(128),
  /** Tool name → the fingerprint the entry pins. */
  tools: z.record(z.string(), z.string()),
  /** Every installed file, relative to the package root → hex SHA-256 (a link: of `link:` and its target). */
  files: z.record(z.string(), z.string().regex(/^[0-9a-f]{64}$/)),
});
export type PackageLock = z.infer<typeof packageLock>;

/**
 * An artifact whose digests were checked, to unpack: a gzipped tar in npm's layout, or an MCP
 * bundle whose zip was checked and is inflated file by file (`src/node/packages/bundle-archive.ts`).
 */
export type PackageArchive =
  | { format: "tgz"; bytes: Uint8Array }
  | { format: "mcpb"; bytes: Uint8Array; files: () => Iterable<{ path: string; bytes: Uint8Array }> };

export interface PackageFiles {
  /** The absolute folder an artifact is unpacked in: the root its launch entry is relative to. */
  root(sha256: string): string;
  /** A folder of the upstream's own, kept across versions: where the package's data lives. */
  dataDir(upstream: string): Promise<string>;
  /** Removes an upstream's data folder (a `try`'s scratch folder). */
  removeDataDir(upstream: string): Promise<void>;
  /** Whether the store holds this artifact, unpacked and locked. */
  has(sha256: string): Promise<boolean>;
  /**
   * Unpacks an archive whose digests were checked and keeps its bytes for mirrors; returns every
   * file's digest. A gzipped tar (npm's layout: one top folder, stripped) has its dependencies
   * installed, refusing absolute paths, `..`, links, and more than `maxBytes` unpacked; a bundle
   * carries its own and is written as its checked files are inflated.
   */
  unpack(sha256: string, archive: PackageArchive, maxBytes: number): Promise<Record<string, string>>;
  writeLock(lock: PackageLock): Promise<void>;
  /** The lock as stored, unparsed; undefined when there is none. */
  readLock(sha256: string): Promise<unknown>;
  /** The unpacked package's package.json, parsed, or undefined when it has none. */
  manifest(sha256: string): Promise<unknown>;
  /** Every file's digest as it is now, for verify. */
  digests(sha256: string): Promise<Record<string, string>>;
  /** The artifact's bytes, for mirrors; undefined when not held. */
  artifact(sha256: string): Promise<Uint8Array | undefined>;
  remove(sha256: string): Promise<void>;
}
