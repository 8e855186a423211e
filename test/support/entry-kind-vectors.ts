// The vectors of one registry entry kind (built by scripts/vectors/entry-kinds.ts), read back and
// checked apart from the code that wrote them: canonical bytes with the `canonicalize` package,
// ids and Ed25519 signatures with node:crypto, and admission run as a receiver runs it, at the
// clock the file states.
import { createHash, createPublicKey, verify, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import canonicalize from "canonicalize";
import { expect } from "vitest";
import { fromBase64url } from "../../src/protocol/encoding/bytes.ts";
import { isRejection, screen, type AdmissionRules } from "../../src/protocol/registry/admission.ts";
import { unsignedEntry } from "../../src/protocol/registry/entry.ts";
import { HybridClock } from "../../src/protocol/registry/hlc.ts";
import { ENTRY_CONTEXT, verifyEntry, type EntryVerifier } from "../../src/protocol/registry/signing.ts";

export interface EntryKindVectors {
  /** The file as JSON.parse reads it. */
  vectors: any;
  rules: AdmissionRules;
  /** The file's signers' keys by node id, as node:crypto checks them (not the WebCrypto path that signed). */
  keys: Record<string, KeyObject>;
  keyOf(origin: string): { verify(m: Uint8Array, s: Uint8Array, context: string): Promise<boolean> } | undefined;
  keyring: EntryVerifier;
}

/** The vectors file at `path` under test/vectors/. */
export function entryKindVectors(path: string): EntryKindVectors {
  const vectors = JSON.parse(readFileSync(new URL(`../vectors/${path}`, import.meta.url), "utf8"));
  const rules = { maxEntryBytes: 64 * 1024, clock: new HybridClock(() => vectors.clockMs), isBlocked: () => false, checkCard: async () => "no cards here" };
  const keys: Record<string, KeyObject> = Object.fromEntries(
    Object.values(vectors.signers as Record<string, { publicKey: string; nodeId: string }>).map((s) => [s.nodeId, createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: s.publicKey }, format: "jwk" })]),
  );
  const keyOf = (origin: string) => {
    const key = keys[origin];
    return key && { verify: async (m: Uint8Array, s: Uint8Array, context: string) => verify(null, Buffer.concat([Buffer.from(context), Buffer.from([0]), m]), key, s) };
  };
  return { vectors, rules, keys, keyOf, keyring: { keyOf: async (origin: string) => keyOf(origin) } };
}

/** Every entry of `entries` matches its canonical bytes, id and signature computed here, and is admitted and verified. */
export async function expectSignedEntries({ vectors, rules, keys, keyring }: EntryKindVectors): Promise<void> {
  for (const v of vectors.entries) {
    expect(unsignedEntry.parse(v.unsigned), v.name).toEqual(v.unsigned);
    expect(canonicalize(v.unsigned)).toBe(v.signingBytes);
    expect(canonicalize(v.signed)).toBe(v.canonical);
    expect(createHash("sha256").update(v.canonical).digest("hex")).toBe(v.id);
    const framed = Buffer.concat([Buffer.from(ENTRY_CONTEXT), Buffer.from([0]), Buffer.from(v.signingBytes)]);
    expect(verify(null, framed, keys[v.signed.origin]!, Buffer.from(fromBase64url(v.signed.sig))), v.name).toBe(true);
    const screened = await screen(JSON.parse(v.canonical), rules);
    expect(isRejection(screened) ? screened.detail : "admitted", v.name).toBe("admitted");
    if (!isRejection(screened)) expect(await verifyEntry(screened, keyring)).toBe("valid");
  }
}

/** Every entry of `refused` is refused by admission for its stated reason and detail. */
export async function expectRefusedEntries({ vectors, rules }: EntryKindVectors): Promise<void> {
  for (const r of vectors.refused) {
    const screened = await screen(r.entry, rules);
    expect(isRejection(screened) && { reason: screened.reason, detail: screened.detail }, r.name).toEqual({ reason: r.reason, detail: r.detail });
  }
}
