// The coordinator's proposal to one participant (protocol §16.2), and the participant's check of
// it. Each participant is shown its own edges only: the matched ones with the set-off amount and
// both endpoints' potentials, and those it submitted that were left out, with the reason. Its
// check needs nothing else: every edge is checked by both its endpoints under the same potentials
// (they sign the same set-off), so the local certificates together prove the whole round optimal.
import { z } from "zod";
import { nodeId } from "../identity/node-id.ts";
import { PROTOCOL } from "../ledger/record.ts";
import type { SetOff } from "../ledger/set-off.ts";
import { checkLocal, type LocalEdge } from "./certificate.ts";
import { hex64, MAX_PARTICIPANTS, type Round } from "./round.ts";
import { capacityOf, type Matching, type Obligation } from "./submission.ts";

const safeInt = z.number().int().min(Number.MIN_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER);
const amount = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const proposalEdge = z
  .strictObject({
    debtor: nodeId,
    creditor: nodeId,
    obligation: z.strictObject({ amount: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER), asOf: z.number().int().min(0).max(2 ** 48 - 1), digest: hex64 }),
    /** Each party's limit as it submitted it; capacity = floor(obligation × min(limits) / 100). */
    limits: z.strictObject({ debtor: z.number().int().min(0).max(100), creditor: z.number().int().min(0).max(100) }),
    capacity: amount,
    /** What the round clears on this edge: the set-off's amount. */
    amount,
    potentials: z.strictObject({ debtor: safeInt, creditor: safeInt }),
  })
  .refine((e) => e.debtor !== e.creditor, { message: "a node owes itself nothing" });
export type ProposalEdge = z.infer<typeof proposalEdge>;

export const excludedEdge = z.strictObject({ debtor: nodeId, creditor: nodeId, reason: z.enum(["unmatched", "mismatch"]) });

export const proposal = z.strictObject({
  v: z.literal(PROTOCOL),
  type: z.literal("clearing-proposal"),
  round: hex64,
  /** The participant it is for. */
  node: nodeId,
  hashlock: hex64,
  /** T, the round's commitBy. */
  expires: z.number().int().min(0).max(2 ** 48 - 1),
  edges: z.array(proposalEdge).max(MAX_PARTICIPANTS - 1),
  excluded: z.array(excludedEdge).max(MAX_PARTICIPANTS - 1),
});
export type Proposal = z.infer<typeof proposal>;

/** What the solver gives for the matched edges, in their order (solveClearing's Clearing). */
export interface SolvedRound {
  flows: readonly number[];
  potentials: ReadonlyMap<string, number>;
}

/** One proposal per participant, each with its own edges only. */
export function buildProposals(r: Round, m: Matching, solved: SolvedRound, hashlock: string): Map<string, Proposal> {
  if (solved.flows.length !== m.edges.length) throw new Error("one flow per matched edge");
  const out = new Map<string, Proposal>();
  for (const node of r.participants) out.set(node, { v: PROTOCOL, type: "clearing-proposal", round: r.id, node, hashlock, expires: r.commitBy, edges: [], excluded: [] });
  const p = (n: string) => solved.potentials.get(n) ?? 0;
  m.edges.forEach((e, i) => {
    const edge: ProposalEdge = { debtor: e.debtor, creditor: e.creditor, obligation: e.obligation, limits: e.limits, capacity: e.capacity, amount: solved.flows[i]!, potentials: { debtor: p(e.debtor), creditor: p(e.creditor) } };
    out.get(e.debtor)!.edges.push(edge);
    out.get(e.creditor)!.edges.push(edge);
  });
  for (const x of m.excluded) for (const by of x.by) out.get(by)?.excluded.push({ debtor: x.debtor, creditor: x.creditor, reason: x.reason });
  return out;
}

/** The set-off document of one proposed edge: what both its parties sign. */
export function setOffOf(r: Round, p: Pick<Proposal, "hashlock" | "expires">, e: ProposalEdge): SetOff {
  return { v: PROTOCOL, type: "set-off", round: r.id, debtor: e.debtor, creditor: e.creditor, unit: r.unit, amount: e.amount, obligation: e.obligation, potentials: e.potentials, limits: e.limits, hashlock: p.hashlock, expires: p.expires };
}

export type ProposalRefusal = "wrong_round" | "obligation_mismatch" | "limit_mismatch" | "wrong_capacity" | "over_capacity" | "unbalanced" | "not_optimal" | "inconsistent_potentials";
export type ProposalVerdict = { ok: true } | { ok: false; reason: ProposalRefusal; detail: string };

/**
 * The participant's check (protocol §16.2 step 4) against its own obligations at asOf and its
 * own limit: the proposal is for it and this round; each edge is one of its obligations exactly
 * as it holds it, and each it holds is either an edge or listed as excluded; no capacity above
 * its limit; then the certificate (certificate.ts): balance, bounds, reduced costs, one potential.
 */
export function checkProposal(node: string, r: Round, p: Proposal, own: { obligations: readonly Obligation[]; limit: number }): ProposalVerdict {
  const no = (reason: ProposalRefusal, detail: string): ProposalVerdict => ({ ok: false, reason, detail });
  if (p.node !== node || p.round !== r.id || p.expires !== r.commitBy) return no("wrong_round", "the proposal is not for this node in this round");
  const held = new Map(own.obligations.map((o) => [o.debtor === node ? o.creditor : o.debtor, o]));
  const seen = new Set<string>();
  for (const e of p.edges) {
    const other = e.debtor === node ? e.creditor : e.creditor === node ? e.debtor : undefined;
    if (other === undefined || seen.has(other)) return no("obligation_mismatch", `an edge ${e.debtor} → ${e.creditor} that is not one of this node's obligations`);
    seen.add(other);
    const o = held.get(other);
    if (!o || o.debtor !== e.debtor || o.creditor !== e.creditor || o.amount !== e.obligation.amount || o.asOf !== e.obligation.asOf || o.digest !== e.obligation.digest) {
      return no("obligation_mismatch", `the edge with ${other} is not this node's obligation at asOf`);
    }
    // The capacity follows from the limits; each party vouches for its own, so a coordinator
    // cannot understate one and pass a smaller clearing off as the maximum.
    if ((e.debtor === node ? e.limits.debtor : e.limits.creditor) !== own.limit) return no("limit_mismatch", `the edge with ${other} states another limit than this node's`);
    if (e.capacity !== capacityOf(o.amount, Math.min(e.limits.debtor, e.limits.creditor))) return no("wrong_capacity", `capacity ${e.capacity} with ${other} does not follow from the obligation and the limits`);
  }
  for (const x of p.excluded) {
    const other = x.debtor === node ? x.creditor : x.creditor === node ? x.debtor : undefined;
    if (other === undefined || seen.has(other)) return no("obligation_mismatch", "an excluded edge that is not this node's, or also proposed");
    seen.add(other);
  }
  for (const other of held.keys()) if (!seen.has(other)) return no("obligation_mismatch", `the obligation with ${other} is neither proposed nor excluded`);
  const local: LocalEdge[] = p.edges.map((e) => ({ debtor: e.debtor, creditor: e.creditor, capacity: e.capacity, flow: e.amount, potentials: e.potentials }));
  const verdict = checkLocal(node, local);
  return verdict.ok ? { ok: true } : no(verdict.reason, `the certificate fails: ${verdict.reason}`);
}

/** Key of an edge in a round: debtor and creditor. */
export const edgeKey = (e: { debtor: string; creditor: string }) => `${e.debtor}>${e.creditor}`;
