// `npm run sim:clearing`: clearing rounds among 50 simulated nodes in one process, driven by the
// protocol's own pure steps (src/protocol/clearing/: round descriptor, submissions, matching, the
// solver, proposals and the participant's check, reveals; src/protocol/ledger/set-off.ts) with
// every message a real sealed envelope (§5, HPKE to X-Wing, composite signature) opened, checked
// with zod and answered with a sealed response, and every set-off signed by both parties.
//
// Trade: the nodes sit on a random 6-regular graph; before each round every pair trades with
// probability 1/2, one random direction and amount. Obligations are the net of a pair's records;
// both parties hold the same records except, with probability MISS, a trade one side has not yet
// reconciled (their digests then differ and the edge is left out). DROP is the chance a node drops
// out during a round, at a random step: before the invite (it submits nothing, its edges are left
// out), after submitting (no signature: the round lapses at T), or after signing (the round
// commits; it fetches its reveal with `status`). A lapsed round must leave no set-off anywhere.
//
// Not modelled: HTTP and its latency (messages are handed over in process), the store, clocks
// (deadlines are steps, not times), peers' cards and their gossip (every node knows every key).
//
//   npm run sim:clearing       (SIM_ROUNDS=10, SIM_SEED=16)
import { loadavg } from "node:os";
import { checkProposal, edgeKey, setOffOf, type Proposal } from "../../src/protocol/clearing/proposal.ts";
import { buildProposals } from "../../src/protocol/clearing/proposal.ts";
import { clearingRequest, statusResult, type ClearingRequest } from "../../src/protocol/clearing/messages.ts";
import { assembleReveals, type EdgeSignatures } from "../../src/protocol/clearing/reveal.ts";
import { buildRound, roundProblem, signRound, verifySignedRound, type Round } from "../../src/protocol/clearing/round.ts";
import { solveClearing } from "../../src/protocol/clearing/solver.ts";
import { matchSubmissions, signSubmission, submissionProblem, verifySignedSubmission, type Obligation, type Submission } from "../../src/protocol/clearing/submission.ts";
import { toBase64url, utf8 } from "../../src/protocol/encoding/bytes.ts";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { openEnvelope } from "../../src/protocol/envelope/open.ts";
import { seal } from "../../src/protocol/envelope/seal.ts";
import { compositeVerifier, type CompositeVerifier } from "../../src/protocol/identity/composite.ts";
import { keyId, signingKeyFromSeed, type SigningKey } from "../../src/protocol/identity/keys.ts";
import type { EntrySigner } from "../../src/protocol/identity/signer.ts";
import { describe as describePrimitives, primitives } from "../../src/protocol/identity/primitives.ts";
import { XWING_ALG, xWing, type XWingPrivateKey } from "../../src/protocol/identity/xwing.ts";
import { hashlockOf, setOffId, signSetOff, verifySetOffRecord, verifySignedSetOff, type SetOff } from "../../src/protocol/ledger/set-off.ts";
import type { LedgerVerifier } from "../../src/protocol/ledger/signing.ts";
import { randomHex, seeded } from "../../test/support/random.ts";
import { median, table } from "../bench/lib.ts";
import { randomRegularGraph } from "./graph.ts";

const NODES = 50;
const DEGREE = 6;
const ROUNDS = Number(process.env.SIM_ROUNDS ?? 10);
const SEED = Number(process.env.SIM_SEED ?? 16);
const UNIT = "credit";
const PATH = "/federation/v1/clearing";
const DAY = 86_400;

const p = await primitives();
const text = (b: Uint8Array) => new TextDecoder().decode(b);

interface SimNode {
  index: number;
  id: string;
  key: SigningKey;
  /** Signs as this node: rounds, submissions, set-offs. */
  entry: EntrySigner;
  verifier: CompositeVerifier;
  kem: { keyId: string; publicKey: Uint8Array; privateKey: XWingPrivateKey };
  jtis: Set<string>;
  /** The coordinator of this node's last round of UNIT (roundProblem's `ownLast`). */
  lastCoordinator?: string;
  /** Round id → the set-off records this node stored from it. */
  stored: Map<string, number>;
}

/** A pair's records, shared by both parties; `delta` > 0 when the lower-indexed node owes more. */
interface Pair {
  a: SimNode;
  b: SimNode;
  records: { hash: string; delta: number; unseenBy?: SimNode }[];
}

