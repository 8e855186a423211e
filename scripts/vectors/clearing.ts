// Clearing rounds (docs/protocol.md §16.1, §16.2): one round among three fixed nodes owing each
// other in a cycle, from its descriptor and coordinator to the reveal, every message of the
// /federation/v1/clearing union, and negatives: a tampered round signature, a wrong coordinator,
// a wrong id, malformed messages, and doctored proposals with the refusal each gets.
import { canonicalJson } from "../../src/protocol/encoding/canonical-json.ts";
import type { SigningKey } from "../../src/protocol/identity/keys.ts";
import type { EntrySigner } from "../../src/protocol/identity/signer.ts";
import { hashlockOf, signSetOff, verifySetOffRecord } from "../../src/protocol/ledger/set-off.ts";
import { clearingRequest } from "../../src/protocol/clearing/messages.ts";
import { buildProposals, checkProposal, edgeKey, setOffOf, type Proposal } from "../../src/protocol/clearing/proposal.ts";
import { assembleReveals, type EdgeSignatures } from "../../src/protocol/clearing/reveal.ts";
import { buildRound, coordinatorOrder, roundProblem, signRound, verifySignedRound } from "../../src/protocol/clearing/round.ts";
import { solveClearing } from "../../src/protocol/clearing/solver.ts";
import { matchSubmissions, signSubmission, verifySignedSubmission, type Obligation, type Submission } from "../../src/protocol/clearing/submission.ts";
import { agree, b64, counting, flipped, hex, verifierOf, write } from "./common.ts";
import type { Party } from "./composite.ts";

const signerOf = (k: SigningKey): EntrySigner => ({ nodeId: k.nodeId, sign: (m, c) => k.signer.sign(m, c) });



