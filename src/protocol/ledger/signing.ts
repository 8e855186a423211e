// Who signs which part of a record, and how a record is checked. As in the registry
// (src/protocol/registry/signing.ts), the ledger holds no keys: a signer signs as this node and a verifier
// resolves a node's key. Each part has its own signature context, so no signature passes for
// another part or for any other message of the protocol.
import { fromBase64url, toBase64url, utf8 } from "../encoding/bytes.ts";
import { canonicalJson } from "../encoding/canonical-json.ts";
import type { EntrySigner, OriginKey } from "../identity/signer.ts";
import { PricingError, settle, type Quote } from "./pricing.ts";
import { contentHash, newRecordId, PROTOCOL, record, withoutCountersign, type Intent, type LedgerRecord, type SignedIntent } from "./record.ts";
import { CHECKPOINT_SUITE, suiteOf, type Suite } from "./suite.ts";

export const INTENT_CONTEXT = "mcpfed/1 ledger-intent";
export const RECEIPT_CONTEXT = "mcpfed/1 ledger-receipt";
export const COUNTERSIGN_CONTEXT = "mcpfed/1 ledger-countersign";

/**
 * The registry's shape, and for the checkpoint suite the Ed25519 half of the same key alone
 * (src/protocol/identity/ed25519-component.ts). Production passes the node's composite identity.
 */
export interface LedgerSigner extends EntrySigner {
  signEd25519?(message: Uint8Array, context: string): Promise<Uint8Array>;
}

export interface LedgerKey extends OriginKey {
  /** Absent for a key without an Ed25519 half: checkpoint-suite signatures never verify then. */
  verifyEd25519?(message: Uint8Array, signature: Uint8Array, context: string): Promise<boolean>;
}

export interface LedgerVerifier {
  keyOf(node: string, via?: string): Promise<LedgerKey | undefined>;
}

export class LedgerSigningError extends Error {
  override name = "LedgerSigningError";
}

// Each signature covers the canonical form of everything signed before it; exported for the test
// vectors and for tests that play a dishonest party.
export const intentBytes = (r: { intent: Intent }) => utf8(canonicalJson(r.intent));
export const receiptBytes = (r: LedgerRecord) => utf8(canonicalJson({ intent: r.intent, intentSig: r.sigs.intent, receipt: r.receipt }));
export const countersignBytes = (r: LedgerRecord) =>
  utf8(canonicalJson({ intent: r.intent, intentSig: r.sigs.intent, receipt: r.receipt, receiptSig: r.sigs.receipt }));

/** A part's signature under the record's suite. */
async function signPart(signer: LedgerSigner, suite: Suite, bytes: Uint8Array, context: string): Promise<string> {
  if (suite === "composite") return toBase64url(await signer.sign(bytes, context));
  if (!signer.signEd25519) throw new LedgerSigningError(`this signer cannot sign under ${CHECKPOINT_SUITE}`);
  return toBase64url(await signer.signEd25519(bytes, context));
}

export interface CallRequest {
  provider: string;
  tool: { id: string; fingerprint: string };
  /** The MCP call params; only their hash enters the record. */
  params: unknown;
  price: Quote;
  requestedAt: number;
  /** The checkpoint suite, where both nodes offer it; absent signs composite. */
  suite?: typeof CHECKPOINT_SUITE | undefined;
}

/** The consumer, on requesting: its intent, price accepted. */
export async function signIntent(signer: LedgerSigner, call: CallRequest): Promise<SignedIntent> {
  const body: Intent = {
    v: PROTOCOL,
    id: newRecordId(),
    consumer: signer.nodeId,
    provider: call.provider,
    tool: call.tool,
    request: await contentHash(call.params),
    price: call.price,
    requestedAt: call.requestedAt,
    ...(call.suite ? { suite: call.suite } : {}),
  };
  return { intent: body, sig: await signPart(signer, suiteOf(body), intentBytes({ intent: body }), INTENT_CONTEXT) };
}

export type Verdict =
  | "valid"
  | "pending"
  | "unknown_node"
  | "bad_intent_signature"
  | "bad_receipt_signature"
  | "bad_countersignature"
  | "amount_mismatch"
  | "malformed";

async function checks(verifier: LedgerVerifier, node: string, suite: Suite, bytes: Uint8Array, signature: string, context: string): Promise<boolean | undefined> {
  const key = await verifier.keyOf(node);
  if (!key) return undefined;
  try {
    const sig = fromBase64url(signature);
    if (suite === "composite") return await key.verify(bytes, sig, context);
    return key.verifyEd25519 ? await key.verifyEd25519(bytes, sig, context) : false;
  } catch {
    // Undecodable or wrongly sized signatures make some verifiers throw rather than say no.
    return false;
  }
}

/** The provider, before running the call: is this intent the consumer's, and addressed to us? */
export async function verifyIntent(verifier: LedgerVerifier, self: string, s: SignedIntent): Promise<Verdict> {
  if (s.intent.provider !== self) return "malformed";
  const ok = await checks(verifier, s.intent.consumer, suiteOf(s.intent), intentBytes(s), s.sig, INTENT_CONTEXT);
  return ok === undefined ? "unknown_node" : ok ? "valid" : "bad_intent_signature";
}

