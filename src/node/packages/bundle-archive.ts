// Reading an MCP bundle's zip (protocol §18.2) after its SHA-256 matched the signed entry: the
// central directory first, every entry checked before a byte is inflated (count, sizes, ratio,
// paths that stay inside the package, no links, no encryption), then the manifest mapped to a
// launch, then one file at a time, each inflated into a buffer of its declared size (and one byte),
// so a lying header cannot make it grow. fflate inflates; the directory is read here because fflate does not
// expose an entry's file type (a link must be refused, not written as a file).
import { inflateSync, strFromU8 } from "fflate";
import { BUNDLE_MANIFEST, BundleError, bundleLaunch, parseBundleManifest, type BundleManifest } from "../../protocol/packages/bundle.ts";
import type { PackageLaunch } from "../../protocol/packages/launch.ts";
import { PackageError } from "./errors.ts";

export interface BundleLimits {
  /** Entries in the zip, folders included. */
  entries: number;
  /** Bytes of every file inflated. */
  bytes: number;
  /** The largest inflated/compressed ratio of an entry above `ratioFrom` bytes. */
  ratio: number;
  ratioFrom: number;
}

export const BUNDLE_LIMITS: BundleLimits = { entries: 20_000, bytes: 512 * 1024 * 1024, ratio: 100, ratioFrom: 1024 * 1024 };
const MANIFEST_BYTES = 1024 * 1024;

interface ZipEntry {
  path: string;
  folder: boolean;
  method: number;
  compressed: number;
  size: number;
  /** Where its local header starts. */
  offset: number;
}

export interface BundleFile {
  path: string;
  bytes: Uint8Array;
}

export interface ReadBundle {
  manifest: BundleManifest;
  launch: PackageLaunch;
  /** Every file, inflated one at a time as it is iterated. */
  files: () => Iterable<BundleFile>;
}

const unsafe = (why: string) => new PackageError("unsafe_archive", `the bundle is refused: ${why}`);
const u16 = (d: Uint8Array, at: number) => d[at]! | (d[at + 1]! << 8);
const u32 = (d: Uint8Array, at: number) => (d[at]! | (d[at + 1]! << 8) | (d[at + 2]! << 16) | (d[at + 3]! << 24)) >>> 0;

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
const UNIX_HOST = 3;

/** A relative path that stays inside the package: no root, no drive, no `..`, no backslash, no NUL. */
function insidePath(path: string): boolean {
  if (path === "" || path.startsWith("/") || /^[A-Za-z]:/.test(path) || /[\\\0]/.test(path)) return false;
  return !path.split("/").some((seg) => seg === "..");
}

