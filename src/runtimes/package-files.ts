// The package store on Node (protocol §18.2): `<data>/packages/<sha256>/` holds the unpacked
// artifact (dependencies installed), `artifact.tgz` or `artifact.mcpb` the verified bytes for mirrors, and
// `mcpfed-lock.json` the lock. A package's own data lives apart, in `<data>/package-data/<upstream>/`.
import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { lstat, mkdir, readdir, readFile, readlink, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import * as tar from "tar";
import type { PackageArchive, PackageFiles, PackageLock } from "../node/settings/package-files.ts";
import { installDependencies, type NpmSettings } from "./npm-dependencies.ts";

const LOCK = "mcpfed-lock.json";
const ARTIFACT: Record<PackageArchive["format"], string> = { tgz: "artifact.tgz", mcpb: "artifact.mcpb" };
/** The files beside the package in its store folder: not part of what verify checks. */
const OWN_FILES = new Set([LOCK, ...Object.values(ARTIFACT)]);

export class UnsafeArchiveError extends Error {
  override name = "UnsafeArchiveError";
}

export function nodePackageFiles(dataDir: string, npm: NpmSettings): PackageFiles {
  const store = join(dataDir, "packages");
  const folder = (sha256: string) => {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new RangeError("not a SHA-256");
    return join(store, sha256);
  };
  return {
    root: (sha256) => join(folder(sha256), "package"),
    async dataDir(upstream) {
      const dir = join(dataDir, "package-data", upstream);
      await mkdir(dir, { recursive: true, mode: 0o700 });
      return dir;
    },
    removeDataDir: (upstream) => rm(join(dataDir, "package-data", upstream), { recursive: true, force: true }),
    has: async (sha256) => existsSync(join(folder(sha256), LOCK)),
    async unpack(sha256, archive, maxBytes) {
      await mkdir(store, { recursive: true, mode: 0o700 });
      const staging = join(store, `.staging-${randomBytes(8).toString("hex")}`);
      const root = join(staging, "package");
      await mkdir(root, { recursive: true });
      try {
        if (archive.format === "tgz") {
          await extract(archive.bytes, root, maxBytes);
          await installDependencies(root, npm);
        } else {
          await writeBundle(archive.files(), root);
        }
        await writeFile(join(staging, ARTIFACT[archive.format]), archive.bytes);
        const files = await digestsOf(root);
        await rm(folder(sha256), { recursive: true, force: true });
        await rename(staging, folder(sha256));
        return files;
      } finally {
        await rm(staging, { recursive: true, force: true });
      }
    },
    async writeLock(lock: PackageLock) {
      await writeFile(join(folder(lock.sha256), LOCK), `${JSON.stringify(lock, null, 2)}\n`);
    },
    async readLock(sha256) {
      const file = join(folder(sha256), LOCK);
      if (!existsSync(file)) return undefined;
      return JSON.parse(await readFile(file, "utf8")) as unknown;
    },
    async manifest(sha256) {
      const file = join(folder(sha256), "package", "package.json");
      return existsSync(file) ? (JSON.parse(await readFile(file, "utf8")) as unknown) : undefined;
    },
    digests: (sha256) => digestsOf(join(folder(sha256), "package")),
    async artifact(sha256) {
      for (const name of Object.values(ARTIFACT)) {
        const file = join(folder(sha256), name);
        if (existsSync(file)) return new Uint8Array(await readFile(file));
      }
      return undefined;
    },
    remove: (sha256) => rm(folder(sha256), { recursive: true, force: true }),
  };
}

/** Unpacks npm's layout (one top folder, stripped), refusing what could write outside `root`. */
async function extract(tarball: Uint8Array, root: string, maxBytes: number): Promise<void> {
  let total = 0;
  let refused: string | undefined;
  const inside = (path: string) => {
    const target = resolve(root, path);
    return target === root || target.startsWith(root + sep);
  };
  await pipeline(
    Readable.from([tarball]),
    tar.x({
      cwd: root,
      strip: 1,
      // No links of either kind, no device files: a package is plain files and folders.
      filter: (path, entry) => {
        const type = "type" in entry ? entry.type : "File";
        if (type !== "File" && type !== "OldFile" && type !== "Directory" && type !== "ContiguousFile") refused ??= `${path}: a ${type} entry`;
        else if (path.startsWith("/") || path.split(/[\\/]/).includes("..")) refused ??= `${path}: a path outside the package`;
        else if ((total += "size" in entry ? entry.size ?? 0 : 0) > maxBytes) refused ??= `more than ${maxBytes} bytes unpacked`;
        else return true;
        return false;
      },
      onwarn: (_code, message) => {
        refused ??= String(message);
      },
    }),
  );
  if (refused) throw new UnsafeArchiveError(`the archive is refused: ${refused}`);
  // Belt and braces: nothing landed outside the root, whatever tar made of a path.
  for (const f of await walk(root)) if (!inside(f)) throw new UnsafeArchiveError(`the archive wrote outside the package: ${f}`);
}

/** Writes a bundle's files, already checked (bundle-archive.ts), as plain files under `root`. */
async function writeBundle(files: Iterable<{ path: string; bytes: Uint8Array }>, root: string): Promise<void> {
  for (const f of files) {
    const target = resolve(root, f.path);
    // Belt and braces: the zip's directory was checked, and nothing may land outside the root whatever it said.
    if (!target.startsWith(root + sep)) throw new UnsafeArchiveError(`the archive would write outside the package: ${f.path}`);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, f.bytes, { flag: "wx" });
  }
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const d of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, d.name);
    if (d.isDirectory()) out.push(...(await walk(path)));
    else out.push(path);
  }
  return out;
}

/** Every file under `root` → hex SHA-256 of its bytes (of `link:` and its target for a link npm made). */
async function digestsOf(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const files = (await walk(root)).sort();
  for (const f of files) {
    const rel = relative(root, f).split(sep).join("/");
    if (OWN_FILES.has(rel)) continue;
    const st = await lstat(f);
    const bytes = st.isSymbolicLink() ? Buffer.from(`link:${await readlink(f)}`) : await readFile(f);
    out[rel] = createHash("sha256").update(bytes).digest("hex");
  }
  return out;
}
