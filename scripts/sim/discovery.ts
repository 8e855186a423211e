// `npm run sim:discovery`: the structured index (docs/discovery.md) at N = 10^3, 10^4, 10^5 and a
// sampled 10^6, printed as markdown for docs/benchmarks.md. The lookup is the nodes' own
// (src/node/discovery/lookup.ts: the k closest under XOR named from the directory up to 10^5, or
// rendezvous with SIM_PLACEMENT=rendezvous; the Kademlia-style iterative lookup
// beyond), over an in-memory transport; records are signed once with the composite signature,
// and a compact directory entry (protocol §20.7) with its Ed25519 half, to size them, and in the runs a record "verifies" when it is the one its origin published (the
// sim's nodes hide or drop records, they do not forge them: the signature check that stops
// forgeries has its own vectors and tests).
//
// Model: records are placed at the key's k responsible nodes when published and, in the "per
// tick" rows, also at the key's current owners as of the origin's last tick (the node's publisher,
// src/node/discovery/publisher.ts; beyond 10^5 the owners are the k closest that answered the
// origin's own iterative lookup); lookups happen at an age uniform in [0, TTL/2) after the last
// signing (the origin re-signs at TTL/2), while 10% of nodes per hour leave
// and as many join (joiners hold nothing until the next republish; a leaver's records are gone;
// leavers of the last 10 minutes are still in directories and routing tables). 5% of nodes do
// not answer at any moment; M% are malicious and either hide records or drop requests. Each
// request costs a latency uniform in 30–80 ms, or the per-request deadline when it fails; a round
// of parallel requests lasts as long as its slowest. Beyond 10^5 each node answers `closer` from
// its routing table, drawn by the node's rule (scripts/sim/sampled-table.ts), the same on every visit.
//
// Knobs (environment): SIM_NODES ("1000,10000,100000,1000000"), SIM_LOOKUPS (per N),
// SIM_BUCKET (Kademlia bucket size, 1024), SIM_PLACEMENT ("xor", or "rendezvous" for the placement
// of nodes without index-xor), SIM_SEED, SIM_ROWS (which scenario rows to run, by
// their place in the table from 0: "2" alone for a long run of one row); SIM_OUTCOMES=<file> appends each lookup's outcome
// as a line of JSON (to compare two versions of the simulator on one seed); SIM_DEBUG=1 prints each miss (where the
// holders rank among the live nodes closest to the key, which were asked) on stderr.
import { appendFileSync } from "node:fs";
import { loadavg } from "node:os";
import { signIndexRecord } from "../../src/protocol/discovery/record.ts";
import { DIRECTORY_KEY } from "../../src/protocol/registry/directory-entries.ts";
import { hlcAt } from "../../src/protocol/registry/hlc.ts";
import { signDirectoryEntry } from "../../src/protocol/registry/signing.ts";
import { toBase64url } from "../../src/protocol/encoding/bytes.ts";
import { canonicalJson } from "../../src/protocol/encoding/canonical-json.ts";
import { signingKeyFromSeed } from "../../src/protocol/identity/keys.ts";
import { noble } from "../../src/protocol/identity/primitives.ts";
import { closerTo, NodePositions, positionOf, rendezvousOwners } from "../../src/protocol/discovery/placement.ts";
import { DEFAULT_LOOKUP, lookupIndex, type IndexNode, type IndexTransport, type KnownNodes, type Structure } from "../../src/node/discovery/lookup.ts";
import { MAX_CLOSER_NODES } from "../../src/protocol/discovery/messages.ts";
import { seeded } from "../../test/support/random.ts";
import { machine, percentile } from "../bench/lib.ts";
import { SampledTables, sortNodes } from "./sampled-table.ts";

const env = process.env;
const NODES = (env.SIM_NODES ?? "1000,10000,100000,1000000").split(",").map(Number);
const BUCKET = Number(env.SIM_BUCKET ?? 1024);
const SEED = Number(env.SIM_SEED ?? 1);
const RENDEZVOUS_MAX = 100_000;
/** The direct structure's placement up to RENDEZVOUS_MAX: "xor" (the node's with index-xor on) or "rendezvous" (before it). */
const DIRECT: Structure = env.SIM_PLACEMENT === "rendezvous" ? "rendezvous" : "xor";
const CHURN_PER_HOUR = 0.1;
const UNREACHABLE = 0.05;
const LISTED_AFTER_LEAVING_H = 1 / 6;
const TTL_H = 6;
/** The node's tick (TICK_SECONDS' default): how stale the last per-tick delivery can be. */
const TICK_H = 1 / 60;
const DEADLINE_MS = 250;
const KEYS_PER_NODE = 50;
const ROWS = env.SIM_ROWS?.split(",").map(Number);
const lookupsFor = (n: number) => Number(env.SIM_LOOKUPS ?? (n >= 1_000_000 ? 200 : n >= 100_000 ? 100 : n >= 10_000 ? 500 : 1000));

