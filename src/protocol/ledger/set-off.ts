// A set-off (protocol §16): both parties of an obligation agree that a clearing round reduced it
// by `amount`. Both sign the same JCS bytes with the composite signature before the round's secret
// is known; the record counts only once the preimage of `hashlock` is attached, so either every
// edge of a round takes effect or none does (the hash-locked conditional payment of Lightning's
// HTLCs, without the payment).
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";
import { z } from "zod";
import { fromBase64url, toBase64url, utf8 } from "../encoding/bytes.ts";
import { canonicalJson } from "../encoding/canonical-json.ts";
import { sha256Hex } from "../encoding/hash.ts";
import { nodeId } from "../identity/node-id.ts";
import type { EntrySigner } from "../identity/signer.ts";
import { currencyUnit } from "./pricing.ts";
import { PROTOCOL } from "./record.ts";
import type { LedgerVerifier } from "./signing.ts";

export const SET_OFF_CONTEXT = "mcpfed/1 ledger-set-off";

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const sig = z.string().regex(/^[A-Za-z0-9_-]{1,8192}$/, "base64url");
const ms = z.number().int().min(0).max(2 ** 48 - 1);
const safeInt = z.number().int().min(Number.MIN_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER);
const percent = z.number().int().min(0).max(100);

/** floor(amount × limit / 100), exact for every safe integer amount. */
const share = (amount: number, limit: number) => Number((BigInt(amount) * BigInt(limit)) / 100n);

export const setOff = z
  .strictObject({
    v: z.literal(PROTOCOL),
    type: z.literal("set-off"),
    /** The clearing round's id. */
    round: hex64,
    debtor: nodeId,
    creditor: nodeId,
    unit: currencyUnit,
    /** What the round cleared on this edge; 0 still certifies the potentials. */
    amount: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    /** The obligation both parties submitted (§16), as matched by the coordinator. */
    obligation: z.strictObject({ amount: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER), asOf: ms, digest: hex64 }),
    /** The solver's node potentials at the two ends (§16). */
    potentials: z.strictObject({ debtor: safeInt, creditor: safeInt }),
    /** Each party's CLEARING_LIMIT as it submitted it: each checks its own, so neither can be understated. */
    limits: z.strictObject({ debtor: percent, creditor: percent }),
    /** Hex SHA-256 of the round's 32-byte secret. */
    hashlock: hex64,
    /** T: without the preimage by then, the set-off is void. */
    expires: ms,
  })
  .refine((s) => s.debtor !== s.creditor, { message: "a node owes itself nothing" })
  .refine((s) => s.amount <= share(s.obligation.amount, Math.min(s.limits.debtor, s.limits.creditor)), { message: "a set-off clears at most the obligation's share under both limits" });
export type SetOff = z.infer<typeof setOff>;

const setOffSigs = z.strictObject({ debtor: sig, creditor: sig });

export const signedSetOff = z.strictObject({ setOff, sigs: setOffSigs });
export type SignedSetOff = z.infer<typeof signedSetOff>;

export const setOffRecord = z.strictObject({ setOff, sigs: setOffSigs, preimage: hex64 });
export type SetOffRecord = z.infer<typeof setOffRecord>;

export const setOffBytes = (s: SetOff) => utf8(canonicalJson(s));

/** Hex SHA-256 of JCS(setOff): the ledger row's id on both nodes. */
export const setOffId = (s: SetOff) => sha256Hex(canonicalJson(s));

/** Hex SHA-256 of the 32 bytes a hex preimage names: the hashlock it opens. */
export const hashlockOf = (preimage: string) => bytesToHex(sha256(hexToBytes(preimage)));

export class SetOffError extends Error {
  override name = "SetOffError";
}

/** This node's signature on a set-off it is a party to, base64url; the caller places it under its role. */
export async function signSetOff(signer: EntrySigner, s: SetOff): Promise<string> {
  const checked = setOff.parse(s);
  if (signer.nodeId !== checked.debtor && signer.nodeId !== checked.creditor) throw new SetOffError(`${signer.nodeId} is not a party to this set-off`);
  return toBase64url(await signer.sign(setOffBytes(checked), SET_OFF_CONTEXT));
}

export type SetOffVerdict = "valid" | "malformed" | "unknown_node" | "bad_debtor_signature" | "bad_creditor_signature" | "wrong_preimage";

async function signedBy(verifier: LedgerVerifier, node: string, bytes: Uint8Array, signature: string): Promise<boolean | undefined> {
  const key = await verifier.keyOf(node);
  if (!key) return undefined;
  try {
    return await key.verify(bytes, fromBase64url(signature), SET_OFF_CONTEXT);
  } catch {
    // Undecodable or wrongly sized signatures make some verifiers throw rather than say no.
    return false;
  }
}

async function bothSigned(verifier: LedgerVerifier, s: SignedSetOff): Promise<Exclude<SetOffVerdict, "wrong_preimage" | "malformed">> {
  const bytes = setOffBytes(s.setOff);
  const d = await signedBy(verifier, s.setOff.debtor, bytes, s.sigs.debtor);
  if (d === undefined) return "unknown_node";
  if (!d) return "bad_debtor_signature";
  const c = await signedBy(verifier, s.setOff.creditor, bytes, s.sigs.creditor);
  if (c === undefined) return "unknown_node";
  return c ? "valid" : "bad_creditor_signature";
}

/** Both parties' signatures on a set-off, before the round's secret is revealed. */
export async function verifySignedSetOff(verifier: LedgerVerifier, input: unknown): Promise<Exclude<SetOffVerdict, "wrong_preimage">> {
  const parsed = signedSetOff.safeParse(input);
  if (!parsed.success) return "malformed";
  return bothSigned(verifier, parsed.data);
}

/** A set-off record as a ledger stores it: both signatures and the preimage of its hashlock. */
export async function verifySetOffRecord(verifier: LedgerVerifier, input: unknown): Promise<SetOffVerdict> {
  const parsed = setOffRecord.safeParse(input);
  if (!parsed.success) return "malformed";
  const signed = await bothSigned(verifier, parsed.data);
  if (signed !== "valid") return signed;
  return hashlockOf(parsed.data.preimage) === parsed.data.setOff.hashlock ? "valid" : "wrong_preimage";
}
