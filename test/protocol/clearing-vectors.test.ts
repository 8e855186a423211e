// Clearing rounds against test/vectors/clearing.json, on each crypto path: the round's id and
// coordinator rebuild from its fields, every signature verifies, the matching, the solver's flows,
// the proposals and the reveal rebuild byte for byte, every message parses (and each malformed one
// does not), and each negative gets its stated verdict or refusal.
import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../src/protocol/encoding/canonical-json.ts";
import { signingKey } from "../../src/protocol/identity/imported.ts";
import type { Primitives } from "../../src/protocol/identity/primitives.ts";
import { hashlockOf, verifySetOffRecord } from "../../src/protocol/ledger/set-off.ts";
import type { LedgerVerifier } from "../../src/protocol/ledger/signing.ts";
import { clearingRequest } from "../../src/protocol/clearing/messages.ts";
import { buildProposals, checkProposal, type Proposal } from "../../src/protocol/clearing/proposal.ts";
import { buildRound, chooseCoordinator, coordinatorOrder, roundId, roundProblem, verifySignedRound, type SignedRound } from "../../src/protocol/clearing/round.ts";
import { solveClearing } from "../../src/protocol/clearing/solver.ts";
import { matchSubmissions, verifySignedSubmission, type Obligation, type SignedSubmission } from "../../src/protocol/clearing/submission.ts";
import type { SignedSetOff } from "../../src/protocol/ledger/set-off.ts";
import { PATHS, vector } from "./paths.ts";

interface Vectors {
  parties: { nodeId: string; publicKey: string }[];
  round: { signed: SignedRound; coordinatorOrder: string[]; jcs: string };
  obligations: Obligation[];
  submissions: SignedSubmission[];
  matching: unknown;
  solved: { flows: number[]; potentials: Record<string, number>; total: number };
  preimage: string;
  hashlock: string;
  proposals: Record<string, Proposal>;
  reveal: { node: string; round: string; preimage: string; setOffs: SignedSetOff[] };
  messages: Record<string, unknown>;
  malformed: { name: string; message: unknown; parses: boolean }[];
  rounds: { name: string; signed: SignedRound; verdict: string; problem: string | null }[];
  proposalRefusals: { name: string; node: string; proposal: Proposal; reason: string }[];
}

const v = vector<Vectors>("clearing.json");

function keysOn(p: Primitives): LedgerVerifier {
  const keys = new Map(v.parties.map((x) => [x.nodeId, x.publicKey]));
  return {
    async keyOf(node) {
      const pub = keys.get(node);
      if (!pub) return undefined;
      const key = await signingKey(p, pub);
      return { verify: (m, s, c) => key.verify(s, m, c) };
    },
  };
}

const round = v.round.signed.round;
const own = (n: string) => v.obligations.filter((o) => o.debtor === n || o.creditor === n);

describe("clearing vectors: the round", () => {
  it("rebuilds its id, its JCS, its coordinator order and its coordinator", () => {
    expect(roundId(round)).toBe(round.id);
    expect(canonicalJson(round)).toBe(v.round.jcs);
    expect(coordinatorOrder(round.id, round.participants)).toEqual(v.round.coordinatorOrder);
    expect(round.coordinator).toBe(v.round.coordinatorOrder[0]);
    expect(chooseCoordinator(round.id, round.participants, v.round.coordinatorOrder[0])).toBe(v.round.coordinatorOrder[1]);
    const { v: _v, type: _t, id: _i, coordinator: _c, ...draft } = round;
    expect(buildRound(draft)).toEqual(round);
  });

  it("matches the submissions, solves, and builds the same proposals and reveal", () => {
    const m = matchSubmissions(round, v.submissions.map((s) => s.submission));
    expect(m).toEqual(v.matching);
    const solved = solveClearing(m.edges);
    expect(solved.flows).toEqual(v.solved.flows);
    expect(solved.total).toBe(v.solved.total);
    expect(hashlockOf(v.preimage)).toBe(v.hashlock);
    const proposals = buildProposals(round, m, { flows: v.solved.flows, potentials: new Map(Object.entries(v.solved.potentials)) }, v.hashlock);
    expect(Object.fromEntries(proposals)).toEqual(v.proposals);
    for (const [node, p] of proposals) expect(checkProposal(node, round, p, { obligations: own(node), limit: 100 })).toEqual({ ok: true });
  });

  it("every message parses, every malformed one does not", () => {
    for (const m of Object.values(v.messages)) expect(clearingRequest.safeParse(m).success).toBe(true);
    for (const m of v.malformed) expect([m.name, clearingRequest.safeParse(m.message).success]).toEqual([m.name, m.parses]);
  });

  it("each doctored proposal gets its refusal", () => {
    for (const r of v.proposalRefusals) {
      const verdict = checkProposal(r.node, round, r.proposal, { obligations: own(r.node), limit: 100 });
      expect([r.name, verdict.ok ? "ok" : verdict.reason]).toEqual([r.name, r.reason]);
    }
  });
});

for (const [label, p] of PATHS) {
  describe(`clearing vectors: signatures (${label})`, () => {
    it("the round, each submission and each revealed set-off verify; each negative round gets its verdict and problem", async () => {
      const keys = keysOn(p);
      expect((await verifySignedRound(keys, v.round.signed)).verdict).toBe("valid");
      for (const s of v.submissions) expect((await verifySignedSubmission(keys, s)).verdict).toBe("valid");
      for (const s of v.reveal.setOffs) expect(await verifySetOffRecord(keys, { ...s, preimage: v.reveal.preimage })).toBe("valid");
      for (const r of v.rounds) {
        expect([r.name, (await verifySignedRound(keys, r.signed)).verdict]).toEqual([r.name, r.verdict]);
        if (r.verdict === "valid") expect([r.name, roundProblem(r.signed.round) ?? null]).toEqual([r.name, r.problem]);
      }
    });
  });
}
