// A transaction record: one relayed tool call between a consumer and a provider, as both nodes
// store it byte for byte. Three parts, each signed over the canonical (RFC 8785 JCS) form of
// everything before it: the consumer's intent, the provider's receipt, the consumer's
// countersignature (signing.ts). The record carries hashes of the request and the result, never
// the arguments or the result themselves: a ledger shared with a peer must not leak either.
import { z } from "zod";
import { nodeId } from "../identity/node-id.ts";
import { canonicalJson } from "../encoding/canonical-json.ts";
import { sha256Hex } from "../encoding/hash.ts";
import { currencyUnit, quote } from "./pricing.ts";
import { CHECKPOINT_SUITE } from "./suite.ts";

export const PROTOCOL = "mcpfed/1";

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const sha256 = z.string().regex(/^sha256:[0-9a-f]{64}$/);
const sig = z.string().regex(/^[A-Za-z0-9_-]{1,8192}$/, "base64url");
const ms = z.number().int().min(0).max(2 ** 48 - 1);

/** What the consumer asks for and the price it accepts. */
export const intent = z.strictObject({
  v: z.literal(PROTOCOL),
  /** 32 random bytes, hex: unique per call, and the record's name in reconciliation bounds. */
  id: hex64,
  consumer: nodeId,
  provider: nodeId,
  /** The tool's global id (`<origin>/<upstream>/<tool>`) and the fingerprint the consumer saw. */
  tool: z.strictObject({ id: z.string().min(3).max(512), fingerprint: sha256 }),
  /** `sha256:` of JCS of the call's params (name and arguments). */
  request: sha256,
  price: quote,
  requestedAt: ms,
  /** Absent: every part is composite-signed. CHECKPOINT_SUITE: Ed25519 parts, checkpoints later (suite.ts). */
  suite: z.literal(CHECKPOINT_SUITE).optional(),
});
export type Intent = z.infer<typeof intent>;

/** What the provider did and what it charges under the pinned price. */
export const receipt = z.strictObject({
  /** `sha256:` of JCS of the call's result. */
  result: sha256,
  durationMs: ms,
  completedAt: ms,
  units: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  amount: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  unit: currencyUnit.optional(),
});
export type Receipt = z.infer<typeof receipt>;

export const signatures = z.strictObject({
  intent: sig,
  receipt: sig,
  /** Absent while the record is pending. */
  countersign: sig.optional(),
});

export const record = z.strictObject({ intent, receipt, sigs: signatures });
export type LedgerRecord = z.infer<typeof record>;

export const signedIntent = z.strictObject({ intent, sig });
export type SignedIntent = z.infer<typeof signedIntent>;

/** The canonical text both nodes store and hash. */
export function canonicalRecord(r: LedgerRecord): string {
  return canonicalJson(r);
}

/** Hex SHA-256 of the canonical record: names this exact version in reconciliation. */
export function recordHash(r: LedgerRecord): Promise<string> {
  return canonicalRecordHash(canonicalRecord(r));
}

/** recordHash of a record whose canonical text (canonicalRecord's) is at hand. */
export function canonicalRecordHash(canonical: string): Promise<string> {
  return sha256Hex(canonical);
}

export async function contentHash(value: unknown): Promise<string> {
  return `sha256:${await sha256Hex(canonicalJson(value))}`;
}

/** The canonical text of anything received, for a flag: JCS when it has one, else its string form. */
export function receivedText(value: unknown): string {
  try {
    return canonicalJson(value);
  } catch {
    return String(value);
  }
}

export function newRecordId(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(32)), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The record without its countersignature: what a pending record is, and what the two sides compare. */
export function withoutCountersign(r: LedgerRecord): LedgerRecord {
  const { countersign: _c, ...sigs } = r.sigs;
  return { ...r, sigs };
}
