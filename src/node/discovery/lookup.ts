// Asking the index (docs/protocol.md §20.3): the one lookup the node and the simulator
// (scripts/sim/discovery.ts) both run, over a transport that is the federation client on a node
// and an in-memory network in the simulator. Every record that comes back is verified against its
// origin's key before it counts, so a node that answers can hide records but never forge one;
// several nodes are asked for each key, in parallel, each under its own deadline.
import type { IndexRecord } from "../../protocol/discovery/record.ts";
import type { CloserNode, IndexLookupRequest, IndexLookupResult } from "../../protocol/discovery/messages.ts";
import { MAX_LOOKUP_KEYS } from "../../protocol/discovery/messages.ts";
import { closerTo, positionOf, rendezvousOwners, type NodePositions } from "../../protocol/discovery/placement.ts";

export type IndexNode = CloserNode;

export interface IndexTransport {
  /** One request to one node; rejects on a refusal, an unreachable node or the deadline. */
  lookup(node: IndexNode, request: IndexLookupRequest, deadlineMs: number): Promise<IndexLookupResult>;
}

/**
 * "xor": the k closest under XOR, named from the whole directory (0 routing hops); "rendezvous":
 * the same by highest random weight, for nodes without `index-xor` (§20.5); "kademlia": the
 * iterative lookup over a sampled table, beyond INDEX_RENDEZVOUS_MAX.
 */
export type Structure = "rendezvous" | "xor" | "kademlia";

/** What the asker knows of the nodes, by position: the directory, or its sampled table. */
export type KnownNodes = Pick<NodePositions<IndexNode>, "closest" | "all">;

export interface LookupOptions {
  structure: Structure;
  /** Responsible nodes per key (k): each is asked, so that k − 1 of them may fail or lie. */
  replicas: number;
  /** Requests in flight at once in an iterative lookup (α). */
  alpha: number;
  deadlineMs: number;
  /** Rounds after which an iterative lookup stops. */
  maxRounds: number;
}

export const DEFAULT_LOOKUP: LookupOptions = { structure: "xor", replicas: 5, alpha: 3, deadlineMs: 2000, maxRounds: 8 };

export interface LookupDeps {
  self: string;
  /** Rendezvous and XOR: the whole directory. Kademlia: this node's routing table (its sample of it). */
  known: () => Promise<KnownNodes>;
  transport: IndexTransport;
  /** The record if it verifies against its origin's key (and is for the asked key), else undefined. */
  verify: (raw: unknown, key: string) => Promise<IndexRecord | undefined>;
}

export interface LookupReport {
  /** Per key: the newest verified record of each origin. */
  records: Map<string, IndexRecord[]>;
  /** Iterative lookup only: per key, the k closest nodes that answered (where a publisher stores the key's records). */
  closest: Map<string, IndexNode[]>;
  /** Rounds of parallel requests (round trips on the critical path). */
  rounds: number;
  messages: number;
  answered: number;
  failed: number;
  /** Every request in order: the node, the round it was sent in (from 0), whether it answered, and how many records it gave that verified. */
  trace: { node: string; round: number; ok: boolean; verified: number }[];
}

/** Looks `keys` up (at most MAX_LOOKUP_KEYS) in the structure the options name. */
export async function lookupIndex(deps: LookupDeps, keys: readonly string[], o: LookupOptions = DEFAULT_LOOKUP): Promise<LookupReport> {
  const wanted = [...new Set(keys)].slice(0, MAX_LOOKUP_KEYS);
  const report: LookupReport = { records: new Map(wanted.map((k) => [k, []])), closest: new Map(), rounds: 0, messages: 0, answered: 0, failed: 0, trace: [] };
  if (wanted.length === 0) return report;
  const known = await deps.known();
  if (o.structure === "kademlia") await Promise.all(wanted.map((key) => iterative(deps, known, key, o, report)));
  else {
    // Rendezvous ranks every id per key (the cost this placement replaced); XOR reads a sorted run.
    const ids = o.structure === "rendezvous" ? known.all().map((n) => n.id) : [];
    const byId = o.structure === "rendezvous" ? new Map(known.all().map((n) => [n.id, n])) : undefined;
    const ranked = (key: string): IndexNode[] =>
      byId ? rendezvousOwners(key, ids, o.replicas * 2).map((id) => byId.get(id)!) : known.closest(positionOf(key), o.replicas * 2);
    await direct(deps, wanted, ranked, o, report);
  }
  return report;
}

/** Newest record per origin: a node that answers an old version cannot roll one back past a fresher answer. Returns how many verified. */
async function take(deps: LookupDeps, report: LookupReport, key: string, raws: readonly unknown[]): Promise<number> {
  const held = report.records.get(key)!;
  let verified = 0;
  for (const raw of raws) {
    const r = await deps.verify(raw, key);
    if (!r || r.key !== key) continue;
    verified++;
    const i = held.findIndex((h) => h.origin === r.origin);
    if (i < 0) held.push(r);
    else if (held[i]!.seq < r.seq) held[i] = r;
  }
  return verified;
}

