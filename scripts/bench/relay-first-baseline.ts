// The first call on a new channel, this tree against a baseline checkout, trial by trial: both
// relay rigs (relay.ts) run at once and each trial drops A's channels to B and times the first
// call and the call after it on one rig, then on the other (the order alternates), so a load that
// drifts over seconds hits both trees alike. Reported: per tree the medians of the first call, of
// the next, and of each trial's difference (what the handshake adds), and this tree's ratio.
//
//   RELAY_BASELINE_ROOT=<checkout> npm run bench:relay-first-baseline
//
// Knobs: RELAY_BASELINE_TRIALS (40), RELAY_BASELINE_WARMUP (30), RELAY_BASELINE_PATH (noble: Node
// 20; native: Node 24).
import { loadavg } from "node:os";
import { echo, fmt, intEnv, machine, median, table } from "./lib.ts";
import { RUNTIMES, startRelayRig, type RelayRig } from "./relay.ts";

const root = process.env.RELAY_BASELINE_ROOT;
if (!root) throw new Error("set RELAY_BASELINE_ROOT to the baseline checkout");
const trials = intEnv("RELAY_BASELINE_TRIALS", 40);
const warmup = intEnv("RELAY_BASELINE_WARMUP", 30);
const cryptoPath = (process.env.RELAY_BASELINE_PATH ?? "noble") as keyof typeof RUNTIMES;
if (!RUNTIMES[cryptoPath]) throw new Error(`RELAY_BASELINE_PATH is noble or native, not ${cryptoPath}`);

async function timedCall(rig: RelayRig, i: number): Promise<number> {
  const t0 = performance.now();
  await echo(rig.clients.channel, rig.names.channel, i);
  return performance.now() - t0;
}

/** One trial on `rig`: the call right after A dropped its channels to B, then the next one. */
async function trial(rig: RelayRig, i: number): Promise<{ first: number; next: number }> {
  const res = await rig.a.admin("DELETE", `/peers/${rig.b.nodeId}/channels`);
  if (!res.ok) throw new Error(`dropping A's channels to B: HTTP ${res.status}`);
  const first = await timedCall(rig, i);
  return { first, next: await timedCall(rig, i) };
}

const load0 = loadavg()[0]!;
const node = RUNTIMES[cryptoPath].node;
const rigs: Record<string, RelayRig> = {};
try {
  rigs.baseline = await startRelayRig(node, { root });
  rigs["this tree"] = await startRelayRig(node);
  const names = ["baseline", "this tree"];
  for (const name of names) for (let i = 0; i < warmup; i++) await echo(rigs[name]!.clients.channel, rigs[name]!.names.channel, i);
  const got: Record<string, { first: number; next: number }[]> = { baseline: [], "this tree": [] };
  for (let i = 0; i < trials; i++) {
    for (const name of i % 2 ? [...names].reverse() : names) got[name]!.push(await trial(rigs[name]!, i));
  }
  const figures = (name: string) => {
    const t = got[name]!;
    return { first: median(t.map((x) => x.first)), next: median(t.map((x) => x.next)), added: median(t.map((x) => x.first - x.next)) };
  };
  const base = figures("baseline");
  const mine = figures("this tree");
  console.log(`\n${machine()}; ${cryptoPath} path; ${trials} trials per tree, interleaved, after ${warmup} warm-up calls; load average ${fmt(load0)} at the start, ${fmt(loadavg()[0]!)} at the end.\n`);
  console.log(
    table(
      ["tree", "first call p50 ms", "next call p50 ms", "added (per trial) p50 ms"],
      [
        ["baseline", fmt(base.first), fmt(base.next), fmt(base.added)],
        ["this tree", fmt(mine.first), fmt(mine.next), fmt(mine.added)],
        ["this tree / baseline", fmt(mine.first / base.first), fmt(mine.next / base.next), fmt(mine.added / base.added)],
      ],
    ),
  );
} finally {
  await Promise.allSettled(Object.values(rigs).map((r) => r.stop()));
}
