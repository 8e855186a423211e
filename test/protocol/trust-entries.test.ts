// The trust entry kinds (protocol §7.1.2): the vectors (test/vectors/trust-entries.json) checked
// against node:crypto and an independent JCS, admission's refusal of each bad entry for its
// stated reason, and a vouch altered after signing caught by its signature alone.
import { createHash, createPublicKey, verify } from "node:crypto";
import { readFileSync } from "node:fs";
import canonicalize from "canonicalize";
import { describe, expect, it } from "vitest";
import { fromBase64url } from "../../src/protocol/encoding/bytes.ts";
import { isRejection, screen } from "../../src/protocol/registry/admission.ts";
import { unsignedEntry } from "../../src/protocol/registry/entry.ts";
import { HybridClock } from "../../src/protocol/registry/hlc.ts";
import { ENTRY_CONTEXT, verifyEntry } from "../../src/protocol/registry/signing.ts";
import { TRUST_KINDS } from "../../src/protocol/registry/trust-entries.ts";

const vectors = JSON.parse(readFileSync(new URL("../vectors/trust-entries.json", import.meta.url), "utf8"));
const rules = { maxEntryBytes: 64 * 1024, clock: new HybridClock(() => vectors.clockMs), isBlocked: () => false, checkCard: async () => "no cards here" };
const originKey = createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: vectors.signers.origin.publicKey }, format: "jwk" });
/** The origin's key as node:crypto checks it, independent of the test signer's WebCrypto path. */
const keyring = {
  keyOf: async (origin: string) =>
    origin === vectors.signers.origin.nodeId
      ? { verify: async (m: Uint8Array, s: Uint8Array, context: string) => verify(null, Buffer.concat([Buffer.from(context), Buffer.from([0]), m]), originKey, s) }
      : undefined,
};

describe("trust entry vectors", () => {
  it("cover every kind, and match canonical bytes, ids and signatures computed with node:crypto", async () => {
    expect(new Set(vectors.entries.map((e: { signed: { kind: string } }) => e.signed.kind))).toEqual(new Set(TRUST_KINDS));
    for (const v of vectors.entries) {
      expect(unsignedEntry.parse(v.unsigned), v.name).toEqual(v.unsigned);
      expect(canonicalize(v.unsigned)).toBe(v.signingBytes);
      expect(canonicalize(v.signed)).toBe(v.canonical);
      expect(createHash("sha256").update(v.canonical).digest("hex")).toBe(v.id);
      const framed = Buffer.concat([Buffer.from(ENTRY_CONTEXT), Buffer.from([0]), Buffer.from(v.signingBytes)]);
      expect(verify(null, framed, originKey, Buffer.from(fromBase64url(v.signed.sig))), v.name).toBe(true);
      const screened = await screen(JSON.parse(v.canonical), rules);
      expect(isRejection(screened) ? screened.detail : "admitted", v.name).toBe("admitted");
      if (!isRejection(screened)) expect(await verifyEntry(screened, keyring)).toBe("valid");
    }
  });

  it("are refused by admission as malformed, each for its stated reason", async () => {
    expect(vectors.refused.length).toBeGreaterThanOrEqual(20);
    for (const r of vectors.refused) {
      const screened = await screen(r.entry, rules);
      expect(isRejection(screened) && { reason: screened.reason, detail: screened.detail }, r.name).toEqual({ reason: r.reason, detail: r.detail });
    }
  });

  it("catch a vouch altered after signing by its signature, though its shape admits it", async () => {
    const screened = await screen(vectors.forged.entry, rules);
    if (isRejection(screened)) throw new Error(screened.detail);
    expect(await verifyEntry(screened, keyring)).toBe(vectors.forged.verdict);
    expect(vectors.forged.verdict).toBe("bad_signature");
  });
});
