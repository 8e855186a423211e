// Switching which installed version serves a package's upstream (protocol §18.3): the upstream is
// pointed at the other version's folder in the store and its running process ended; the next call
// spawns the new version. Nothing is fetched, so it works with the network and the origin gone.
import { openTarget } from "../../store/sealed-fields.ts";
import { getUpstream, setStdioTarget } from "../../store/upstreams.ts";
import { activate, listInstalled, type PackageEntry } from "../../store/packages.ts";
import { refreshUpstream } from "../upstreams/refresh.ts";
import { PackageError } from "./errors.ts";
import { launchTarget } from "./launch-target.ts";
import { packageFiles, type PackagePorts } from "./ports.ts";

/** Serves `version` of the upstream's package: no fetch, no reinstall; the catalog is refreshed after. */
export async function switchTo(s: PackagePorts, upstream: string, version: string): Promise<{ upstream: string; version: string; previous: string | null }> {
  const files = packageFiles(s.platform);
  const rows = await listInstalled(s.db, { upstream });
  if (rows.length === 0) throw new PackageError("not_installed", `no package is installed as ${upstream}`);
  const row = rows.find((r) => r.version === version);
  if (!row) throw new PackageError("not_installed", `${upstream} has no version ${version} installed (installed: ${rows.map((r) => r.version).join(", ")})`);
  if (!(await files.has(row.sha256))) throw new PackageError("tampered", `${upstream}@${version} is missing from the store (${row.sha256})`);
  const previous = rows.find((r) => r.active)?.version ?? null;
  const current = await getUpstream(s.db, upstream);
  if (!current) throw new PackageError("not_installed", `the upstream ${upstream} is gone`);
  const env = (await openTarget(s.secrets, current)) as { env?: Record<string, string> };
  const target = launchTarget(files.root(row.sha256), await files.dataDir(upstream), (JSON.parse(row.entry) as PackageEntry["signed"]).body.launch, env.env ?? {}, s.platform.packageRuntimes);
  await setStdioTarget(s.db, s.secrets, upstream, target);
  await activate(s.db, upstream, row, Date.now());
  // The old process is forgotten at once and ends in the background, as the catalog's refresh
  // runs: the switch itself is the next call's spawn.
  s.defer(s.pool.close(upstream));
  s.defer(refreshUpstream(s, upstream).then(() => undefined));
  return { upstream, version, previous };
}
