// Where a strong write's time goes (protocol §17.8): three nodes in this one process (so one V8
// CPU profile holds the forwarding replica, the home and the acknowledging replica), a strong
// namespace on all three, writes from A to a key whose home is B, through the admin API. After
// warm-up, the profile covers only the measured writes; it is summarized by package (self time)
// and by the composite signature's sign and verify (inclusive time).
//
//   npx tsx scripts/bench/blackboard-strong-profile.ts      (PROFILE_WRITES=60)
import { Session } from "node:inspector/promises";
import { homeOf } from "../../src/protocol/blackboard/home.ts";
import { inProcessNode, peerPair, stopAll } from "../../test/support/in-process-node.ts";
import { json } from "../../test/support/processes.ts";
import { bucketOf, type CpuProfile } from "./profile.ts";
import { intEnv, percentile } from "./lib.ts";

const WRITES = intEnv("PROFILE_WRITES", 60);
const TOKEN = "strong-profile-admin-token-0123";
const nodes = [await inProcessNode("alpha", TOKEN), await inProcessNode("bravo", TOKEN), await inProcessNode("charlie", TOKEN)];
const [a, b, c] = nodes as [(typeof nodes)[0], (typeof nodes)[0], (typeof nodes)[0]];
await peerPair(a, b);
await json(await a.admin("POST", "/peers", { url: `http://127.0.0.1:${c.port}` }));
await json(await b.admin("POST", "/peers", { url: `http://127.0.0.1:${c.port}` }));
const described = await json<{ descriptor: { namespace: string; replicas: string[] }; missed: string[] }>(await a.admin("POST", "/blackboard/strong/namespaces", { name: "kv", replicas: [b.id, c.id] }));
const ns = described.descriptor.namespace;
const key = Array.from({ length: 64 }, (_, i) => `k${i}`).find((k) => homeOf(ns, k, described.descriptor.replicas) === b.id)!;
const write = async (value: number) => {
  const r = await a.admin("POST", "/blackboard/keys/put", { namespace: ns, key, op: { type: "register", op: "set", value } });
  if (!r.ok) throw new Error(`write refused: ${r.status} ${await r.text()}`);
};
for (let i = 0; i < 10; i++) await write(-i);

const session = new Session();
session.connect();
await session.post("Profiler.enable");
await session.post("Profiler.setSamplingInterval", { interval: 200 });
await session.post("Profiler.start");
const times: number[] = [];
for (let i = 0; i < WRITES; i++) {
  const t = performance.now();
  await write(i);
  times.push(performance.now() - t);
}
const { profile } = (await session.post("Profiler.stop")) as { profile: CpuProfile };
await stopAll(nodes);

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const ch of n.children ?? []) parent.set(ch, n.id);
const self = new Map<string, number>();
const inclusive = new Map<string, number>([["composite sign", 0], ["composite verify", 0]]);
let total = 0;
for (let i = 0; i < profile.samples.length; i++) {
  const dt = profile.timeDeltas[i] ?? 0;
  total += dt;
  let bucket: string | undefined;
  const hit = new Set<string>();
  for (let id: number | undefined = profile.samples[i]!; id !== undefined; id = parent.get(id)) {
    const { functionName: fn, url } = byId.get(id)!.callFrame;
    bucket ??= bucketOf(url, fn);
    if (url.endsWith("src/protocol/identity/composite.ts") && (fn === "sign" || fn === "verify")) hit.add(`composite ${fn}`);
  }
  self.set(bucket ?? "(root)", (self.get(bucket ?? "(root)") ?? 0) + dt);
  for (const h of hit) inclusive.set(h, inclusive.get(h)! + dt);
}
times.sort((x, y) => x - y);
const ms = (us: number) => (us / 1000 / WRITES).toFixed(1);
console.log(`${WRITES} forwarded strong writes: p50 ${percentile(times, 50).toFixed(1)} ms, p99 ${percentile(times, 99).toFixed(1)} ms; CPU sampled ${ms(total)} ms per write (three nodes)`);
console.log("inclusive, per write:");
for (const [k, v] of inclusive) console.log(`  ${k.padEnd(40)} ${ms(v).padStart(7)} ms  ${((100 * v) / total).toFixed(1)}%`);
console.log("self time by package, per write:");
for (const [k, v] of [...self].sort((x, y) => y[1] - x[1]).slice(0, 12)) console.log(`  ${k.padEnd(40)} ${ms(v).padStart(7)} ms  ${((100 * v) / total).toFixed(1)}%`);
process.exit(0);