/** The central directory, every entry checked against `limits`. */
function directory(zip: Uint8Array, limits: BundleLimits): ZipEntry[] {
  let end = zip.length - 22;
  const floor = Math.max(0, zip.length - 22 - 0xffff);
  while (end >= floor && u32(zip, end) !== 0x06054b50) end--;
  if (end < floor) throw unsafe("not a zip (no end of central directory)");
  const count = u16(zip, end + 10);
  let at = u32(zip, end + 16);
  if (count === 0xffff || at === 0xffffffff) throw unsafe("a zip64 archive (more entries or bytes than a bundle may hold)");
  if (count > limits.entries) throw unsafe(`${count} entries, more than ${limits.entries}`);
  const entries: ZipEntry[] = [];
  const seen = new Set<string>();
  let total = 0;
  for (let i = 0; i < count; i++) {
    if (at + 46 > end || u32(zip, at) !== 0x02014b50) throw unsafe("a damaged central directory");
    const flags = u16(zip, at + 8);
    const nameLength = u16(zip, at + 28);
    if (at + 46 + nameLength > end) throw unsafe("a damaged central directory");
    const path = strFromU8(zip.subarray(at + 46, at + 46 + nameLength), (flags & 0x800) === 0);
    const entry: ZipEntry = { path, folder: path.endsWith("/"), method: u16(zip, at + 10), compressed: u32(zip, at + 20), size: u32(zip, at + 24), offset: u32(zip, at + 42) };
    const mode = u16(zip, at + 4) >> 8 === UNIX_HOST ? u32(zip, at + 38) >>> 16 : 0;
    const kind = mode & S_IFMT;
    if (!insidePath(entry.folder ? path.slice(0, -1) : path)) throw unsafe(`${JSON.stringify(path)}: a path outside the package`);
    if (kind === S_IFLNK) throw unsafe(`${path}: a symbolic link`);
    if (kind !== 0 && kind !== S_IFREG && kind !== S_IFDIR) throw unsafe(`${path}: not a file or a folder`);
    if (flags & 1) throw unsafe(`${path}: encrypted`);
    if (entry.method !== 0 && entry.method !== 8) throw unsafe(`${path}: compression method ${entry.method} (only stored and deflate)`);
    if (entry.method === 0 && entry.size !== entry.compressed) throw unsafe(`${path}: a stored entry whose sizes differ`);
    if (entry.size > limits.ratioFrom && entry.size > entry.compressed * limits.ratio) throw unsafe(`${path}: compressed more than ${limits.ratio} to 1`);
    if ((total += entry.size) > limits.bytes) throw unsafe(`more than ${limits.bytes} bytes inflated`);
    const key = entry.folder ? path.slice(0, -1) : path;
    if (seen.has(key)) throw unsafe(`${path}: twice in the archive`);
    seen.add(key);
    entries.push(entry);
    at += 46 + nameLength + u16(zip, at + 30) + u16(zip, at + 32);
  }
  return entries;
}

/** One entry's bytes, inflated into a buffer one byte over its declared size: a fuller buffer means the header lied. */
function inflated(zip: Uint8Array, e: ZipEntry): Uint8Array {
  if (e.offset + 30 > zip.length || u32(zip, e.offset) !== 0x04034b50) throw unsafe(`${e.path}: a damaged local header`);
  const start = e.offset + 30 + u16(zip, e.offset + 26) + u16(zip, e.offset + 28);
  if (start + e.compressed > zip.length) throw unsafe(`${e.path}: runs past the end of the archive`);
  const raw = zip.subarray(start, start + e.compressed);
  if (e.method === 0) return raw.slice();
  let out: Uint8Array;
  try {
    out = inflateSync(raw, { out: new Uint8Array(e.size + 1) });
  } catch (err) {
    throw unsafe(`${e.path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (out.length !== e.size) throw unsafe(`${e.path}: inflates to ${out.length} bytes, its header says ${e.size}`);
  return out;
}

/** Checks a bundle's zip and its manifest, maps the manifest's server to a launch; inflates nothing but the manifest. */
export function readBundle(zip: Uint8Array, limits: BundleLimits = BUNDLE_LIMITS): ReadBundle {
  const entries = directory(zip, limits);
  const manifestEntry = entries.find((e) => e.path === BUNDLE_MANIFEST);
  if (!manifestEntry) throw new PackageError("bundle_malformed", `the bundle has no ${BUNDLE_MANIFEST} at its root`);
  if (manifestEntry.size > MANIFEST_BYTES) throw new PackageError("bundle_malformed", `${BUNDLE_MANIFEST} is over ${MANIFEST_BYTES} bytes`);
  let manifest: BundleManifest;
  let launch: PackageLaunch;
  try {
    manifest = parseBundleManifest(new TextDecoder().decode(inflated(zip, manifestEntry)));
    launch = bundleLaunch(manifest);
  } catch (err) {
    if (err instanceof BundleError) throw new PackageError(err.code, err.message);
    throw err;
  }
  if (!entries.some((e) => !e.folder && e.path === launch.entry)) throw new PackageError("bundle_malformed", `the entry point ${launch.entry} is not in the bundle`);
  return {
    manifest,
    launch,
    *files() {
      for (const e of entries) if (!e.folder) yield { path: e.path, bytes: inflated(zip, e) };
    },
  };
}