// Sizes of what travels, from real signatures.
const key = await signingKeyFromSeed(noble, new Uint8Array(32).fill(7));
const signer = { nodeId: key.nodeId, sign: (m: Uint8Array, c: string) => key.signer.sign(m, c) };
const sampleTool = { key: "weather/forecast", name: "forecast", description: "Forecasts the weather for a place and day.", fingerprint: `sha256:${"ab".repeat(32)}` };
const sampleRecord = await signIndexRecord({ v: 1, origin: key.nodeId, key: "kw:forecast", url: "https://weather.example.org", seq: 1, exp: 2, tools: [sampleTool] }, signer);
const RECORD_BYTES = new TextEncoder().encode(canonicalJson(sampleRecord)).length;
// The compact directory entry (protocol §20.7) as a node signs and gossips it, canonical form.
const sampleDirectory = await signDirectoryEntry(
  {
    origin: key.nodeId,
    kind: "directory",
    key: DIRECTORY_KEY,
    visibility: "public",
    tombstone: false,
    hlc: hlcAt(Date.now()),
    body: { v: 1, url: "https://weather.example.org", keys: `sha256:${"ab".repeat(32)}`, ed25519: toBase64url(key.signer.publicKey.subarray(-32)), exp: 2_000_000_000 },
  },
  { nodeId: key.nodeId, sign: (m, c) => key.signer.sign(m, c), signEd25519: (m, c) => key.signer.signEd25519(m, c) },
);
const DIRECTORY_ENTRY_BYTES = new TextEncoder().encode(sampleDirectory.canonical).length;
/** What a routing-table entry needs: id, URL, position (not a signed entry: learned from lookups). */
const TABLE_ENTRY_BYTES = 160;
/** Envelope and answer overhead per request (X-Wing encapsulation, headers, seal). */
const REQUEST_OVERHEAD = 1_300;

interface Outcome {
  ok: boolean;
  rounds: number;
  messages: number;
  /** Until every request of the lookup settled. */
  ms: number;
  /** Until the first verified record arrived (Infinity when none did). */
  firstMs: number;
  /** For a miss: "gone" when no holder was there to answer (left, unreachable or malicious), "not reached" when one was and the lookup never asked it. */
  miss?: "gone" | "not reached";
  /** Iterative structure: the entries of the asker's table, to size the state by. */
  tableEntries?: number;
}

interface Scenario {
  malicious: number;
  behaviour: "hide" | "drop";
  replicas: number;
  /**
   * "publish": the record sits where its origin placed it when it last signed it (up to TTL/2 ago),
   * as before the node sent records to each key's current owners. "tick": also at the key's owners
   * as of the origin's last tick (up to a minute ago): placed over the directory then, or the k
   * closest that answered the origin's own iterative lookup for the key (the sampled tables hold
   * only a few of a key's neighbours), as the node's publisher does on every tick.
   */
  placement: "publish" | "tick";
}

/** One network of N nodes: ids and their positions, sorted for range queries (Kademlia tables). */
class Network {
  readonly ids: string[];
  readonly pos: Uint8Array[];
  /** First 48 bits of each position, and the node indices sorted by them. */
  readonly hi: Float64Array;
  readonly sorted: Int32Array;
  /** When each original left, in hours before the lookup (-1: still here): refilled per lookup. */
  readonly leftAt: Float64Array;
  /** The iterative structure's routing tables, by the node's rule. */
  readonly tables: SampledTables;

  constructor(
    readonly n: number,
    random: () => number,
  ) {
    // The originals, then as many possible joiners (10%/h over up to 3 h).
    const total = Math.ceil(n * 1.3);
    this.ids = Array.from({ length: total }, (_, i) => `n${i.toString(36)}-${Math.floor(random() * 2 ** 48).toString(36)}`);
    this.pos = this.ids.map((id) => positionOf(id));
    ({ hi: this.hi, sorted: this.sorted } = sortNodes(this.pos));
    this.leftAt = new Float64Array(n);
    this.tables = new SampledTables(this, BUCKET, SEED + n);
  }

