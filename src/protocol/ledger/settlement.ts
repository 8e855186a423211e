// A settlement (protocol §16): the record that a balance was paid outside the federation, by a
// bank transfer or a payment processor. The payer signs it when it pays; it counts only once the
// payee has countersigned the same bytes, after checking the payment arrived.
import { z } from "zod";
import { fromBase64url, toBase64url, utf8 } from "../encoding/bytes.ts";
import { canonicalJson } from "../encoding/canonical-json.ts";
import { nodeId } from "../identity/node-id.ts";
import type { EntrySigner } from "../identity/signer.ts";
import { currencyUnit } from "./pricing.ts";
import { newRecordId, PROTOCOL } from "./record.ts";
import type { LedgerVerifier } from "./signing.ts";

export const SETTLEMENT_CONTEXT = "mcpfed/1 ledger-settlement";

export const SETTLEMENT_METHODS = ["manual", "stripe"] as const;
export type SettlementMethod = (typeof SETTLEMENT_METHODS)[number];

const sig = z.string().regex(/^[A-Za-z0-9_-]{1,8192}$/, "base64url");

export const settlement = z
  .strictObject({
    v: z.literal(PROTOCOL),
    type: z.literal("settlement"),
    /** 32 random bytes, hex: the settlement's name on both nodes. */
    id: z.string().regex(/^[0-9a-f]{64}$/),
    payer: nodeId,
    payee: nodeId,
    unit: currencyUnit,
    amount: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
    method: z.enum(SETTLEMENT_METHODS),
    /** The transfer's reference, or the processor's payment id. */
    reference: z.string().min(1).max(200),
    paidAt: z.number().int().min(0).max(2 ** 48 - 1),
  })
  .refine((s) => s.payer !== s.payee, { message: "a node pays itself nothing" });
export type Settlement = z.infer<typeof settlement>;

export const settlementRecord = z.strictObject({
  settlement,
  /** `payee` is absent while the settlement is pending. */
  sigs: z.strictObject({ payer: sig, payee: sig.optional() }),
});
export type SettlementRecord = z.infer<typeof settlementRecord>;

export const settlementBytes = (s: Settlement) => utf8(canonicalJson(s));

export const newSettlementId = newRecordId;

export class SettlementError extends Error {
  override name = "SettlementError";
}

/** This node's signature on a settlement it is a party to: the payer's when it pays, the payee's when it confirms. */
export async function signSettlement(signer: EntrySigner, s: Settlement): Promise<string> {
  const checked = settlement.parse(s);
  if (signer.nodeId !== checked.payer && signer.nodeId !== checked.payee) throw new SettlementError(`${signer.nodeId} is not a party to this settlement`);
  return toBase64url(await signer.sign(settlementBytes(checked), SETTLEMENT_CONTEXT));
}

export type SettlementVerdict = "valid" | "pending" | "malformed" | "unknown_node" | "bad_payer_signature" | "bad_payee_signature";

async function signedBy(verifier: LedgerVerifier, node: string, bytes: Uint8Array, signature: string): Promise<boolean | undefined> {
  const key = await verifier.keyOf(node);
  if (!key) return undefined;
  try {
    return await key.verify(bytes, fromBase64url(signature), SETTLEMENT_CONTEXT);
  } catch {
    // Undecodable or wrongly sized signatures make some verifiers throw rather than say no.
    return false;
  }
}

/** "valid" is confirmed (both signatures); "pending" is the payer's signature alone, verified. */
export async function verifySettlementRecord(verifier: LedgerVerifier, input: unknown): Promise<SettlementVerdict> {
  const parsed = settlementRecord.safeParse(input);
  if (!parsed.success) return "malformed";
  const { settlement: s, sigs } = parsed.data;
  const bytes = settlementBytes(s);
  const payer = await signedBy(verifier, s.payer, bytes, sigs.payer);
  if (payer === undefined) return "unknown_node";
  if (!payer) return "bad_payer_signature";
  if (sigs.payee === undefined) return "pending";
  const payee = await signedBy(verifier, s.payee, bytes, sigs.payee);
  if (payee === undefined) return "unknown_node";
  return payee ? "valid" : "bad_payee_signature";
}