export async function clearingVectors(parties: Party[]): Promise<void> {
  const [a, b, c] = parties.map((x) => x.key) as [SigningKey, SigningKey, SigningKey];
  const keys = verifierOf(parties);
  const AS_OF = 1_767_225_600_000;
  const round = buildRound({ initiator: a.nodeId, unit: "credit", participants: [a.nodeId, b.nodeId, c.nodeId], asOf: AS_OF, submitBy: AS_OF + 60_000, commitBy: AS_OF + 360_000, dryRun: false });
  const signedRound = await signRound(signerOf(a), round);
  agree("round signature", "valid", (await verifySignedRound(keys, signedRound)).verdict);

  // A owes B 30, B owes C 20, C owes A 25: 20 clears on each edge.
  const digest = (i: number) => hex(counting(0x10 * i));
  const debts: Obligation[] = [
    { debtor: a.nodeId, creditor: b.nodeId, unit: "credit", amount: 30, asOf: AS_OF, digest: digest(1) },
    { debtor: b.nodeId, creditor: c.nodeId, unit: "credit", amount: 20, asOf: AS_OF, digest: digest(2) },
    { debtor: c.nodeId, creditor: a.nodeId, unit: "credit", amount: 25, asOf: AS_OF, digest: digest(3) },
  ];
  const own = (n: string) => debts.filter((o) => o.debtor === n || o.creditor === n);
  const submissions = [];
  for (const k of [a, b, c]) {
    const s: Submission = { v: "mcpfed/1", type: "clearing-submission", round: round.id, node: k.nodeId, obligations: own(k.nodeId), limit: 100 };
    submissions.push(await signSubmission(signerOf(k), s));
  }
  for (const s of submissions) agree("submission signature", "valid", (await verifySignedSubmission(keys, s)).verdict);
  const matching = matchSubmissions(round, submissions.map((s) => s.submission));
  const solved = solveClearing(matching.edges);
  agree("cleared in all", 60, solved.total);
  const preimage = hex(counting(0xa0));
  const proposals = buildProposals(round, matching, solved, hashlockOf(preimage));
  const sigs = new Map<string, EdgeSignatures>();
  for (const k of [a, b, c]) {
    const proposal = proposals.get(k.nodeId)!;
    agree(`${k.nodeId}'s check`, { ok: true }, checkProposal(k.nodeId, round, proposal, { obligations: own(k.nodeId), limit: 100 }));
    for (const e of proposal.edges) {
      const sig = await signSetOff(signerOf(k), setOffOf(round, proposal, e));
      sigs.set(edgeKey(e), { ...sigs.get(edgeKey(e)), ...(e.debtor === k.nodeId ? { debtor: sig } : { creditor: sig }) });
    }
  }
  const assembled = assembleReveals(round, proposals, sigs, preimage);
  if (!("reveals" in assembled)) throw new Error("every signature is in");
  const reveal = assembled.reveals.get(b.nodeId)!;
  for (const s of reveal.setOffs) agree("revealed set-off", "valid", await verifySetOffRecord(keys, { ...s, preimage }));

  const forB = proposals.get(b.nodeId)!;
  const messages = {
    invite: { kind: "invite", round: signedRound },
    submit: { kind: "submit", round: signedRound, submission: submissions[1] },
    proposal: { kind: "proposal", round: round.id, proposal: forB },
    reveal: { kind: "reveal", round: round.id, preimage, setOffs: reveal.setOffs },
    status: { kind: "status", round: round.id },
  };
  for (const [name, m] of Object.entries(messages)) agree(`message ${name} parses`, true, clearingRequest.safeParse(m).success);
  const malformed = [
    { name: "unknown kind", message: { kind: "commit", round: round.id }, parses: false },
    { name: "extra field", message: { ...messages.status, extra: 1 }, parses: false },
    { name: "round id not hex", message: { kind: "status", round: "Z".repeat(64) }, parses: false },
    { name: "proposal with a negative amount", message: { ...messages.proposal, proposal: { ...forB, edges: forB.edges.map((e) => ({ ...e, amount: -1 })) } }, parses: false },
  ];
  for (const m of malformed) agree(`message ${m.name}`, m.parses, clearingRequest.safeParse(m.message).success);

  const order = coordinatorOrder(round.id, round.participants);
  const wrongCoordinator = await signRound(signerOf(a), { ...round, coordinator: order[2]! });
  const rounds = [
    { name: "tampered signature", signed: { ...signedRound, sig: flipped(signedRound.sig) }, verdict: "bad_round_signature", problem: null },
    { name: "field changed after signing", signed: { ...signedRound, round: { ...round, dryRun: true } }, verdict: "bad_round_signature", problem: null },
    { name: "wrong coordinator (third in order)", signed: wrongCoordinator, verdict: "valid", problem: "wrong_coordinator" },
    { name: "wrong id", signed: await signRound(signerOf(a), { ...round, id: hex(counting(0x77)) }), verdict: "valid", problem: "wrong_round_id" },
  ];
  for (const r of rounds) {
    agree(`round ${r.name}`, r.verdict, (await verifySignedRound(keys, r.signed)).verdict);
    if (r.verdict === "valid") agree(`round ${r.name} problem`, r.problem, roundProblem(r.signed.round) ?? null);
  }

  const doctored = (f: (q: Proposal) => void) => {
    const q = structuredClone(forB);
    f(q);
    return q;
  };
  const refusals = [
    { name: "unbalanced", proposal: doctored((q) => (q.edges[0]!.amount -= 1)), reason: "unbalanced" },
    { name: "capacity above the limits", proposal: doctored((q) => (q.edges[0]!.capacity = 1_000)), reason: "wrong_capacity" },
    { name: "capacity understated", proposal: doctored((q) => (q.edges[0]!.capacity -= 1)), reason: "wrong_capacity" },
    { name: "own limit understated", proposal: doctored((q) => (q.edges[0]!.limits[q.edges[0]!.debtor === b.nodeId ? "debtor" : "creditor"] = 50)), reason: "limit_mismatch" },
    { name: "amount over capacity", proposal: doctored((q) => (q.edges[0]!.amount = q.edges[0]!.capacity + 1)), reason: "over_capacity" },
    { name: "obligation changed", proposal: doctored((q) => (q.edges[0]!.obligation.amount += 1)), reason: "obligation_mismatch" },
    { name: "edge left out", proposal: doctored((q) => q.edges.pop()), reason: "obligation_mismatch" },
  ];
  for (const r of refusals) {
    const verdict = checkProposal(b.nodeId, round, r.proposal, { obligations: own(b.nodeId), limit: 100 });
    agree(`proposal ${r.name}`, r.reason, verdict.ok ? "ok" : verdict.reason);
  }
  // Not optimal: b's edges with 10 less on each: balanced, but b → c is no longer saturated while its potentials say it must be.
  const lower = structuredClone(forB);
  lower.edges.forEach((e) => (e.amount -= 10));
  const notOptimal = checkProposal(b.nodeId, round, lower, { obligations: own(b.nodeId), limit: 100 });
  agree("proposal not optimal", "not_optimal", notOptimal.ok ? "ok" : notOptimal.reason);

  write("clearing.json", {
    about: "Clearing rounds (docs/protocol.md §16.1, §16.2): three nodes (seeds as in composite.json's parties), one round from descriptor to reveal, every clearing message, and negatives with the verdict or refusal each gets.",
    parties: parties.map((x) => ({ seed: b64(x.seed), nodeId: x.key.nodeId, publicKey: b64(x.key.signer.publicKey) })),
    round: { signed: signedRound, coordinatorOrder: order, jcs: canonicalJson(round) },
    obligations: debts,
    submissions,
    matching,
    solved: { flows: solved.flows, potentials: Object.fromEntries(solved.potentials), total: solved.total },
    preimage,
    hashlock: hashlockOf(preimage),
    proposals: Object.fromEntries(proposals),
    reveal: { node: b.nodeId, ...reveal },
    messages,
    malformed,
    rounds: rounds.map((r) => ({ name: r.name, signed: r.signed, verdict: r.verdict, problem: r.problem })),
    proposalRefusals: [...refusals.map((r) => ({ name: r.name, node: b.nodeId, proposal: r.proposal, reason: r.reason })), { name: "not optimal", node: b.nodeId, proposal: lower, reason: "not_optimal" }],
  });
}
