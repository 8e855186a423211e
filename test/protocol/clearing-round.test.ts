// A whole clearing round driven in-process over the pure steps (protocol §16.1, §16.2): the
// descriptor and its coordinator, submissions matched into edges, the solver's result turned into
// one proposal per participant, each participant's check and signatures, and the reveals. Then
// the refusals each check makes.
import { beforeAll, describe, expect, it } from "vitest";
import { hashlockOf, signSetOff, verifySetOffRecord } from "../../src/protocol/ledger/set-off.ts";
import { buildProposals, checkProposal, edgeKey, setOffOf, type Proposal } from "../../src/protocol/clearing/proposal.ts";
import { assembleReveals, type EdgeSignatures } from "../../src/protocol/clearing/reveal.ts";
import { buildRound, chooseCoordinator, coordinatorOrder, roundId, roundProblem, signRound, verifySignedRound, type Round } from "../../src/protocol/clearing/round.ts";
import { solveClearing } from "../../src/protocol/clearing/solver.ts";
import { capacityOf, matchSubmissions, signSubmission, submissionProblem, verifySignedSubmission, type Obligation, type Submission } from "../../src/protocol/clearing/submission.ts";
import { clearingRequest } from "../../src/protocol/clearing/messages.ts";
import { ed25519TestSigner, TestKeyring, type TestIdentity } from "../support/ed25519.ts";

let nodes: TestIdentity[];
let keys: TestKeyring;
let ids: string[];
const PREIMAGE = "7e".repeat(32);
const digestOf = (i: number) => i.toString(16).padStart(2, "0").repeat(32);

beforeAll(async () => {
  nodes = await Promise.all([0, 1, 2, 3, 4].map(() => ed25519TestSigner()));
  keys = new TestKeyring().add(...nodes);
  ids = nodes.map((n) => n.signer.nodeId);
});

/** A cycle 0→1→2→3→4→0 (debtor → creditor) with a chord 0→2, as each party would compute it. */
function obligations(r: Round): Obligation[] {
  const debts: [number, number, number][] = [
    [0, 1, 50],
    [1, 2, 70],
    [2, 3, 40],
    [3, 4, 60],
    [4, 0, 45],
    [0, 2, 30],
  ];
  return debts.map(([d, c, amount], i) => ({ debtor: ids[d]!, creditor: ids[c]!, unit: r.unit, amount, asOf: r.asOf, digest: digestOf(i + 1) }));
}

const mine = (node: string, all: Obligation[]) => all.filter((o) => o.debtor === node || o.creditor === node);
const draft = () => ({ initiator: ids[0]!, unit: "credit", participants: [...ids], asOf: 1_000, submitBy: 2_000, commitBy: 3_000, dryRun: false });

