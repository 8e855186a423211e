// The resource, resource-template and prompt entry kinds: the vectors (test/vectors/registry/items.json)
// checked against node:crypto independently of the code, and admission's refusals of each bad entry.
import { createHash, createPublicKey, verify } from "node:crypto";
import { readFileSync } from "node:fs";
import canonicalize from "canonicalize";
import { describe, expect, it } from "vitest";
import { fromBase64url } from "../../src/protocol/encoding/bytes.ts";
import { isRejection, screen } from "../../src/protocol/registry/admission.ts";
import { signedEntry, unsignedEntry } from "../../src/protocol/registry/entry.ts";
import { HybridClock } from "../../src/protocol/registry/hlc.ts";
import { itemOfKey, keyOfItem } from "../../src/protocol/registry/shared-items.ts";
import { ENTRY_CONTEXT } from "../../src/protocol/registry/signing.ts";

const vectors = JSON.parse(readFileSync(new URL("../vectors/registry/items.json", import.meta.url), "utf8"));
const rules = { maxEntryBytes: 64 * 1024, clock: new HybridClock(() => 0x01934df94f0e), isBlocked: () => false, checkCard: async () => "no cards here" };

describe("shared item entry vectors", () => {
  it("match canonical bytes, fingerprints, ids and signatures computed with node:crypto", async () => {
    const publicKey = createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: vectors.signer.publicKey }, format: "jwk" });
    expect(vectors.entries.map((e: { signed: { kind: string } }) => e.signed.kind).sort()).toEqual(["prompt", "prompt", "resource", "resource", "resource-template"]);
    for (const v of vectors.entries) {
      expect(unsignedEntry.parse(v.unsigned)).toEqual(v.unsigned);
      expect(canonicalize(v.unsigned)).toBe(v.signingBytes);
      expect(createHash("sha256").update(v.canonical).digest("hex")).toBe(v.id);
      const framed = Buffer.concat([Buffer.from(ENTRY_CONTEXT), Buffer.from([0]), Buffer.from(v.signingBytes)]);
      expect(verify(null, framed, publicKey, Buffer.from(fromBase64url(v.signed.sig)))).toBe(true);
      if (v.fingerprintInput) expect(v.signed.body.fingerprint).toBe(`sha256:${createHash("sha256").update(v.fingerprintInput).digest("hex")}`);
      const screened = await screen(v.signed, rules);
      expect(isRejection(screened)).toBe(false);
    }
  });

  it("are refused by admission, each for its stated reason", async () => {
    expect(vectors.refused.length).toBeGreaterThanOrEqual(5);
    for (const r of vectors.refused) {
      const screened = await screen(r.entry, rules);
      expect(isRejection(screened) && { reason: screened.reason, detail: screened.detail }, r.name).toEqual({ reason: r.reason, detail: r.detail });
    }
  });
});

describe("item keys", () => {
  it("carry a URI percent-encoded, one key per URI, and decode back", () => {
    const key = keyOfItem("resource", "docs", "file:///a b/ü@x");
    expect(key).toBe("docs/file%3A%2F%2F%2Fa%20b%2F%C3%BC%40x");
    expect(itemOfKey("resource", key)).toEqual({ upstream: "docs", name: "file:///a b/ü@x" });
    expect(keyOfItem("prompt", "docs", "summarise")).toBe("docs/summarise");
  });

  it("refuse a key with a stray percent sign, or one too long for the ledger's item id", () => {
    const tomb = { origin: "n1", kind: "resource", visibility: "peers", hlc: "01934df93d7b0000", tombstone: true, sig: "AA" };
    expect(signedEntry.safeParse({ ...tomb, key: "docs/%ZZ" }).success).toBe(false);
    expect(signedEntry.safeParse({ ...tomb, key: `docs/${"a".repeat(341)}` }).success).toBe(false);
    expect(signedEntry.safeParse({ ...tomb, key: `docs/${"a".repeat(340)}` }).success).toBe(true);
    expect(() => itemOfKey("resource", "docs/%C3")).toThrow(RangeError);
  });
});
