// The round descriptor of a clearing round (protocol §16.1): who takes part, in which unit, up to
// which cut-off, until when, and who coordinates. The initiator signs it; every participant
// derives the coordinator from the id again, so that no initiator can name a coordinator of its
// choosing, and refuses one that coordinated its own previous round of that unit.
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { z } from "zod";
import { fromBase64url, toBase64url, utf8 } from "../encoding/bytes.ts";
import { canonicalJson } from "../encoding/canonical-json.ts";
import { nodeId } from "../identity/node-id.ts";
import type { EntrySigner } from "../identity/signer.ts";
import { currencyUnit } from "../ledger/pricing.ts";
import { PROTOCOL } from "../ledger/record.ts";
import type { LedgerVerifier } from "../ledger/signing.ts";

export const ROUND_CONTEXT = "mcpfed/1 clearing-round";
/** The card feature of a node that takes part in clearing rounds. */
export const CLEARING_FEATURE = "clearing";
export const MIN_PARTICIPANTS = 2;
export const MAX_PARTICIPANTS = 64;

export const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
export const signature = z.string().regex(/^[A-Za-z0-9_-]{1,8192}$/, "base64url");
const ms = z.number().int().min(0).max(2 ** 48 - 1);

const participants = z
  .array(nodeId)
  .min(MIN_PARTICIPANTS)
  .max(MAX_PARTICIPANTS)
  .refine((ids) => ids.every((id, i) => i === 0 || ids[i - 1]! < id), { message: "sorted, each once" });

export const round = z
  .strictObject({
    v: z.literal(PROTOCOL),
    type: z.literal("clearing-round"),
    /** Hex SHA-256 of JCS of the other fields but `id` and `coordinator` (roundId). */
    id: hex64,
    initiator: nodeId,
    unit: currencyUnit,
    participants,
    coordinator: nodeId,
    /** The obligations' cut-off, ms. */
    asOf: ms,
    /** Submissions are due by then, ms. */
    submitBy: ms,
    /** T: every signature by then, or the round lapses, ms. */
    commitBy: ms,
    /** A preview: proposals are checked and shown, never signed. */
    dryRun: z.boolean(),
  })
  .refine((r) => r.participants.includes(r.initiator), { message: "the initiator takes part" })
  .refine((r) => r.participants.includes(r.coordinator), { message: "the coordinator takes part" })
  .refine((r) => r.asOf <= r.submitBy && r.submitBy < r.commitBy, { message: "asOf ≤ submitBy < commitBy" });
export type Round = z.infer<typeof round>;

/** A round before its id and coordinator are derived. */
export type RoundDraft = Omit<Round, "v" | "type" | "id" | "coordinator">;

export const signedRound = z.strictObject({ round, sig: signature });
export type SignedRound = z.infer<typeof signedRound>;

const sha256HexSync = (text: string) => bytesToHex(sha256(utf8(text)));

/** The round id: hex SHA-256 of JCS({v, type, initiator, unit, participants, asOf, submitBy, commitBy, dryRun}). */
export function roundId(d: RoundDraft): string {
  return sha256HexSync(canonicalJson({ v: PROTOCOL, type: "clearing-round", initiator: d.initiator, unit: d.unit, participants: d.participants, asOf: d.asOf, submitBy: d.submitBy, commitBy: d.commitBy, dryRun: d.dryRun }));
}

/** The participants by SHA-256(id ‖ node id), smallest first: the coordinator's order of precedence. */
export function coordinatorOrder(id: string, members: readonly string[]): string[] {
  const keyed = members.map((m) => ({ m, k: sha256HexSync(id + m) }));
  keyed.sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
  return keyed.map((x) => x.m);
}

/** The first in order, skipping `previous` (the coordinator of the initiator's last round of this unit) when there are ≥ 3 participants. */
export function chooseCoordinator(id: string, members: readonly string[], previous?: string): string {
  const order = coordinatorOrder(id, members);
  return members.length >= 3 && order[0] === previous ? order[1]! : order[0]!;
}

/** A descriptor from a draft: participants sorted, id and coordinator derived. */
export function buildRound(d: RoundDraft, previous?: string): Round {
  const draft = { ...d, participants: [...new Set(d.participants)].sort() };
  const id = roundId(draft);
  return round.parse({ v: PROTOCOL, type: "clearing-round", id, ...draft, coordinator: chooseCoordinator(id, draft.participants, previous) });
}

/**
 * Why a participant refuses a well-signed descriptor, or undefined:
 * `wrong_round_id` (id is not roundId of the fields), `wrong_coordinator` (neither the first in
 * order nor, with ≥ 3 participants, the second), `repeat_coordinator` (with ≥ 3 participants,
 * the coordinator of `ownLast`, this participant's previous round of this unit).
 */
export function roundProblem(r: Round, ownLast?: string): "wrong_round_id" | "wrong_coordinator" | "repeat_coordinator" | undefined {
  if (roundId(r) !== r.id) return "wrong_round_id";
  const order = coordinatorOrder(r.id, r.participants);
  const several = r.participants.length >= 3;
  if (r.coordinator !== order[0] && !(several && r.coordinator === order[1])) return "wrong_coordinator";
  if (several && ownLast !== undefined && r.coordinator === ownLast) return "repeat_coordinator";
  return undefined;
}

export const roundBytes = (r: Round) => utf8(canonicalJson(r));

export async function signRound(signer: EntrySigner, r: Round): Promise<SignedRound> {
  const checked = round.parse(r);
  if (checked.initiator !== signer.nodeId) throw new Error(`cannot sign a round of ${checked.initiator} as ${signer.nodeId}`);
  return { round: checked, sig: toBase64url(await signer.sign(roundBytes(checked), ROUND_CONTEXT)) };
}

export type RoundVerdict = "valid" | "malformed" | "unknown_node" | "bad_round_signature";

/** The initiator's composite signature over JCS(round). */
export async function verifySignedRound(verifier: LedgerVerifier, input: unknown): Promise<{ verdict: "valid"; signed: SignedRound } | { verdict: Exclude<RoundVerdict, "valid"> }> {
  const parsed = signedRound.safeParse(input);
  if (!parsed.success) return { verdict: "malformed" };
  const key = await verifier.keyOf(parsed.data.round.initiator);
  if (!key) return { verdict: "unknown_node" };
  let ok: boolean;
  try {
    ok = await key.verify(roundBytes(parsed.data.round), fromBase64url(parsed.data.sig), ROUND_CONTEXT);
  } catch {
    ok = false;
  }
  return ok ? { verdict: "valid", signed: parsed.data } : { verdict: "bad_round_signature" };
}
