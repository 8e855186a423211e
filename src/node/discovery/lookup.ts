// Asking the index (docs/protocol.md §20.3): the one lookup the node and the simulator
// (scripts/sim/discovery.ts) both run, over a transport that is the federation client on a node
// and an in-memory network in the simulator. Every record that comes back is verified against its
// origin's key before it counts, so a node that answers can hide records but never forge one;
// several nodes are asked for each key, in parallel, each under its own deadline.
import type { IndexRecord } from "../../protocol/discovery/record.ts";
import type { CloserNode, IndexLookupRequest, IndexLookupResult } from "../../protocol/discovery/messages.ts";
import { MAX_LOOKUP_KEYS } from "../../protocol/discovery/messages.ts";
import { closerTo, positionOf, rendezvousOwners } from "../../protocol/discovery/placement.ts";

export type IndexNode = CloserNode;

export interface IndexTransport {
  /** One request to one node; rejects on a refusal, an unreachable node or the deadline. */
  lookup(node: IndexNode, request: IndexLookupRequest, deadlineMs: number): Promise<IndexLookupResult>;
}

export type Structure = "rendezvous" | "kademlia";

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

export const DEFAULT_LOOKUP: LookupOptions = { structure: "rendezvous", replicas: 3, alpha: 3, deadlineMs: 2000, maxRounds: 8 };

export interface LookupDeps {
  self: string;
  /** Rendezvous: the whole directory. Kademlia: this node's routing table (its sample of it). */
  known: () => Promise<readonly IndexNode[]>;
  transport: IndexTransport;
  /** The record if it verifies against its origin's key (and is for the asked key), else undefined. */
  verify: (raw: unknown, key: string) => Promise<IndexRecord | undefined>;
}

export interface LookupReport {
  /** Per key: the newest verified record of each origin. */
  records: Map<string, IndexRecord[]>;
  /** Rounds of parallel requests (round trips on the critical path). */
  rounds: number;
  messages: number;
  answered: number;
  failed: number;
}

/** Looks `keys` up (at most MAX_LOOKUP_KEYS) in the structure the options name. */
export async function lookupIndex(deps: LookupDeps, keys: readonly string[], o: LookupOptions = DEFAULT_LOOKUP): Promise<LookupReport> {
  const wanted = [...new Set(keys)].slice(0, MAX_LOOKUP_KEYS);
  const report: LookupReport = { records: new Map(wanted.map((k) => [k, []])), rounds: 0, messages: 0, answered: 0, failed: 0 };
  if (wanted.length === 0) return report;
  const known = await deps.known();
  if (o.structure === "rendezvous") await rendezvous(deps, known, wanted, o, report);
  else await Promise.all(wanted.map((key) => iterative(deps, known, key, o, report)));
  return report;
}

/** Newest record per origin: a node that answers an old version cannot roll one back past a fresher answer. */
async function take(deps: LookupDeps, report: LookupReport, key: string, raws: readonly unknown[]): Promise<void> {
  const held = report.records.get(key)!;
  for (const raw of raws) {
    const r = await deps.verify(raw, key);
    if (!r || r.key !== key) continue;
    const i = held.findIndex((h) => h.origin === r.origin);
    if (i < 0) held.push(r);
    else if (held[i]!.seq < r.seq) held[i] = r;
  }
}

async function ask(deps: LookupDeps, report: LookupReport, node: IndexNode, request: IndexLookupRequest, o: LookupOptions): Promise<IndexLookupResult | undefined> {
  report.messages++;
  try {
    const answer = await deps.transport.lookup(node, request, o.deadlineMs);
    report.answered++;
    return answer;
  } catch {
    report.failed++;
    return undefined;
  }
}

/** One round: the k owners of every key, asked once each for all the keys they own. */
async function rendezvous(deps: LookupDeps, known: readonly IndexNode[], keys: string[], o: LookupOptions, report: LookupReport): Promise<void> {
  const byId = new Map(known.map((n) => [n.id, n]));
  const ids = [...byId.keys()];
  const asks = new Map<string, string[]>();
  for (const key of keys) {
    for (const owner of rendezvousOwners(key, ids, o.replicas)) asks.set(owner, [...(asks.get(owner) ?? []), key]);
  }
  report.rounds = asks.size > 0 ? 1 : 0;
  await Promise.all(
    [...asks].map(async ([id, owned]) => {
      const answer = await ask(deps, report, byId.get(id)!, { type: "index-lookup", keys: owned }, o);
      if (!answer) return;
      // A record answered for a key the node was not asked about is dropped with the rest of the mismatches.
      for (const key of owned) await take(deps, report, key, answer.records);
    }),
  );
}

/**
 * Kademlia's iterative lookup for one key: ask the α closest nodes not yet asked, learn the nodes
 * they know closer, and stop when the k closest seen have all been asked (or the rounds run out).
 * Records from all of them are kept: the k closest are the key's responsible nodes.
 */
async function iterative(deps: LookupDeps, known: readonly IndexNode[], key: string, o: LookupOptions, report: LookupReport): Promise<void> {
  const target = positionOf(key);
  const seen = new Map<string, { node: IndexNode; pos: Uint8Array; state: "new" | "asked" | "failed" }>();
  const learn = (n: IndexNode) => {
    if (n.id !== deps.self && !seen.has(n.id)) seen.set(n.id, { node: n, pos: positionOf(n.id), state: "new" });
  };
  for (const n of closestNodes(target, known, o.replicas * 2)) learn(n);
  let rounds = 0;
  while (rounds < o.maxRounds) {
    const live = [...seen.values()].filter((x) => x.state !== "failed").sort((a, b) => closerTo(target, a.pos, b.pos));
    const batch = live.slice(0, o.replicas).filter((x) => x.state === "new").slice(0, Math.max(o.alpha, o.replicas));
    if (batch.length === 0) break;
    rounds++;
    await Promise.all(
      batch.map(async (x) => {
        x.state = "asked";
        const answer = await ask(deps, report, x.node, { type: "index-lookup", keys: [key], closer: true }, o);
        if (!answer) {
          x.state = "failed";
          return;
        }
        await take(deps, report, key, answer.records);
        for (const n of answer.closer ?? []) learn(n);
      }),
    );
  }
  report.rounds = Math.max(report.rounds, rounds);
}

/** The n of `nodes` closest to `target` under XOR. */
export function closestNodes(target: Uint8Array, nodes: readonly IndexNode[], n: number): IndexNode[] {
  return nodes
    .map((node) => ({ node, pos: positionOf(node.id) }))
    .sort((a, b) => closerTo(target, a.pos, b.pos))
    .slice(0, n)
    .map((x) => x.node);
}