describe("a round, step by step", () => {
  it("clears the optimum, every participant's check passes, and every revealed set-off verifies", async () => {
    const r = buildRound(draft());
    expect(r.participants).toEqual([...ids].sort());
    expect(r.coordinator).toBe(coordinatorOrder(r.id, r.participants)[0]);
    const signed = await signRound(nodes[0]!.signer, r);
    expect((await verifySignedRound(keys, signed)).verdict).toBe("valid");
    expect(roundProblem(r)).toBeUndefined();

    const all = obligations(r);
    const submissions: Submission[] = [];
    for (const n of nodes) {
      const s = await signSubmission(n.signer, { v: "mcpfed/1", type: "clearing-submission", round: r.id, node: n.signer.nodeId, obligations: mine(n.signer.nodeId, all), limit: 100 });
      expect((await verifySignedSubmission(keys, s)).verdict).toBe("valid");
      expect(submissionProblem(r, s.submission)).toBeUndefined();
      submissions.push(s.submission);
    }
    const m = matchSubmissions(r, submissions);
    expect(m.edges).toHaveLength(6);
    expect(m.excluded).toEqual([]);
    const solved = solveClearing(m.edges);
    expect(solved.total).toBe(40 * 5 + 0); // the cycle's bottleneck, 40, on five edges; the chord's 0→2 cannot route back
    const proposals = buildProposals(r, m, solved, hashlockOf(PREIMAGE));
    const sigs = new Map<string, EdgeSignatures>();
    for (const n of nodes) {
      const me = n.signer.nodeId;
      const p = proposals.get(me)!;
      expect(p.edges.every((e) => e.debtor === me || e.creditor === me)).toBe(true);
      expect(checkProposal(me, r, p, { obligations: mine(me, all), limit: 100 })).toEqual({ ok: true });
      for (const e of p.edges) {
        const sig = await signSetOff(n.signer, setOffOf(r, p, e));
        const held = sigs.get(edgeKey(e)) ?? {};
        sigs.set(edgeKey(e), e.debtor === me ? { ...held, debtor: sig } : { ...held, creditor: sig });
      }
    }
    const out = assembleReveals(r, proposals, sigs, PREIMAGE);
    if (!("reveals" in out)) throw new Error("missing signatures");
    for (const [node, reveal] of out.reveals) {
      expect(reveal.setOffs.length).toBe(proposals.get(node)!.edges.length);
      for (const s of reveal.setOffs) expect(await verifySetOffRecord(keys, { ...s, preimage: reveal.preimage })).toBe("valid");
    }
    // One signature short: nothing to reveal.
    const short = new Map(sigs);
    const first = m.edges[0]!;
    short.set(edgeKey(first), { debtor: sigs.get(edgeKey(first))!.debtor! });
    expect(assembleReveals(r, proposals, short, PREIMAGE)).toEqual({ missing: [edgeKey(first)] });
  });

  it("keeps out an edge whose two copies differ, or that one party did not submit, and tells only its parties", () => {
    const r = buildRound(draft());
    const all = obligations(r);
    const subs = nodes.map((n) => ({ v: "mcpfed/1" as const, type: "clearing-submission" as const, round: r.id, node: n.signer.nodeId, obligations: mine(n.signer.nodeId, all), limit: 100 }));
    // Node 3 holds another digest for its debt to 4; node 1 says nothing of its debt to 2.
    subs[3]!.obligations = subs[3]!.obligations.map((o) => (o.creditor === ids[4] ? { ...o, digest: "ff".repeat(32) } : o));
    subs[1]!.obligations = subs[1]!.obligations.filter((o) => o.creditor !== ids[2]);
    const m = matchSubmissions(r, subs);
    expect(m.edges).toHaveLength(4);
    expect(m.excluded.map((x) => [x.debtor, x.creditor, x.reason, x.by])).toEqual(
      expect.arrayContaining([
        [ids[3], ids[4], "mismatch", [ids[3], ids[4]].sort()],
        [ids[1], ids[2], "unmatched", [ids[2]]],
      ]),
    );
    const proposals = buildProposals(r, m, solveClearing(m.edges), hashlockOf(PREIMAGE));
    expect(proposals.get(ids[0]!)!.excluded).toEqual([]);
    expect(proposals.get(ids[2]!)!.excluded).toEqual([{ debtor: ids[1], creditor: ids[2], reason: "unmatched" }]);
    // With the cycle broken, nothing clears.
    expect([...proposals.values()].flatMap((p) => p.edges).every((e) => e.amount === 0)).toBe(true);
  });

  it("caps each edge at the lower of the two parties' limits", () => {
    const r = buildRound(draft());
    const all = obligations(r);
    const subs = nodes.map((n, i) => ({ v: "mcpfed/1" as const, type: "clearing-submission" as const, round: r.id, node: n.signer.nodeId, obligations: mine(n.signer.nodeId, all), limit: i === 2 ? 50 : 100 }));
    const m = matchSubmissions(r, subs);
    const e12 = m.edges.find((e) => e.debtor === ids[1] && e.creditor === ids[2])!;
    expect(e12.capacity).toBe(35);
    expect(capacityOf(Number.MAX_SAFE_INTEGER, 99)).toBe(Number((BigInt(Number.MAX_SAFE_INTEGER) * 99n) / 100n));
  });
});