  #placed: NodePositions<IndexNode> | undefined;

  /** Every node, originals and joiners, by position: the directory structure the nodes build, filtered per moment. */
  placed(ids: Map<string, number>): NodePositions<IndexNode> {
    this.#placed ??= new NodePositions(
      this.ids.map((id) => ({ id, url: `https://${id}.example` })),
      (id) => this.pos[ids.get(id)!]!,
    );
    return this.#placed;
  }
}

/** Who is where at one lookup: leavers, joiners, the unreachable and the malicious. */
interface Moment {
  net: Network;
  /** Index < n: an original; ≥ n: a joiner. */
  present: (i: number) => boolean;
  /** Left lately: still listed, never answers. */
  listed: (i: number) => boolean;
  unreachable: (i: number) => boolean;
  malicious: (i: number) => boolean;
  /** The same network `hours` earlier: fewer joiners, the leavers of the last `hours` still there. */
  earlier: (hours: number) => Moment;
}

function momentOf(net: Network, random: () => number, ageH: number, maliciousShare: number): Moment {
  const churned = CHURN_PER_HOUR * ageH;
  // Which originals left, and how long ago (uniform over the age); an array, not a Map of up to
  // 3 × 10^5 entries per lookup at 10^6, with the same draws.
  const left = net.leftAt.fill(-1);
  const leaving = Math.round(net.n * churned);
  for (let count = 0; count < leaving; ) {
    const i = Math.floor(random() * net.n);
    if (left[i]! < 0) count++;
    left[i] = random() * ageH;
  }
  const unreachable = new Set<number>();
  const malicious = new Set<number>();
  const rolls = new Map<number, number>();
  const roll = (i: number) => {
    let r = rolls.get(i);
    if (r === undefined) rolls.set(i, (r = random()));
    return r;
  };
  const at = (back: number): Moment => {
    const joinedThen = Math.round(net.n * CHURN_PER_HOUR * (ageH - back));
    const gone = (i: number, after: number) => left[i]! >= after;
    return {
      net,
      present: (i) => (i < net.n ? !gone(i, back) : i < net.n + joinedThen),
      listed: (i) => (i < net.n ? !gone(i, back + LISTED_AFTER_LEAVING_H) : i < net.n + joinedThen),
      unreachable: (i) => unreachable.has(i) || (roll(i) < UNREACHABLE && (unreachable.add(i), true)),
      malicious: (i) => malicious.has(i) || (roll(i) >= 1 - maliciousShare && (malicious.add(i), true)),
      earlier: (hours) => at(back + hours),
    };
  };
  return at(0);
}

const cpl = (a: Uint8Array, b: Uint8Array) => {
  for (let i = 0; i < 32; i++) if (a[i] !== b[i]) return i * 8 + Math.clz32(a[i]! ^ b[i]!) - 24;
  return 256;
};
const index = (net: Network) => new Map(net.ids.map((id, i) => [id, i]));

/** The k nodes closest to `target` among those `keep` accepts: a window of the sorted order, then XOR. */
function closestIndices(net: Network, target: Uint8Array, k: number, keep: (i: number) => boolean, window = 96): number[] {
  const t = target[0]! * 2 ** 40 + target[1]! * 2 ** 32 + target[2]! * 2 ** 24 + target[3]! * 2 ** 16 + target[4]! * 2 ** 8 + target[5]!;
  let lo = 0;
  let hi = net.sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (net.hi[net.sorted[mid]!]! < t) lo = mid + 1;
    else hi = mid;
  }
  const out: number[] = [];
  for (let j = Math.max(0, lo - window); j < Math.min(net.sorted.length, lo + window); j++) if (keep(net.sorted[j]!)) out.push(net.sorted[j]!);
  return out.sort((a, b) => closerTo(target, net.pos[a]!, net.pos[b]!)).slice(0, k);
}