const nodes: SimNode[] = [];
for (let i = 0; i < NODES; i++) {
  const seed = new Uint8Array(32).fill(i + 1);
  const key = await signingKeyFromSeed(p, seed);
  const kem = await xWing(p).fromSeed(new Uint8Array(32).fill(0x80 + i));
  nodes.push({ index: i, id: key.nodeId, key, entry: { nodeId: key.nodeId, sign: (m, c) => key.signer.sign(m, c) }, verifier: await compositeVerifier(p, key.signer.publicKey), kem: { keyId: await keyId(XWING_ALG, kem.publicKey), ...kem }, jtis: new Set(), stored: new Map() });
}
const byId = new Map(nodes.map((n) => [n.id, n]));
const keys: LedgerVerifier = {
  keyOf: async (id) => {
    const n = byId.get(id);
    return n && { verify: (message, signature, context) => n.verifier.verify(signature, message, context) };
  },
};

// Traffic per node: envelopes and bytes, sent and received.
interface Traffic {
  messages: number;
  bytes: number;
}
let traffic = new Map<string, Traffic>();
const count = (node: SimNode, bytes: number) => {
  const t = traffic.get(node.id) ?? { messages: 0, bytes: 0 };
  t.messages++;
  t.bytes += bytes;
  traffic.set(node.id, t);
};

/**
 * One request from `from` to `to`: sealed, opened by `to` (its replay set, its keys), checked
 * against the message union, handled, and the answer sealed back. Undefined when `to` is down.
 */
async function send(from: SimNode, to: SimNode, body: ClearingRequest, now: number, down: boolean, handle: (req: ClearingRequest) => Promise<unknown>): Promise<unknown> {
  const sealed = await seal({ primitives: p, signer: from.key.signer, from: from.id, to: to.id, recipientKey: { kid: to.kem.keyId, pub: toBase64url(to.kem.publicKey) }, version: "mcpfed/1", method: "POST", path: PATH, plaintext: utf8(JSON.stringify(body)), now });
  count(from, sealed.bytes.length);
  if (down) return undefined;
  count(to, sealed.bytes.length);
  const opened = await openEnvelope(sealed.bytes, {
    self: { nodeId: to.id, keys: { find: async (kid) => (kid === to.kem.keyId ? { epoch: 0, ...to.kem } : undefined) }, primitives: p },
    sender: async (h) => ({ verifier: byId.get(h.from)!.verifier, version: "mcpfed/1" }),
    replay: { seen: async (_s, jti) => to.jtis.has(jti), record: async (_s, jti) => !to.jtis.has(jti) && !!to.jtis.add(jti) },
    now,
    skew: 60,
    method: "POST",
    path: PATH,
    maxBytes: 1 << 20,
  });
  const answer = { ok: true, result: await handle(clearingRequest.parse(JSON.parse(text(opened.plaintext)))) };
  const response = await opened.sealResponse(utf8(JSON.stringify(answer)));
  count(to, response.length);
  count(from, response.length);
  return (JSON.parse(text(await sealed.openResponse(response))) as typeof answer).result;
}

// The trading graph and its pairs.
const random = seeded(SEED);
const pairs = new Map<string, Pair>();
const pairOf = (x: SimNode, y: SimNode) => pairs.get(x.index < y.index ? `${x.index}-${y.index}` : `${y.index}-${x.index}`);
randomRegularGraph(NODES, DEGREE, random).forEach((peers, i) => {
  for (const j of peers) if (i < j) pairs.set(`${i}-${j}`, { a: nodes[i]!, b: nodes[j]!, records: [] });
});

/** `node`'s obligation with the other party of `pair`, from the records it holds. */
function obligationOf(node: SimNode, pair: Pair, asOf: number): Obligation | undefined {
  const held = pair.records.filter((r) => r.unseenBy !== node);
  const net = held.reduce((s, r) => s + r.delta, 0);
  if (net === 0) return undefined;
  const digest = bytesToHex(sha256(utf8(held.map((r) => r.hash).sort().join("\n"))));
  return { debtor: net > 0 ? pair.a.id : pair.b.id, creditor: net > 0 ? pair.b.id : pair.a.id, unit: UNIT, amount: Math.abs(net), asOf, digest };
}

type Drop = "invite" | "sign" | "reveal";
interface RoundResult {
  committed: boolean;
  cleared: number;
  optimum: number;
  dropped: number;
  excluded: number;
  coordinator: string;
  /** Nodes holding set-offs of a lapsed round, or missing one of a committed round: must be 0. */
  partial: number;
}

