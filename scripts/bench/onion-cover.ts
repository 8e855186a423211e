// Cost of cover traffic (protocol §14.10): four onion hops and two consumers served in this process
// with their own stores, one consumer sending no cover, the other COVER_PER_TICK packets a tick.
// Their ticks alternate (BENCH_ROUNDS each); per tick, the wall time and this process's CPU (the
// sender and every hop, all here); the difference over the packets is the cost of one cover packet
// summed over the sender and its three hops.
//   npm run bench:onion-cover      COVER_PER_TICK (10), BENCH_ROUNDS (7)
import { serve } from "@hono/node-server";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createServer } from "node:net";
import { createApp } from "../../src/http/app.ts";
import { newSeed } from "../../src/protocol/identity/seed.ts";
import { startLocal } from "../../src/runtimes/local.ts";
import { fmt, intEnv, machine, median, sleep, table } from "./lib.ts";

const PER_TICK = intEnv("COVER_PER_TICK", 10);
const ROUNDS = intEnv("BENCH_ROUNDS", 7);
const TOKEN = "bench-cover-admin-token-0123456789";
const TICK_SECONDS = 60;
const dirs: string[] = [];
// The nodes' log lines (one per hop and packet) would bury the table.
const print = console.log.bind(console);
console.log = () => {};

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

async function node(name: string, env: Record<string, string> = {}) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const dir = mkdtempSync(join(tmpdir(), `mcpfed-cover-${name}-`));
  dirs.push(dir);
  const local = await startLocal({ DATA_DIR: dir, ADMIN_TOKEN: TOKEN, NODE_SEED: newSeed(), TICK_SECONDS: String(TICK_SECONDS), NODE_NAME: name, PUBLIC_URL: url, PEER_POLICY: "open", ...env });
  const app = await createApp({ config: local.config, db: local.db, platform: { requestScopedIo: false, standingStreams: true, fetch } });
  const server = serve({ fetch: app.app.fetch, port, hostname: "127.0.0.1" });
  const admin = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${url}/admin${path}`, { method, headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    if (!res.ok) throw new Error(`${name} ${method} ${path}: HTTP ${res.status} ${await res.text()}`);
    return res.json() as Promise<Record<string, unknown>>;
  };
  return { name, port, admin, server };
}

const hops = await Promise.all(["h1", "h2", "h3", "h4"].map((n) => node(n)));
const quiet = await node("a-off");
const covering = await node("a-cover", { ONION_COVER_PER_MINUTE: String(PER_TICK) });
for (const a of [quiet, covering]) {
  for (const h of hops) await a.admin("POST", "/peers", { url: `http://127.0.0.1:${h.port}` });
  for (let i = 0; ; i++) {
    const { peers } = (await a.admin("GET", "/peers")) as { peers: { state: string }[] };
    if (peers.filter((p) => p.state === "active").length === hops.length) break;
    if (i > 300) throw new Error(`${a.name} did not peer`);
    await sleep(100);
  }
}

const loadAtStart = loadavg()[0]!;
const samples = { off: { wall: [] as number[], cpu: [] as number[] }, cover: { wall: [] as number[], cpu: [] as number[] } };
const timed = async (a: typeof quiet) => {
  const cpu = process.cpuUsage();
  const t = performance.now();
  const report = (await a.admin("POST", "/tick")) as { cover: unknown };
  const used = process.cpuUsage(cpu);
  return { wall: performance.now() - t, cpu: (used.user + used.system) / 1000, cover: report.cover };
};
await timed(quiet);
await timed(covering);
for (let r = 0; r < ROUNDS; r++) {
  for (const [key, a] of r % 2 === 0 ? ([["off", quiet], ["cover", covering]] as const) : ([["cover", covering], ["off", quiet]] as const)) {
    const t = await timed(a);
    if (key === "cover" && JSON.stringify(t.cover) !== JSON.stringify({ sent: PER_TICK, answered: PER_TICK, lost: 0 })) throw new Error(`cover tick: ${JSON.stringify(t.cover)}`);
    samples[key].wall.push(t.wall);
    samples[key].cpu.push(t.cpu);
  }
}
const [wallOff, wallCover, cpuOff, cpuCover] = [median(samples.off.wall), median(samples.cover.wall), median(samples.off.cpu), median(samples.cover.cpu)];
print(`${new Date().toISOString()}; ${machine()}; load average ${loadAtStart.toFixed(2)} at start, ${loadavg()[0]!.toFixed(2)} at the end.`);
print(`${ROUNDS} ticks each, medians; ${PER_TICK} cover packets a tick (ONION_COVER_PER_MINUTE=${PER_TICK}, TICK_SECONDS=${TICK_SECONDS}), 16 KiB bucket.\n`);
print(
  table(
    ["tick", "wall ms", "CPU ms (sender + hops)"],
    [
      ["no cover", fmt(wallOff), fmt(cpuOff)],
      [`${PER_TICK} cover packets`, fmt(wallCover), fmt(cpuCover)],
      ["per cover packet (difference / packets)", fmt((wallCover - wallOff) / PER_TICK), fmt((cpuCover - cpuOff) / PER_TICK)],
    ],
  ),
);
for (const n of [...hops, quiet, covering]) n.server.close();
for (const d of dirs) rmSync(d, { recursive: true, force: true });
process.exit(0);