describe("refusals", () => {
  it("a descriptor whose coordinator is not the one its id selects, or whose id is not its hash", async () => {
    const r = buildRound(draft());
    const order = coordinatorOrder(r.id, r.participants);
    expect(roundProblem({ ...r, coordinator: order[2]! })).toBe("wrong_coordinator");
    expect(roundProblem({ ...r, coordinator: order[1]! })).toBeUndefined(); // the second, when the initiator skips its last
    expect(roundProblem({ ...r, asOf: 999 })).toBe("wrong_round_id");
    expect(roundProblem(r, r.coordinator)).toBe("repeat_coordinator");
    expect(chooseCoordinator(r.id, r.participants, order[0])).toBe(order[1]);
    const two = buildRound({ ...draft(), participants: [ids[0]!, ids[1]!] });
    expect(chooseCoordinator(two.id, two.participants, two.coordinator)).toBe(two.coordinator);
    expect(roundId(r)).toBe(r.id);
  });

  it("a tampered round or submission signature", async () => {
    const signed = await signRound(nodes[0]!.signer, buildRound(draft()));
    expect((await verifySignedRound(keys, { ...signed, round: { ...signed.round, dryRun: true } })).verdict).toBe("bad_round_signature");
    expect((await verifySignedRound(keys, { ...signed, sig: "AAAA" })).verdict).toBe("bad_round_signature");
    expect((await verifySignedRound(keys, { ...signed, round: { ...signed.round, participants: [...signed.round.participants].reverse() } })).verdict).toBe("malformed");
    const s = await signSubmission(nodes[1]!.signer, { v: "mcpfed/1", type: "clearing-submission", round: signed.round.id, node: ids[1]!, obligations: [], limit: 100 });
    expect((await verifySignedSubmission(keys, { ...s, submission: { ...s.submission, limit: 99 } })).verdict).toBe("bad_submission_signature");
    expect(submissionProblem(signed.round, { ...s.submission, node: "stranger" })).toBe("not_participant");
  });

  it("each proposal check", () => {
    const r = buildRound(draft());
    const all = obligations(r);
    const subs = nodes.map((n) => ({ v: "mcpfed/1" as const, type: "clearing-submission" as const, round: r.id, node: n.signer.nodeId, obligations: mine(n.signer.nodeId, all), limit: 100 }));
    const m = matchSubmissions(r, subs);
    const proposals = buildProposals(r, m, solveClearing(m.edges), hashlockOf(PREIMAGE));
    const me = ids[1]!;
    const own = { obligations: mine(me, all), limit: 100 };
    const p = proposals.get(me)!;
    const edit = (f: (q: Proposal) => void) => {
      const q = structuredClone(p);
      f(q);
      return checkProposal(me, r, q, own);
    };
    const reason = (v: ReturnType<typeof checkProposal>) => (v.ok ? "ok" : v.reason);
    expect(reason(edit(() => undefined))).toBe("ok");
    expect(reason(edit((q) => (q.edges[0]!.amount -= 1)))).toBe("unbalanced");
    // Ten less around the whole cycle stays balanced everywhere; some participant's reduced costs show it is not the maximum.
    const verdicts = ids.map((n) => {
      const q = structuredClone(proposals.get(n)!);
      q.edges.forEach((e) => (e.amount = Math.max(0, e.amount - 10)));
      return reason(checkProposal(n, r, q, { obligations: mine(n, all), limit: 100 }));
    });
    expect(verdicts).toContain("not_optimal");
    expect(verdicts.every((v) => v === "ok" || v === "not_optimal")).toBe(true);
    expect(reason(edit((q) => (q.edges[0]!.obligation.digest = "00".repeat(32))))).toBe("obligation_mismatch");
    expect(reason(edit((q) => q.edges.pop()))).toBe("obligation_mismatch");
    expect(reason(edit((q) => (q.edges[0]!.capacity = 1_000)))).toBe("wrong_capacity");
    // An understated capacity would let a smaller clearing pass the reduced-cost check as the maximum.
    expect(reason(edit((q) => (q.edges[0]!.capacity -= 1)))).toBe("wrong_capacity");
    // So would an understated limit: the party whose limit it is refuses it.
    expect(reason(edit((q) => {
      const e = q.edges[0]!;
      e.limits[e.debtor === me ? "debtor" : "creditor"] = 50;
      e.capacity = Math.floor(e.obligation.amount / 2);
    }))).toBe("limit_mismatch");
    expect(reason(edit((q) => (q.edges[0]!.amount = q.edges[0]!.capacity + 1)))).not.toBe("ok");
    expect(reason(edit((q) => (q.edges.at(-1)!.potentials[q.edges.at(-1)!.debtor === me ? "debtor" : "creditor"] += 5)))).toBe("inconsistent_potentials");
    expect(reason(checkProposal(me, r, p, { obligations: own.obligations, limit: 50 }))).toBe("limit_mismatch");
    expect(reason(edit((q) => (q.expires += 1)))).toBe("wrong_round");
  });

  it("the message union refuses an unknown kind and extra fields", () => {
    expect(clearingRequest.safeParse({ kind: "status", round: "ab".repeat(32) }).success).toBe(true);
    expect(clearingRequest.safeParse({ kind: "status", round: "ab".repeat(32), extra: 1 }).success).toBe(false);
    expect(clearingRequest.safeParse({ kind: "commit", round: "ab".repeat(32) }).success).toBe(false);
  });
});