async function runRound(k: number, drop: number, miss: number): Promise<RoundResult> {
  const result = await playRound(k, drop, miss);
  const held = (n: SimNode) => n.stored.get(result.round) ?? 0;
  const partial = result.committed
    ? nodes.filter((n) => held(n) !== (result.nonzero.get(n.id) ?? 0)).length
    : nodes.filter((n) => held(n) > 0).length;
  return { ...result, partial };
}

async function playRound(k: number, drop: number, miss: number): Promise<Omit<RoundResult, "partial"> & { round: string; nonzero: Map<string, number> }> {
  const now = 1_767_225_600 + k * DAY;
  const asOfMs = now * 1000;
  // Trade since the last round; every record before asOf. Earlier unseen records are reconciled now.
  for (const pair of pairs.values()) {
    for (const r of pair.records) delete r.unseenBy;
    if (random() < 0.5) {
      const amount = 1 + Math.floor(random() * 1000);
      pair.records.push({ hash: randomHex(random, 32), delta: random() < 0.5 ? amount : -amount, ...(random() < miss ? { unseenBy: random() < 0.5 ? pair.a : pair.b } : {}) });
    }
  }
  const truth = [...pairs.values()].flatMap((pair) => {
    const net = pair.records.reduce((s, r) => s + r.delta, 0);
    return net === 0 ? [] : [{ debtor: net > 0 ? pair.a.id : pair.b.id, creditor: net > 0 ? pair.b.id : pair.a.id, capacity: Math.abs(net) }];
  });
  const optimum = solveClearing(truth).total;

  const initiator = nodes[k % NODES]!;
  const r: Round = buildRound({ initiator: initiator.id, unit: UNIT, participants: nodes.map((n) => n.id), asOf: asOfMs, submitBy: asOfMs + 60_000, commitBy: asOfMs + 360_000, dryRun: false }, initiator.lastCoordinator);
  const signedRound = await signRound(initiator.entry, r);
  const coordinator = byId.get(r.coordinator)!;
  const drops = new Map<SimNode, Drop>();
  for (const n of nodes) if (n !== initiator && random() < drop) drops.set(n, (["invite", "sign", "reveal"] as const)[Math.floor(random() * 3)]!);
  const downAt = (n: SimNode, step: Drop) => {
    const d = drops.get(n);
    return d !== undefined && ["invite", "sign", "reveal"].indexOf(d) <= ["invite", "sign", "reveal"].indexOf(step);
  };
  const lapse = () => ({ committed: false, cleared: 0, optimum, dropped: drops.size, excluded: 0, coordinator: coordinator.id, round: r.id, nonzero: new Map<string, number>() });

  // 1. invite, and 2. submit to the coordinator.
  const own = new Map<SimNode, Obligation[]>();
  const submissions: Submission[] = [];
  const receiveSubmission = async (req: ClearingRequest) => {
    if (req.kind !== "submit") throw new Error("expected a submission");
    const v = await verifySignedSubmission(keys, req.submission);
    if (v.verdict !== "valid" || submissionProblem(r, v.signed.submission)) throw new Error(`submission refused: ${v.verdict}`);
    submissions.push(v.signed.submission);
    return { kind: "received" };
  };
  for (const n of nodes) {
    if (n !== initiator) {
      const answer = await send(initiator, n, { kind: "invite", round: signedRound }, now, downAt(n, "invite"), async (req) => {
        if (req.kind !== "invite") throw new Error("expected an invite");
        const v = await verifySignedRound(keys, req.round);
        if (v.verdict !== "valid") throw new Error(`invite refused: ${v.verdict}`);
        const problem = roundProblem(v.signed.round, n.lastCoordinator);
        if (problem) throw new Error(`invite refused: ${problem}`);
        return { kind: "accepted" };
      });
      if (answer === undefined) continue;
    }
    if (downAt(n, "invite")) continue;
    n.lastCoordinator = r.coordinator;
    const mine = [...pairs.values()].filter((x) => x.a === n || x.b === n).flatMap((x) => obligationOf(n, x, asOfMs) ?? []);
    own.set(n, mine);
    const signed = await signSubmission(n.entry, { v: "mcpfed/1", type: "clearing-submission", round: r.id, node: n.id, obligations: mine, limit: 100 });
    if (n === coordinator) await receiveSubmission({ kind: "submit", round: signedRound, submission: signed });
    else await send(n, coordinator, { kind: "submit", round: signedRound, submission: signed }, now, downAt(coordinator, "invite"), receiveSubmission);
  }
  if (downAt(coordinator, "invite")) return lapse();

  // 3. solve and propose; 4. each participant checks its own edges and signs their set-offs.
  const matching = matchSubmissions(r, submissions);
  const solved = solveClearing(matching.edges);
  const preimage = randomHex(random, 32);
  const proposals = buildProposals(r, matching, solved, hashlockOf(preimage));
  const sigs = new Map<string, EdgeSignatures>();
  const signAs = async (n: SimNode, proposal: Proposal) => {
    const verdict = checkProposal(n.id, r, proposal, { obligations: own.get(n)!, limit: 100 });
    if (!verdict.ok) throw new Error(`${n.index} refuses the proposal: ${verdict.reason} (${verdict.detail})`);
    return Promise.all(proposal.edges.map(async (e) => ({ debtor: e.debtor, creditor: e.creditor, sig: await signSetOff(n.entry, setOffOf(r, proposal, e)) })));
  };
  const collect = (n: SimNode, list: { debtor: string; creditor: string; sig: string }[]) => {
    for (const s of list) {
      const held = sigs.get(edgeKey(s)) ?? {};
      sigs.set(edgeKey(s), s.debtor === n.id ? { ...held, debtor: s.sig } : { ...held, creditor: s.sig });
    }
  };
  if (downAt(coordinator, "sign")) return lapse();
  for (const sub of submissions) {
    const n = byId.get(sub.node)!;
    const proposal = proposals.get(n.id)!;
    if (n === coordinator) {
      collect(n, await signAs(n, proposal));
      continue;
    }
    const answer = (await send(coordinator, n, { kind: "proposal", round: r.id, proposal }, now, downAt(n, "sign"), async (req) => {
      if (req.kind !== "proposal") throw new Error("expected a proposal");
      return { kind: "signed", sigs: await signAs(n, req.proposal) };
    })) as { sigs: { debtor: string; creditor: string; sig: string }[] } | undefined;
    if (answer) collect(n, answer.sigs);
  }
  // The coordinator checks each pair of signatures before it counts the edge as signed.
  for (const e of matching.edges) {
    const s = sigs.get(edgeKey(e));
    if (!s?.debtor || !s.creditor) continue;
    const doc = setOffOf(r, proposals.get(e.debtor)!, proposals.get(e.debtor)!.edges.find((x) => edgeKey(x) === edgeKey(e))!);
    if ((await verifySignedSetOff(keys, { setOff: doc, sigs: { debtor: s.debtor, creditor: s.creditor } })) !== "valid") sigs.delete(edgeKey(e));
  }
  const assembled = assembleReveals(r, proposals, sigs, preimage);
  if (!("reveals" in assembled) || downAt(coordinator, "reveal")) {
    // Lapsed at T: a signed set-off without the preimage is no record.
    const some = [...sigs.entries()].find(([, s]) => s.debtor && s.creditor);
    if (some) {
      const e = matching.edges.find((x) => edgeKey(x) === some[0])!;
      const doc = setOffOf(r, proposals.get(e.debtor)!, proposals.get(e.debtor)!.edges.find((x) => edgeKey(x) === some[0])!);
      const guess = await verifySetOffRecord(keys, { setOff: doc, sigs: some[1], preimage: randomHex(random, 32) });
      if (guess !== "wrong_preimage") throw new Error("a set-off of a lapsed round verified without its preimage");
    }
    return lapse();
  }

  // 5. reveal: each participant verifies its set-offs against its proposal and stores them.
  const store = async (n: SimNode, preimageSeen: string, setOffs: unknown[]) => {
    const expected = new Set(await Promise.all(proposals.get(n.id)!.edges.map((e) => setOffId(setOffOf(r, proposals.get(n.id)!, e)))));
    let stored = 0;
    for (const s of setOffs) {
      const record = { ...(s as { setOff: SetOff; sigs: { debtor: string; creditor: string } }), preimage: preimageSeen };
      if ((await verifySetOffRecord(keys, record)) !== "valid" || !expected.has(await setOffId(record.setOff))) throw new Error("a revealed set-off does not verify");
      if (record.setOff.amount > 0) stored++;
    }
    n.stored.set(r.id, stored);
    return { kind: "stored", stored };
  };
  for (const [id, reveal] of assembled.reveals) {
    const n = byId.get(id)!;
    if (!own.has(n)) continue; // submitted nothing, so has no edge
    if (n === coordinator) {
      await store(n, reveal.preimage, reveal.setOffs);
      continue;
    }
    const body: ClearingRequest = { kind: "reveal", round: r.id, preimage: reveal.preimage, setOffs: reveal.setOffs };
    const answer = await send(coordinator, n, body, now, downAt(n, "reveal"), async (req) => (req.kind === "reveal" ? store(n, req.preimage, req.setOffs) : undefined));
    if (answer === undefined) {
      // Back online before T: it asks the coordinator where the round stands.
      const status = statusResult.parse(await send(n, coordinator, { kind: "status", round: r.id }, now, false, async () => ({ kind: "status", state: "revealed", reveal: { preimage: reveal.preimage, setOffs: reveal.setOffs } })));
      if (!status.reveal) throw new Error("no reveal in the status");
      await store(n, status.reveal.preimage, status.reveal.setOffs);
    }
  }
  // The round's set-offs enter both parties' ledgers.
  for (const [i, e] of matching.edges.entries()) {
    const amount = solved.flows[i]!;
    if (amount === 0) continue;
    const pair = pairOf(byId.get(e.debtor)!, byId.get(e.creditor)!)!;
    const doc = setOffOf(r, proposals.get(e.debtor)!, proposals.get(e.debtor)!.edges.find((x) => edgeKey(x) === edgeKey(e))!);
    pair.records.push({ hash: await setOffId(doc), delta: e.debtor === pair.a.id ? -amount : amount });
  }
  // What each node must hold for the round to have committed everywhere: its edges that cleared something.
  const nonzero = new Map<string, number>();
  matching.edges.forEach((e, i) => {
    if (solved.flows[i]! === 0) return;
    for (const id of [e.debtor, e.creditor]) nonzero.set(id, (nonzero.get(id) ?? 0) + 1);
  });
  return { committed: true, cleared: solved.total, optimum, dropped: drops.size, excluded: matching.excluded.length, coordinator: coordinator.id, round: r.id, nonzero };
}