async function runOne(net: Network, ids: Map<string, number>, random: () => number, s: Scenario, structure: Structure): Promise<Outcome> {
  const ageH = random() * (TTL_H / 2);
  const m = momentOf(net, random, ageH, s.malicious);
  let asker = Math.floor(random() * net.n);
  while (!m.present(asker) || m.malicious(asker)) asker = Math.floor(random() * net.n);
  let origin = Math.floor(random() * net.n);
  while (!m.present(origin)) origin = Math.floor(random() * net.n);
  const key = `kw:k${Math.floor(random() * 2 ** 40).toString(36)}`;
  // Placed when published, at the responsible nodes of the originals then (all present); the
  // origin answers its own records too.
  const holders = new Set<number>(
    structure === "rendezvous"
      ? rendezvousOwners(key, net.ids.slice(0, net.n), s.replicas).map((id) => ids.get(id)!)
      : structure === "xor"
        ? net.placed(ids).closest(positionOf(key), s.replicas, (x) => ids.get(x.id)! < net.n).map((x) => ids.get(x.id)!)
        : closestIndices(net, positionOf(key), s.replicas, (i) => i < net.n),
  );
  holders.add(origin);
  const record = { origin: net.ids[origin]!, key, seq: 1 };
  const node = (i: number): IndexNode => ({ id: net.ids[i]!, url: `https://${net.ids[i]}.example` });
  const transportAt = (view: Moment): IndexTransport => ({
    async lookup(to, request) {
      const i = ids.get(to.id)!;
      if (!view.present(i) || view.unreachable(i)) throw new Error("unreachable");
      const bad = view.malicious(i);
      if (bad && s.behaviour === "drop") throw new Error("dropped");
      const records = !bad && holders.has(i) ? [record] : [];
      if (!request.closer) return { type: "index-lookup", records };
      // The node answers from its own table, and counts itself among the closest it knows.
      const closer = net.tables.closest(i, positionOf(request.keys[0]!), MAX_CLOSER_NODES, view.listed, true).map(node);
      return { type: "index-lookup", records, closer };
    },
  });
  const listedAt = (view: Moment): IndexNode[] => {
    const out: IndexNode[] = [];
    for (let i = 0; i < net.ids.length; i++) if (view.listed(i)) out.push(node(i));
    return out;
  };
  const knownAt = (view: Moment, self: number) => async (): Promise<KnownNodes> => {
    if (structure === "rendezvous") {
      const listed = listedAt(view);
      return { all: () => listed, closest: (t, n) => new NodePositions(listed, (id) => net.pos[ids.get(id)!]!).closest(t, n) };
    }
    // The whole directory at this moment: every node built once, those listed now kept.
    if (structure === "xor") return { closest: (t, n) => net.placed(ids).closest(t, n, (x) => view.listed(ids.get(x.id)!)), all: () => listedAt(view) };
    return { closest: (t, n) => net.tables.closest(self, t, n, view.listed, false).map(node), all: () => net.tables.entries(self, view.listed).map(node) };
  };
  const options = { ...DEFAULT_LOOKUP, structure, replicas: s.replicas, deadlineMs: DEADLINE_MS, maxRounds: 12 };
  if (s.placement === "tick") {
    // The origin's last tick, up to a minute ago: what it sent then, to whoever answered.
    const then = m.earlier(random() * TICK_H);
    if (structure !== "kademlia") {
      const directory = await knownAt(then, origin)();
      const owners = structure === "rendezvous" ? rendezvousOwners(key, directory.all().map((x) => x.id), s.replicas) : directory.closest(positionOf(key), s.replicas).map((x) => x.id);
      for (const id of owners) {
        const i = ids.get(id)!;
        if (then.present(i) && !then.unreachable(i) && !(then.malicious(i) && s.behaviour === "drop")) holders.add(i);
      }
    } else {
      const found = await lookupIndex({ self: net.ids[origin]!, known: knownAt(then, origin), transport: transportAt(then), verify: async () => undefined }, [key], options);
      for (const n of found.closest.get(key) ?? []) holders.add(ids.get(n.id)!);
    }
  }
  const report = await lookupIndex({ self: net.ids[asker]!, known: knownAt(m, asker), transport: transportAt(m), verify: async (raw) => raw as never }, [key], options);
  // Each round as long as its slowest request; a failed one costs the deadline. The first record
  // is in hand when the fastest answer that carried one arrives.
  const timed = report.trace.map((t) => ({ ...t, ms: t.ok ? 30 + random() * 50 : DEADLINE_MS }));
  const rounds = new Map<number, number>();
  for (const t of timed) rounds.set(t.round, Math.max(rounds.get(t.round) ?? 0, t.ms));
  const ok = (report.records.get(key) ?? []).some((r) => r.origin === record.origin);
  const firstRound = Math.min(...timed.filter((t) => t.verified > 0).map((t) => t.round));
  const before = [...rounds].filter(([r]) => r < firstRound).reduce((a, [, ms]) => a + ms, 0);
  const first = ok ? before + Math.min(...timed.filter((t) => t.round === firstRound && t.verified > 0).map((t) => t.ms)) : Infinity;
  const asked = new Set(report.trace.map((t) => ids.get(t.node)!));
  const answering = [...holders].filter((i) => m.present(i) && !m.unreachable(i) && !m.malicious(i));
  const miss = ok ? undefined : answering.some((i) => !asked.has(i)) ? "not reached" : "gone";
  if (miss && env.SIM_DEBUG) {
    const t = positionOf(key);
    const truth = closestIndices(net, t, s.replicas * 2, (i) => m.listed(i) && m.present(i) && !m.unreachable(i));
    console.error(JSON.stringify({ miss, ageH: +ageH.toFixed(2), holders: [...holders].map((i) => ({ i, rank: truth.indexOf(i), present: m.present(i), unreachable: m.unreachable(i), asked: asked.has(i) })), asked: [...asked].map((i) => truth.indexOf(i)), cplAsked: report.trace.map((x) => cpl(t, net.pos[ids.get(x.node)!]!)), cplHolders: [...holders].map((i) => cpl(t, net.pos[i]!)), tableCpl: Math.max(...net.tables.entries(asker, m.listed).map((j) => cpl(t, net.pos[j]!))), rounds: report.rounds }));
  }
  const tableEntries = structure === "kademlia" ? net.tables.entries(asker, m.listed).length : undefined;
  return { miss, ok, rounds: report.rounds, messages: report.messages, ms: [...rounds.values()].reduce((a, b) => a + b, 0), firstMs: first, tableEntries };
}