async function ask(deps: LookupDeps, report: LookupReport, node: IndexNode, request: IndexLookupRequest, o: LookupOptions, round: number): Promise<IndexLookupResult | undefined> {
  report.messages++;
  try {
    const answer = await deps.transport.lookup(node, request, o.deadlineMs);
    report.answered++;
    report.trace.push({ node: node.id, round, ok: true, verified: 0 });
    return answer;
  } catch {
    report.failed++;
    report.trace.push({ node: node.id, round, ok: false, verified: 0 });
    return undefined;
  }
}

/** Counts what one answer gave that verified, on its trace entry. */
async function takeFrom(deps: LookupDeps, report: LookupReport, node: string, keys: readonly string[], answer: IndexLookupResult): Promise<void> {
  let verified = 0;
  for (const key of keys) verified += await take(deps, report, key, answer.records);
  const entry = report.trace.findLast((t) => t.node === node);
  if (entry) entry.verified += verified;
}

/**
 * The k owners of every key, asked once each for all the keys they own; then, for a key none of
 * them answered a record for, the next k in the ranking: nodes that joined since the origin's last
 * tick may have pushed its holders down (they get the records at its next tick).
 */
async function direct(deps: LookupDeps, keys: string[], rank: (key: string) => IndexNode[], o: LookupOptions, report: LookupReport): Promise<void> {
  const ranked = new Map(keys.map((key) => [key, rank(key)]));
  const byId = new Map([...ranked.values()].flat().map((n) => [n.id, n]));
  for (let round = 0; round < 2; round++) {
    const asks = new Map<string, string[]>();
    for (const key of keys) {
      if (round > 0 && report.records.get(key)!.length > 0) continue;
      for (const owner of ranked.get(key)!.slice(round * o.replicas, (round + 1) * o.replicas)) asks.set(owner.id, [...(asks.get(owner.id) ?? []), key]);
    }
    if (asks.size === 0) return;
    report.rounds = round + 1;
    await Promise.all(
      [...asks].map(async ([id, owned]) => {
        const answer = await ask(deps, report, byId.get(id)!, { type: "index-lookup", keys: owned }, o, round);
        // A record answered for a key the node was not asked about is dropped with the rest of the mismatches.
        if (answer) await takeFrom(deps, report, id, owned, answer);
      }),
    );
  }
}

/**
 * Kademlia's iterative lookup for one key: ask the α closest nodes not yet asked and learn the
 * nodes they know closer; when a round brought nothing closer than the closest seen before it, the
 * next round asks every one of the k closest not yet asked at once (the paper's last step). It
 * ends when the k closest seen have all answered or failed (or the rounds run out), so it goes on
 * as long as the closest set improves. Records from all of them are kept: the k closest are the
 * key's responsible nodes, and they are what `closest` reports, for a publisher to store at.
 */
async function iterative(deps: LookupDeps, known: KnownNodes, key: string, o: LookupOptions, report: LookupReport): Promise<void> {
  const target = positionOf(key);
  const seen = new Map<string, { node: IndexNode; pos: Uint8Array; state: "new" | "asked" | "failed" }>();
  const learn = (n: IndexNode) => {
    if (n.id !== deps.self && !seen.has(n.id)) seen.set(n.id, { node: n, pos: positionOf(n.id), state: "new" });
  };
  const live = () => [...seen.values()].filter((x) => x.state !== "failed").sort((a, b) => closerTo(target, a.pos, b.pos));
  for (const n of known.closest(target, o.replicas * 2)) learn(n);
  let rounds = 0;
  let stalled = false;
  while (rounds < o.maxRounds) {
    const before = live();
    const unasked = before.slice(0, o.replicas).filter((x) => x.state === "new");
    const batch = stalled ? unasked : unasked.slice(0, o.alpha);
    if (batch.length === 0) break;
    rounds++;
    await Promise.all(
      batch.map(async (x) => {
        x.state = "asked";
        const answer = await ask(deps, report, x.node, { type: "index-lookup", keys: [key], closer: true }, o, rounds - 1);
        if (!answer) {
          x.state = "failed";
          return;
        }
        await takeFrom(deps, report, x.node.id, [key], answer);
        for (const n of answer.closer ?? []) learn(n);
      }),
    );
    const closest = live()[0];
    stalled = !closest || closerTo(target, closest.pos, before[0]!.pos) >= 0;
  }
  report.rounds = Math.max(report.rounds, rounds);
  report.closest.set(
    key,
    live()
      .filter((x) => x.state === "asked")
      .slice(0, o.replicas)
      .map((x) => x.node),
  );
}