let roundNumber = 0;

async function series(label: string, drop: number, miss: number) {
  const results: RoundResult[] = [];
  const perNode: Traffic[] = [];
  const coordinatorTraffic: Traffic[] = [];
  const started = performance.now();
  for (let k = 0; k < ROUNDS; k++) {
    traffic = new Map();
    const result = await runRound(roundNumber++, drop, miss);
    results.push(result);
    for (const n of nodes) perNode.push(traffic.get(n.id) ?? { messages: 0, bytes: 0 });
    coordinatorTraffic.push(traffic.get(result.coordinator)!);
  }
  const committed = results.filter((x) => x.committed);
  const share = (xs: RoundResult[]) => (100 * xs.reduce((s, x) => s + x.cleared, 0)) / Math.max(1, xs.reduce((s, x) => s + x.optimum, 0));
  const shares = committed.map((x) => (100 * x.cleared) / x.optimum);
  return [
    label,
    `${committed.length} / ${results.length}`,
    committed.length ? `${share(committed).toFixed(1)}% (min ${Math.min(...shares).toFixed(1)}%)` : "–",
    `${share(results).toFixed(1)}%`,
    results.reduce((s, x) => s + x.dropped, 0),
    results.reduce((s, x) => s + x.excluded, 0),
    median(perNode.map((t) => t.messages)),
    (median(perNode.map((t) => t.bytes)) / 1024).toFixed(1),
    `${median(coordinatorTraffic.map((t) => t.messages))} / ${(median(coordinatorTraffic.map((t) => t.bytes)) / 1024).toFixed(0)}`,
    results.reduce((s, x) => s + x.partial, 0),
    ((performance.now() - started) / 1000 / ROUNDS).toFixed(1),
  ];
}

console.log(`${NODES} nodes on a random ${DEGREE}-regular trading graph, ${ROUNDS} rounds a series, seed ${SEED}; ${process.version}, ${describePrimitives(p)}, load ${loadavg()[0]!.toFixed(1)}\n`);
const rows = [await series("no drop-outs, records in step", 0, 0), await series("records 5% out of step", 0, 0.05), await series("2% drop out a round, 1% out of step", 0.02, 0.01)];
console.log(
  table(
    ["series", "committed", "cleared / optimum (committed rounds)", "cleared / optimum (all rounds)", "drop-outs", "edges left out", "envelopes per node (median)", "KiB per node (median)", "coordinator: envelopes / KiB", "partial commits", "s per round"],
    rows,
  ),
);
