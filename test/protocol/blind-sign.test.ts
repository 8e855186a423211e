// The issuer's blind signature on its two paths (src/protocol/tokens/issuance.ts): node:crypto's raw
// RSA where the runtime passes it, blindrsa-ts otherwise. Same key and blinded message, same bytes;
// both refuse a message not below the modulus; the raw path refuses a signature that does not verify.
import { describe, expect, it } from "vitest";
import { blindTokenRequests, IssuanceError, signTokenRequests } from "../../src/protocol/tokens/issuance.ts";
import { generateIssuerKey, tokenKeyId } from "../../src/protocol/tokens/issuer-key.ts";
import type { RawRsa } from "../../src/protocol/tokens/raw-rsa.ts";
import { nodeRawRsa } from "../../src/runtimes/node-raw-rsa.ts";

const ISSUER = "blind-sign-issuer";

describe("blind signature, raw RSA and blindrsa-ts", () => {
  it("gives identical signatures for the same key and blinded messages, which the buyer accepts", async () => {
    for (let round = 0; round < 2; round++) {
      const keys = await generateIssuerKey();
      const blinded = await blindTokenRequests(ISSUER, keys.publicKey, 3);
      const native = await signTokenRequests(keys, blinded.requests, nodeRawRsa);
      const fallback = await signTokenRequests(keys, blinded.requests);
      expect(native.map((s) => Buffer.from(s).toString("hex"))).toEqual(fallback.map((s) => Buffer.from(s).toString("hex")));
      expect(new Set(native.map((s) => Buffer.from(s).toString("hex"))).size).toBe(3);
      // finalize unblinds and verifies each signature under the issuer's key (RFC 9474 §4.4).
      expect(await blinded.finalize(native)).toHaveLength(3);
    }
  });

  it("refuses, on both paths, a blinded message not below the modulus", async () => {
    const keys = await generateIssuerKey();
    const truncated = Number.parseInt(tokenKeyId(keys.publicKey).slice(-2), 16);
    const request = new Uint8Array([0x00, 0x02, truncated, ...new Uint8Array(256).fill(0xff)]);
    await expect(signTokenRequests(keys, [request], nodeRawRsa)).rejects.toThrow(IssuanceError);
    await expect(signTokenRequests(keys, [request])).rejects.toThrow(IssuanceError);
  });

  it("refuses a raw signature that does not verify (s^e mod n differs from the blinded message)", async () => {
    const keys = await generateIssuerKey();
    const blinded = await blindTokenRequests(ISSUER, keys.publicKey, 1);
    // A fault in the signing library: one bit of the signature flipped.
    const faulty: RawRsa = {
      impl: "faulty",
      key(privateKey, publicKey) {
        const key = nodeRawRsa.key(privateKey, publicKey);
        return {
          rsasp1: (m) => {
            const s = key.rsasp1(m);
            s[255]! ^= 1;
            return s;
          },
          rsavp1: key.rsavp1,
        };
      },
    };
    await expect(signTokenRequests(keys, blinded.requests, faulty)).rejects.toThrow(/signing failure/);
  });
});
