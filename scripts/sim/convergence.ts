// How fast a new entry reaches every live node, and what gossip costs when nothing changes.
// N nodes on a random 6-regular graph, 10% of them down, 5% of requests lost.
import type { SimNode } from "./federation.ts";
import { SimFederation } from "./federation.ts";
import { randomRegularGraph, reachable } from "./graph.ts";
import { seeded } from "../../test/support/random.ts";

/** Anti-entropy alone (ticks), pushes alone (no ticks), or both as a node runs them. */
export type Scenario = "push-pull" | "push" | "push + push-pull";

export interface ConvergenceOptions {
  n: number;
  trials: number;
  seed: number;
  sign: boolean;
  /** Entries every node already holds, with cursors set up, before the trials. */
  background: number;
  maxRounds: number;
  steadyRounds: number;
  /** Share of nodes down, and of requests lost. */
  down: number;
  loss: number;
  fanout?: number;
}

export interface Trial {
  /** Rounds until each share of the live nodes reachable from the origin held the entry (undefined: never). */
  rounds: Record<"50" | "99" | "99.9" | "100", number | undefined>;
  /** Share holding it when the run stopped: all of them, the round limit, or (pushes alone) 3 rounds without progress. */
  coverage: number;
  /** Bytes the network carried from the share until the run stopped. */
  bytes: number;
}

export interface ConvergenceResult {
  n: number;
  live: number;
  scenario: Scenario;
  trials: Trial[];
  /**
   * Push + push-pull only. Steady state: bytes and requests per round with no changes. Per change:
   * everything one more share costs above that, until every link has carried it.
   */
  steady?: { bytesPerRound: number; exchangesPerRound: number; reconcilesPerRound: number; bytesPerChange: number };
  seconds: number;
}

const THRESHOLDS = ["50", "99", "99.9", "100"] as const;
/** Enough rounds for every live node to have ticked with each of its 6 neighbours. */
const DRAIN_ROUNDS = 60;

async function seedBackground(sim: SimFederation, count: number, random: () => number): Promise<void> {
  const live = sim.live();
  const entries = [];
  for (let i = 0; i < count; i++) {
    const origin = live[Math.floor(random() * live.length)]!;
    entries.push(...(await origin.registry.share(tool(`bg${i}`))));
  }
  for (const n of live) await n.store.put(entries, null);
  // Every live link starts with cursors, as after the first contacts.
  for (const n of live) {
    for (const j of sim.setup.adjacency[n.index]!) {
      if (!sim.setup.down.has(j)) await n.gossip.sync(sim.nodes[j]!.id, "repair").catch(() => undefined);
    }
  }
  await sim.settle();
}

function tool(name: string) {
  return {
    key: `sim/${name}`,
    version: "1.0.0",
    tool: { name, description: `The ${name} tool of the simulation.`, inputSchema: { type: "object" as const, properties: { q: { type: "string" } } } },
    tags: ["sim"],
    pricing: null,
    visibility: "public" as const,
  };
}

export async function runConvergence(o: ConvergenceOptions, scenario: Scenario): Promise<ConvergenceResult> {
  const started = performance.now();
  const random = seeded(o.seed);
  const adjacency = randomRegularGraph(o.n, 6, random);
  const down = new Set<number>();
  while (down.size < Math.round(o.n * o.down)) down.add(Math.floor(random() * o.n));
  const options = o.fanout === undefined ? {} : { fanout: o.fanout };
  const sim = await SimFederation.create({ adjacency, down, loss: o.loss, sign: o.sign, random, options });
  await seedBackground(sim, o.background, random);
  const ticks = scenario !== "push";
  sim.pushes = scenario !== "push-pull";
  const trials: Trial[] = [];
  for (let t = 0; t < o.trials; t++) {
    const live = sim.live();
    const origin = live[Math.floor(random() * live.length)]!;
    const audience = [...reachable(adjacency, origin.index, (v) => !down.has(v))].map((i) => sim.nodes[i]!);
    sim.network.resetTraffic();
    const [entry] = await origin.registry.share(tool(`new${t}`));
    origin.gossip.changed();
    const rounds: Trial["rounds"] = { "50": undefined, "99": undefined, "99.9": undefined, "100": undefined };
    const history: number[] = [];
    for (let r = 1; r <= o.maxRounds && rounds["100"] === undefined; r++) {
      await sim.round(ticks);
      const holding = await count(audience, entry!.id);
      history.push(holding);
      for (const th of THRESHOLDS) if (rounds[th] === undefined && holding / audience.length >= Number(th) / 100) rounds[th] = r;
      // Pushes alone stop spreading once no node has anything new to forward.
      if (!ticks && history.length > 3 && history.at(-1) === history.at(-4)) break;
    }
    const traffic = sim.network.traffic;
    trials.push({ rounds, coverage: history.at(-1)! / audience.length, bytes: traffic.exchange.bytes + traffic.reconcile.bytes });
    // Let the trial's last pushes drain, so they do not count towards the next trial.
    await sim.round(ticks);
  }
  let steady: ConvergenceResult["steady"];
  if (scenario === "push + push-pull") {
    // Cursors still lag on links that have not carried the trials' entries yet: a delta cannot
    // know that the peer got them from someone else. Let that drain before measuring.
    for (let r = 0; r < DRAIN_ROUNDS; r++) await sim.round(true);
    const traffic = () => sim.network.traffic.exchange.bytes + sim.network.traffic.reconcile.bytes;
    sim.network.resetTraffic();
    for (let r = 0; r < o.steadyRounds; r++) await sim.round(true);
    const t = sim.network.traffic;
    const bytesPerRound = traffic() / o.steadyRounds;
    const exchangesPerRound = t.exchange.requests / o.steadyRounds;
    const reconcilesPerRound = t.reconcile.requests / o.steadyRounds;
    sim.network.resetTraffic();
    const origin = sim.live()[Math.floor(random() * sim.live().length)]!;
    await origin.registry.share(tool("one-more"));
    origin.gossip.changed();
    for (let r = 0; r < DRAIN_ROUNDS; r++) await sim.round(true);
    steady = { bytesPerRound, exchangesPerRound, reconcilesPerRound, bytesPerChange: traffic() - DRAIN_ROUNDS * bytesPerRound };
  }
  return { n: o.n, live: sim.live().length, scenario, trials, ...(steady ? { steady } : {}), seconds: (performance.now() - started) / 1000 };
}

async function count(nodes: SimNode[], id: string): Promise<number> {
  let n = 0;
  for (const node of nodes) if ((await node.store.has([id])).size > 0) n++;
  return n;
}