/**
 * State and maintenance per node, from the model's sizes: the directory (compact entries, direct
 * structure), the routing table (iterative: the askers' tables, counted), and the index records a
 * node holds as one of k owners. `built` adds what the node as built still holds beyond 10^5: every
 * compact entry it is gossiped (the partial sync that would drop them is not built).
 */
function costs(n: number, structure: Structure, replicas: number, tableEntries: number) {
  const held = KEYS_PER_NODE * replicas * RECORD_BYTES;
  const republishPerHour = (KEYS_PER_NODE * replicas * (RECORD_BYTES + REQUEST_OVERHEAD / 8)) / (TTL_H / 2);
  // Each node hears every directory entry that changes: joiners' entries, and leavers' entries
  // lapsing (counted as one more entry each).
  const directoryPerHour = 2 * CHURN_PER_HOUR * n * DIRECTORY_ENTRY_BYTES;
  if (structure !== "kademlia") return { directory: n * DIRECTORY_ENTRY_BYTES, table: 0, held, maintenance: directoryPerHour + 2 * republishPerHour };
  // Each bucket refreshed hourly by one lookup of ~3 rounds × α requests, answers of 20 nodes.
  const refresh = Math.log2(n / BUCKET) * 9 * (REQUEST_OVERHEAD + MAX_CLOSER_NODES * TABLE_ENTRY_BYTES);
  return { directory: 0, table: tableEntries * TABLE_ENTRY_BYTES, held, maintenance: refresh + 2 * republishPerHour, built: { directory: n * DIRECTORY_ENTRY_BYTES, maintenance: directoryPerHour } };
}

/**
 * The one-sided 95% upper bound on a miss rate after `misses` in `n` lookups (Clopper-Pearson):
 * the rate p at which seeing at most `misses` has probability 5%, found by bisection.
 */
function missRateUpperBound(misses: number, n: number): number {
  const atMost = (p: number) => {
    // Binomial CDF in logs, so that n = 10^5 neither under- nor overflows.
    let term = n * Math.log1p(-p);
    let sum = Math.exp(term);
    for (let i = 1; i <= misses; i++) {
      term += Math.log((n - i + 1) / i) + Math.log(p) - Math.log1p(-p);
      sum += Math.exp(term);
    }
    return sum;
  };
  let lo = misses / n;
  let hi = 1;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (atMost(mid) > 0.05) lo = mid;
    else hi = mid;
  }
  return hi;
}

const fmt = (x: number, d = 1) => x.toFixed(d);
const mib = (b: number) => fmt(b / 2 ** 20, 2);