export interface Outcome {
  result: unknown;
  durationMs: number;
  completedAt: number;
}

/** The provider, in its response: the receipt, charging what the pinned quote settles to. */
export async function signReceipt(signer: LedgerSigner, s: SignedIntent, outcome: Outcome): Promise<LedgerRecord> {
  if (s.intent.provider !== signer.nodeId) throw new LedgerSigningError(`intent is for ${s.intent.provider}, not ${signer.nodeId}`);
  const bill = settle(s.intent.price, outcome.durationMs);
  const r: LedgerRecord = {
    intent: s.intent,
    receipt: {
      result: await contentHash(outcome.result),
      durationMs: outcome.durationMs,
      completedAt: outcome.completedAt,
      units: bill.units,
      amount: bill.amount,
      ...(bill.unit ? { unit: bill.unit } : {}),
    },
    sigs: { intent: s.sig, receipt: "" },
  };
  r.sigs.receipt = await signPart(signer, suiteOf(s.intent), receiptBytes(r), RECEIPT_CONTEXT);
  return r;
}

/**
 * Checks every signature present against the node that must have made it, and the charge against
 * the pinned quote. "pending" is a record correct so far that lacks the countersignature.
 */
export async function verifyRecord(verifier: LedgerVerifier, input: unknown): Promise<Verdict> {
  const parsed = record.safeParse(input);
  if (!parsed.success) return "malformed";
  const r = parsed.data;
  const i = await checks(verifier, r.intent.consumer, suiteOf(r.intent), intentBytes(r), r.sigs.intent, INTENT_CONTEXT);
  if (i === undefined) return "unknown_node";
  if (!i) return "bad_intent_signature";
  const rest = await verifyReceipt(verifier, r);
  if (rest !== "valid") return rest;
  if (r.sigs.countersign === undefined) return "pending";
  return verifyCountersign(verifier, r);
}

/** The receipt's signature and charge, for a record whose intent is known good. */
async function verifyReceipt(verifier: LedgerVerifier, r: LedgerRecord): Promise<Exclude<Verdict, "pending">> {
  const p = await checks(verifier, r.intent.provider, suiteOf(r.intent), receiptBytes(r), r.sigs.receipt, RECEIPT_CONTEXT);
  if (p === undefined) return "unknown_node";
  if (!p) return "bad_receipt_signature";
  try {
    const bill = settle(r.intent.price, r.receipt.durationMs);
    if (bill.amount !== r.receipt.amount || bill.units !== r.receipt.units || bill.unit !== r.receipt.unit) return "amount_mismatch";
  } catch (err) {
    if (err instanceof PricingError) return "amount_mismatch";
    throw err;
  }
  if (r.receipt.completedAt < r.intent.requestedAt) return "malformed";
  return "valid";
}

/** The countersignature alone, for a record whose other parts this node verified when it stored them. */
export async function verifyCountersign(verifier: LedgerVerifier, r: LedgerRecord): Promise<Verdict> {
  if (r.sigs.countersign === undefined) return "pending";
  const c = await checks(verifier, r.intent.consumer, suiteOf(r.intent), countersignBytes(r), r.sigs.countersign, COUNTERSIGN_CONTEXT);
  return c === undefined ? "unknown_node" : c ? "valid" : "bad_countersignature";
}

/** Why a consumer refuses to countersign: the record's verdict, or a duration it could not have taken. */
export type ReceiptRejection = Exclude<Verdict, "valid" | "pending"> | "duration_exceeds_elapsed";

export class ReceiptRejected extends Error {
  override name = "ReceiptRejected";
  constructor(readonly reason: ReceiptRejection) {
    super(`receipt rejected: ${reason}`);
  }
}

/**
 * The consumer, on the response: checks the receipt is the provider's, over the intent it sent,
 * at the price it accepted, for no longer than the consumer itself waited, then countersigns.
 * Throws a ReceiptRejected otherwise. `elapsedMs` is the consumer's own measure of the round trip:
 * the two clocks differ, so a per-time charge is bounded by what the consumer saw, not by timestamps.
 */
export async function countersign(
  signer: LedgerSigner,
  verifier: LedgerVerifier,
  sent: SignedIntent,
  received: unknown,
  elapsedMs: number,
): Promise<LedgerRecord> {
  const parsed = record.safeParse(received);
  if (!parsed.success) throw new ReceiptRejected("malformed");
  const r = withoutCountersign(parsed.data);
  // A provider cannot re-sign the intent, but it could answer with another call's receipt. The
  // intent is then the one this node signed, byte for byte, so only the receipt needs verifying.
  if (canonicalJson(r.intent) !== canonicalJson(sent.intent) || r.sigs.intent !== sent.sig) throw new ReceiptRejected("malformed");
  if (r.intent.consumer !== signer.nodeId) throw new ReceiptRejected("malformed");
  const verdict = await verifyReceipt(verifier, r);
  if (verdict !== "valid") throw new ReceiptRejected(verdict);
  if (r.receipt.durationMs > elapsedMs) throw new ReceiptRejected("duration_exceeds_elapsed");
  return { ...r, sigs: { ...r.sigs, countersign: await signPart(signer, suiteOf(r.intent), countersignBytes(r), COUNTERSIGN_CONTEXT) } };
}
