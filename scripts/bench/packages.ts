// Packages (issue 18), through two real nodes: A publishes ROUNDS versions of the sandbox-probe as
// tarball artifacts, each under two names (`probe`, `probe-copy`: the same bytes); B installs each
// `probe` cold (fetched from A, hashed, unpacked, locked, registered, its tools listed by spawning
// it) and then the `probe-copy` of the same version, which its local store holds already (no
// fetch); then `use` switches one upstream between two installed versions SWITCHES times, 2 s
// apart so the refresh each leaves running has ended (goal: ≤ 100 ms). Times are the admin API's
// round trip, medians. The first call of a spawned package against a warm one, and memory per
// running package, are bench:package-processes's, run after.
//
//   npm run bench:packages          (ROUNDS=5 SWITCHES=20)
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loopbackNode, removeTempDirs, ROOT, type NodeProc } from "../../test/support/processes.ts";
import { probeTarball } from "../../test/support/sandbox-package.ts";
import { fmt, intEnv, machine, median, table } from "./lib.ts";

const ROUNDS = intEnv("ROUNDS", 5);
const SWITCHES = intEnv("SWITCHES", 20);
/** Between switches: the catalog refresh a switch leaves running (it spawns the new version) ends first. */
const SWITCH_GAP_MS = intEnv("SWITCH_GAP_MS", 2000);

async function ok<T>(res: Response, what: string): Promise<T> {
  if (!res.ok) throw new Error(`${what}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t = performance.now();
  const value = await work();
  return { ms: performance.now() - t, value };
}

const [a, b] = await Promise.all([loopbackNode("alpha", { env: { PEER_POLICY: "open" } }), loopbackNode("bravo", { env: { PEER_POLICY: "open" } })]);
const nodes: NodeProc[] = [a, b];
try {
  await ok(await b.admin("POST", "/peers", { url: a.url }), "peering");
  const versions = Array.from({ length: ROUNDS }, (_, r) => `1.0.${r}`);
  // One more `probe` version, to switch to.
  const other = `1.0.${ROUNDS}`;
  let previous: string | null = null;
  for (const version of [...versions, other]) {
    const tarball = readFileSync(await probeTarball(version)).toString("base64");
    for (const name of version === other ? ["probe"] : ["probe", "probe-copy"]) {
      await ok(await a.admin("POST", "/packages/publish", { tarball, name, previous, licence: { id: "MIT" } }), `publishing ${name}@${version}`);
    }
    previous = version;
  }
  for (let seen = 0; seen < ROUNDS; ) {
    const r = await ok<{ packages: { versions: string[] }[] }>(await b.admin("GET", "/packages/search?q=probe"), "search");
    seen = Math.min(...r.packages.map((p) => p.versions.length), r.packages.length < 2 ? 0 : ROUNDS);
    if (seen < ROUNDS) await new Promise((r) => setTimeout(r, 200));
  }

  const install = (name: string, version: string, upstream: string) =>
    timed(async () => ok<{ fetched: boolean }>(await b.admin("POST", "/packages", { name, version, upstream }), `installing ${name}@${version} as ${upstream}`));
  const cold: number[] = [];
  const stored: number[] = [];
  for (const [r, version] of versions.entries()) {
    const first = await install("probe", version, `cold-${r}`);
    if (!first.value.fetched) throw new Error("a cold install did not fetch");
    cold.push(first.ms);
    const again = await install("probe-copy", version, `store-${r}`);
    if (again.value.fetched) throw new Error("an install from the store fetched");
    stored.push(again.ms);
  }

  // cold-0 serves probe 1.0.0; the other version goes beside it, then `use` goes back and forth.
  await install("probe", other, "cold-0");
  const switches: number[] = [];
  for (let i = 0; i < SWITCHES; i++) {
    const version = i % 2 === 0 ? other : versions[0]!;
    const s = await timed(async () => ok(await b.admin("POST", "/packages/cold-0/use", { version }), `use ${version}`));
    switches.push(s.ms);
    await new Promise((r) => setTimeout(r, SWITCH_GAP_MS));
  }

  console.log(machine());
  console.log(`the sandbox-probe as a tarball (${Math.round(readFileSync(await probeTarball("9.9.9")).length / 1024)} KiB); ${ROUNDS} installs each way, ${SWITCHES} switches ${SWITCH_GAP_MS} ms apart; medians of the admin API's round trip`);
  console.log(
    table(
      ["operation", "median ms", "min ms", "max ms"],
      [
        ["install, cold (fetch from the origin, hash, unpack, lock, register, list by spawning)", fmt(median(cold), 1), fmt(Math.min(...cold), 1), fmt(Math.max(...cold), 1)],
        ["install, artifact in the local store (register, list by spawning)", fmt(median(stored), 1), fmt(Math.min(...stored), 1), fmt(Math.max(...stored), 1)],
        ["use: switch the serving version", fmt(median(switches), 1), fmt(Math.min(...switches), 1), fmt(Math.max(...switches), 1)],
      ],
    ),
  );
} finally {
  await Promise.all(nodes.map((n) => n.stop()));
  removeTempDirs();
}

// First call of a spawned package against a warm one, and memory per running package.
console.log("\nbench:package-processes");
const processes = spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "scripts/bench/package-processes.ts")], { stdio: "inherit", env: process.env });
process.exitCode = processes.status ?? 1;