console.log(`## Discovery index simulation (\`npm run sim:discovery\`)\n`);
console.log(`${machine()}; load average ${loadavg()[0]!.toFixed(1)} at start; seed ${SEED}; record ${RECORD_BYTES} B (composite signature); directory entry ${DIRECTORY_ENTRY_BYTES} B (Ed25519); deadline ${DEADLINE_MS} ms; Kademlia bucket ${BUCKET}.\n`);
console.log("| N | structure | placement | malicious | k | lookups | success | miss rate, 95% upper bound | misses: holders gone / not reached | rounds p50 / p99 / max (goal) | messages p50 / p99 | time to first record p50 / p99 (ms) | time to completion p50 / p99 (ms) | state per node, MiB: directory + table + records | maintenance per node (MiB/h) |");
console.log("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
for (const n of NODES) {
  const random = seeded(SEED + n);
  const started = Date.now();
  const net = new Network(n, random);
  const ids = index(net);
  const structure: Structure = n <= RENDEZVOUS_MAX ? DIRECT : "kademlia";
  const scenarios: Scenario[] = [
    { malicious: 0, behaviour: "hide", replicas: 5, placement: "publish" },
    { malicious: 0, behaviour: "hide", replicas: 3, placement: "tick" },
    { malicious: 0, behaviour: "hide", replicas: 5, placement: "tick" },
    { malicious: 0.1, behaviour: "hide", replicas: 5, placement: "tick" },
    { malicious: 0.1, behaviour: "drop", replicas: 5, placement: "tick" },
  ];
  for (const [row, s] of scenarios.entries()) {
    if (ROWS && !ROWS.includes(row)) continue;
    const outcomes: Outcome[] = [];
    const lookups = lookupsFor(n);
    const cpu = process.cpuUsage();
    for (let i = 0; i < lookups; i++) outcomes.push(await runOne(net, ids, random, s, structure));
    const { user, system } = process.cpuUsage(cpu);
    console.error(`N=${n} row ${row}: ${((user + system) / 1000 / lookups).toFixed(1)} ms of CPU per lookup`);
    if (env.SIM_OUTCOMES) appendFileSync(env.SIM_OUTCOMES, outcomes.map((o, i) => `${JSON.stringify({ n, row, i, ...o })}\n`).join(""));
    const success = outcomes.filter((o) => o.ok).length / outcomes.length;
    const sortedMs = outcomes.map((o) => o.ms).sort((a, b) => a - b);
    const firstMs = outcomes.filter((o) => o.ok).map((o) => o.firstMs).sort((a, b) => a - b);
    const rounds = outcomes.map((o) => o.rounds).sort((a, b) => a - b);
    const messages = outcomes.map((o) => o.messages).sort((a, b) => a - b);
    const tables = outcomes.filter((o) => o.tableEntries !== undefined);
    const c = costs(n, structure, s.replicas, tables.reduce((a, o) => a + o.tableEntries!, 0) / Math.max(1, tables.length));
    const state = c.directory + c.table + c.held;
    // Direct: ≤ 2 round trips; iterative with buckets of 2^b: log₂(N)/b + 1.
    const goal = structure === "kademlia" ? `≤ ${fmt(Math.log2(n) / Math.log2(BUCKET) + 1)}` : "≤ 2";
    console.log(
      `| ${n.toLocaleString("en")} | ${structure} | ${s.placement === "tick" ? "per tick" : "at publish"} | ${s.malicious ? `${s.malicious * 100}% ${s.behaviour}` : "none"} | ${s.replicas} | ${lookups} | ${fmt(success * 100, 3)}% | ${fmt(missRateUpperBound(outcomes.filter((o) => !o.ok).length, lookups) * 100, 3)}% | ${outcomes.filter((o) => o.miss === "gone").length} / ${outcomes.filter((o) => o.miss === "not reached").length} | ${percentile(rounds, 50)} / ${percentile(rounds, 99)} / ${rounds.at(-1)} (${goal}) | ${percentile(messages, 50)} / ${percentile(messages, 99)} | ${fmt(percentile(firstMs, 50), 0)} / ${fmt(percentile(firstMs, 99), 0)} | ${fmt(percentile(sortedMs, 50), 0)} / ${fmt(percentile(sortedMs, 99), 0)} | ${mib(c.directory)} + ${mib(c.table)} + ${mib(c.held)} = ${mib(state)}${c.built ? ` (as built: ${mib(state + c.built.directory)})` : ""} | ${mib(c.maintenance)}${c.built ? ` (as built: ${mib(c.maintenance + c.built.maintenance)})` : ""} |`,
    );
  }
  console.error(`N=${n}: ${((Date.now() - started) / 1000).toFixed(0)} s`);
}
