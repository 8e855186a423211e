// Versions side by side (protocol §18.3): which installed version serves a package's upstream,
// switching (`use`, `rollback`) from the local store alone, `update` within the operator's range,
// `verify` against the lock, and `remove`. A switch points the upstream at the other version's
// folder and ends the running process; the next call spawns the new version.
import semver from "semver";
import { compareSemver } from "../../protocol/registry/semver.ts";
import { servedDigest } from "../../protocol/packages/artifact.ts";
import { deleteInstalled, listInstalled, livePackageEntries, setRange, type InstalledRow, type PackageEntry } from "../../store/packages.ts";
import { packageLock } from "../settings/package-files.ts";
import { removeUpstream } from "../upstreams/registration.ts";
import { PackageError } from "./errors.ts";
import { installPackage, type InstallResult } from "./install.ts";
import { packageFiles, type PackagePorts } from "./ports.ts";
import { switchTo } from "./switch.ts";

export interface InstalledVersion {
  version: string;
  origin: string;
  sha256: string;
  active: boolean;
  installedAt: string;
}

export interface InstalledPackage {
  upstream: string;
  name: string;
  origin: string;
  range: string | null;
  active: string | null;
  versions: InstalledVersion[];
}

function bodyOf(row: InstalledRow): PackageEntry["signed"]["body"] {
  return (JSON.parse(row.entry) as PackageEntry["signed"]).body;
}

export async function listPackages(s: Pick<PackagePorts, "db">): Promise<InstalledPackage[]> {
  const byUpstream = new Map<string, InstalledRow[]>();
  for (const r of await listInstalled(s.db)) byUpstream.set(r.upstream, [...(byUpstream.get(r.upstream) ?? []), r]);
  return [...byUpstream].map(([upstream, rows]) => {
    const sorted = rows.sort((a, b) => compareSemver(a.version, b.version));
    return {
      upstream,
      name: sorted[0]!.name,
      origin: sorted[0]!.origin,
      range: sorted[0]!.range,
      active: sorted.find((r) => r.active)?.version ?? null,
      versions: sorted.map((r) => ({ version: r.version, origin: r.origin, sha256: r.sha256, active: r.active, installedAt: new Date(r.installedAt).toISOString() })),
    };
  });
}

async function rowsOf(s: Pick<PackagePorts, "db">, upstream: string): Promise<InstalledRow[]> {
  const rows = await listInstalled(s.db, { upstream });
  if (rows.length === 0) throw new PackageError("not_installed", `no package is installed as ${upstream}`);
  return rows;
}

/** Back to the version that served before the current one, from the local store. */
export async function rollback(s: PackagePorts, upstream: string): Promise<{ upstream: string; version: string; previous: string | null }> {
  const rows = await rowsOf(s, upstream);
  const current = rows.find((r) => r.active);
  const earlier = rows
    .filter((r) => r !== current && r.activatedAt !== null)
    .sort((a, b) => b.activatedAt! - a.activatedAt!)[0] ?? rows.filter((r) => current && compareSemver(r.version, current.version) < 0).sort((a, b) => compareSemver(b.version, a.version))[0];
  if (!earlier) throw new PackageError("no_previous_version", `${upstream} has no other version installed to return to`);
  return switchTo(s, upstream, earlier.version);
}

/** Installs the newest held version within the range (the stored one when none is given) above the current, and serves it once verified. */
export async function update(s: PackagePorts, upstream: string, range?: string): Promise<InstallResult & { previous: string | null }> {
  const rows = await rowsOf(s, upstream);
  if (range !== undefined && semver.validRange(range) === null) throw new PackageError("invalid_request", `not a semver range: ${range}`);
  const wanted = range ?? rows[0]!.range ?? "*";
  const current = rows.find((r) => r.active) ?? rows[0]!;
  const candidates = (await livePackageEntries(s.db, { origin: current.origin, name: current.name }))
    .map((e) => e.signed.body.version)
    .filter((v) => compareSemver(v, current.version) > 0 && semver.satisfies(v, wanted, { includePrerelease: false }))
    .sort(compareSemver);
  const newest = candidates[candidates.length - 1];
  if (!newest) throw new PackageError("no_newer_version", `no version of ${current.name} above ${current.version} within ${wanted} is held here`);
  const installed = await installPackage(s, { name: current.name, origin: current.origin, version: newest, upstream, use: false });
  const verdict = await verify(s, upstream, newest);
  if (!verdict.ok) throw new PackageError("tampered", `${current.name}@${newest} did not verify: ${verdict.problems.join("; ")}`);
  if (range !== undefined) await setRange(s.db, upstream, range);
  await switchTo(s, upstream, newest);
  return { ...installed, active: true, previous: current.version };
}

export interface Verdict {
  upstream: string;
  version: string;
  ok: boolean;
  problems: string[];
}

/** Recomputes every file's digest against the lock, and the lock against the entry. */
export async function verify(s: PackagePorts, upstream: string, version?: string): Promise<Verdict> {
  const files = packageFiles(s.platform);
  const rows = await rowsOf(s, upstream);
  const row = version === undefined ? (rows.find((r) => r.active) ?? rows[0]!) : rows.find((r) => r.version === version);
  if (!row) throw new PackageError("not_installed", `${upstream} has no version ${version} installed`);
  const problems: string[] = [];
  const lock = packageLock.safeParse(await files.readLock(row.sha256));
  if (!lock.success) return { upstream, version: row.version, ok: false, problems: ["the lock file is missing or unreadable"] };
  const body = bodyOf(row);
  if (lock.data.sha256 !== row.sha256 || lock.data.entryId !== row.entryId || lock.data.signer !== row.origin) problems.push("the lock names another artifact, entry or signer");
  for (const t of body.tools) if (lock.data.tools[t.name] !== t.fingerprint) problems.push(`tool ${t.name}: the lock pins another definition than the entry`);
  const now = await files.digests(row.sha256);
  for (const [path, digest] of Object.entries(lock.data.files)) {
    if (!(path in now)) problems.push(`${path}: missing`);
    else if (now[path] !== digest) problems.push(`${path}: changed`);
  }
  for (const path of Object.keys(now)) if (!(path in lock.data.files)) problems.push(`${path}: added`);
  return { upstream, version: row.version, ok: problems.length === 0, problems };
}

/** Removes one version (not the serving one), or every version and the upstream. */
export async function remove(s: PackagePorts, upstream: string, version?: string): Promise<{ removed: string[] }> {
  const files = packageFiles(s.platform);
  const rows = await rowsOf(s, upstream);
  const doomed = version === undefined ? rows : rows.filter((r) => r.version === version);
  if (doomed.length === 0) throw new PackageError("not_installed", `${upstream} has no version ${version} installed`);
  if (version !== undefined && doomed[0]!.active && rows.length > 1) throw new PackageError("in_use", `${upstream}@${version} serves: use another version first`);
  if (doomed.length === rows.length) await removeUpstream(s, upstream);
  for (const r of doomed) await deleteInstalled(s.db, r);
  // Another upstream may hold the same artifact, or this node publishes it (§18.5: it serves it): its files stay.
  const held = new Set((await listInstalled(s.db)).map((r) => r.sha256));
  for (const e of await livePackageEntries(s.db, { origin: s.nodeId })) {
    const served = servedDigest(e.signed.body.artifact);
    if (served) held.add(served);
  }
  for (const r of doomed) if (!held.has(r.sha256)) await files.remove(r.sha256);
  return { removed: doomed.map((r) => r.version) };
}
