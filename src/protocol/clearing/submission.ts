// What a participant tells the coordinator (protocol §16.1): its obligations at the round's
// cut-off with each other participant, and the share of each it lets the round clear. The
// coordinator matches the two parties' copies of each obligation: an edge enters the round only
// when both submitted the same debtor, creditor, amount and digest, so a record one of them lacks
// keeps the edge out instead of clearing an amount the two do not agree on.
import { z } from "zod";
import { fromBase64url, toBase64url, utf8 } from "../encoding/bytes.ts";
import { canonicalJson } from "../encoding/canonical-json.ts";
import { nodeId } from "../identity/node-id.ts";
import type { EntrySigner } from "../identity/signer.ts";
import { currencyUnit } from "../ledger/pricing.ts";
import { PROTOCOL } from "../ledger/record.ts";
import type { LedgerVerifier } from "../ledger/signing.ts";
import { hex64, MAX_PARTICIPANTS, signature, type Round } from "./round.ts";

export const SUBMISSION_CONTEXT = "mcpfed/1 clearing-submission";

export const obligation = z
  .strictObject({
    debtor: nodeId,
    creditor: nodeId,
    unit: currencyUnit,
    amount: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
    asOf: z.number().int().min(0).max(2 ** 48 - 1),
    /** Hex SHA-256 of the included records' hashes, sorted, joined with "\n". */
    digest: hex64,
  })
  .refine((o) => o.debtor !== o.creditor, { message: "a node owes itself nothing" });
export type Obligation = z.infer<typeof obligation>;

export const submission = z.strictObject({
  v: z.literal(PROTOCOL),
  type: z.literal("clearing-submission"),
  round: hex64,
  node: nodeId,
  obligations: z.array(obligation).max(MAX_PARTICIPANTS - 1),
  /** Percent of each obligation the round may clear, 0–100 (CLEARING_LIMIT). */
  limit: z.number().int().min(0).max(100),
});
export type Submission = z.infer<typeof submission>;

export const signedSubmission = z.strictObject({ submission, sig: signature });
export type SignedSubmission = z.infer<typeof signedSubmission>;

export const submissionBytes = (s: Submission) => utf8(canonicalJson(s));

export async function signSubmission(signer: EntrySigner, s: Submission): Promise<SignedSubmission> {
  const checked = submission.parse(s);
  if (checked.node !== signer.nodeId) throw new Error(`cannot sign ${checked.node}'s submission as ${signer.nodeId}`);
  return { submission: checked, sig: toBase64url(await signer.sign(submissionBytes(checked), SUBMISSION_CONTEXT)) };
}

export async function verifySignedSubmission(verifier: LedgerVerifier, input: unknown): Promise<{ verdict: "valid"; signed: SignedSubmission } | { verdict: "malformed" | "unknown_node" | "bad_submission_signature" }> {
  const parsed = signedSubmission.safeParse(input);
  if (!parsed.success) return { verdict: "malformed" };
  const key = await verifier.keyOf(parsed.data.submission.node);
  if (!key) return { verdict: "unknown_node" };
  let ok: boolean;
  try {
    ok = await key.verify(submissionBytes(parsed.data.submission), fromBase64url(parsed.data.sig), SUBMISSION_CONTEXT);
  } catch {
    ok = false;
  }
  return ok ? { verdict: "valid", signed: parsed.data } : { verdict: "bad_submission_signature" };
}

/**
 * Why a submission does not belong to this round, or undefined: `not_participant` (its node is
 * not in the round), `wrong_round`, `foreign_obligation` (an obligation the node is not a party
 * to, with a non-participant, of another unit or cut-off, or two of one pair).
 */
export function submissionProblem(r: Round, s: Submission): "not_participant" | "wrong_round" | "foreign_obligation" | undefined {
  if (!r.participants.includes(s.node)) return "not_participant";
  if (s.round !== r.id) return "wrong_round";
  const others = new Set<string>();
  for (const o of s.obligations) {
    const other = o.debtor === s.node ? o.creditor : o.creditor === s.node ? o.debtor : undefined;
    if (other === undefined || !r.participants.includes(other) || o.unit !== r.unit || o.asOf !== r.asOf || others.has(other)) return "foreign_obligation";
    others.add(other);
  }
  return undefined;
}

/** An obligation both parties submitted alike, with what the round may clear of it. */
export interface MatchedEdge {
  debtor: string;
  creditor: string;
  obligation: { amount: number; asOf: number; digest: string };
  /** Each party's limit as it submitted it. */
  limits: { debtor: number; creditor: number };
  /** floor(amount × min(both limits) / 100). */
  capacity: number;
}

/**
 * An obligation left out: `unmatched` (the other party submitted nothing for the pair), `mismatch`
 * (the two copies differ in direction, amount or digest). `by` are the parties that submitted it:
 * each is told, and only of its own.
 */
export interface ExcludedEdge {
  debtor: string;
  creditor: string;
  reason: "unmatched" | "mismatch";
  by: string[];
}

export interface Matching {
  /** Sorted by (debtor, creditor): the order the solver's edges and flows follow. */
  edges: MatchedEdge[];
  excluded: ExcludedEdge[];
}

const pairKey = (a: string, b: string) => (a < b ? `${a} ${b}` : `${b} ${a}`);
const byEnds = (x: { debtor: string; creditor: string }, y: { debtor: string; creditor: string }) =>
  x.debtor < y.debtor ? -1 : x.debtor > y.debtor ? 1 : x.creditor < y.creditor ? -1 : x.creditor > y.creditor ? 1 : 0;

/** Matches the participants' copies of each obligation (submissions already checked with submissionProblem). */
export function matchSubmissions(r: Round, submissions: readonly Submission[]): Matching {
  const limits = new Map<string, number>();
  const copies = new Map<string, { node: string; o: Obligation }[]>();
  for (const s of submissions) {
    if (s.round !== r.id || limits.has(s.node)) continue;
    limits.set(s.node, s.limit);
    for (const o of s.obligations) {
      const key = pairKey(o.debtor, o.creditor);
      copies.set(key, [...(copies.get(key) ?? []), { node: s.node, o }]);
    }
  }
  const edges: MatchedEdge[] = [];
  const excluded: ExcludedEdge[] = [];
  for (const list of copies.values()) {
    const first = list[0]!.o;
    if (list.length < 2) {
      excluded.push({ debtor: first.debtor, creditor: first.creditor, reason: "unmatched", by: [list[0]!.node] });
      continue;
    }
    const second = list[1]!.o;
    const same = first.debtor === second.debtor && first.creditor === second.creditor && first.amount === second.amount && first.digest === second.digest;
    if (!same) {
      excluded.push({ debtor: first.debtor, creditor: first.creditor, reason: "mismatch", by: list.map((c) => c.node).sort() });
      continue;
    }
    const ends = { debtor: limits.get(first.debtor)!, creditor: limits.get(first.creditor)! };
    const capacity = capacityOf(first.amount, Math.min(ends.debtor, ends.creditor));
    edges.push({ debtor: first.debtor, creditor: first.creditor, obligation: { amount: first.amount, asOf: first.asOf, digest: first.digest }, limits: ends, capacity });
  }
  edges.sort(byEnds);
  excluded.sort(byEnds);
  return { edges, excluded };
}

/** floor(amount × limit / 100), exact for every safe integer amount. */
export function capacityOf(amount: number, limit: number): number {
  return Number((BigInt(amount) * BigInt(limit)) / 100n);
}
