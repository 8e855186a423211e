// Node's own Ed25519 (src/runtimes/node-ed25519.ts), which the Node entry point gives the node's
// identity in place of WebCrypto's: the same keys and signature bytes as the other paths, checked
// against test/vectors/identity.json, accepted and refused alike in both directions.
import { describe, expect, it } from "vitest";
import { concat, fromBase64url, toBase64url } from "../../src/protocol/encoding/bytes.ts";
import { compositeVerifier } from "../../src/protocol/identity/composite.ts";
import { signingKeyFromSeed } from "../../src/protocol/identity/keys.ts";
import { deterministicMlDsa65 } from "../../src/protocol/identity/noble.ts";
import { noble, primitives } from "../../src/protocol/identity/primitives.ts";
import { nodeEd25519 } from "../../src/runtimes/node-ed25519.ts";
import { PATHS, vector } from "../protocol/paths.ts";

interface IdentityVector {
  seed: string;
  signing: { publicKey: string };
  signature: { context: string; message: string; signature: string };
  rotation: { nextSeed: string };
}

const v = vector<IdentityVector>("identity.json");
const b = fromBase64url;
const withNode = { ...(await primitives()), ed25519: nodeEd25519 };

describe("Ed25519 from node:crypto", () => {
  it("derives the vector's key and reproduces its composite signature", async () => {
    const key = await signingKeyFromSeed({ ...noble, mlDsa65: deterministicMlDsa65, ed25519: nodeEd25519 }, b(v.seed));
    expect(toBase64url(key.signer.publicKey)).toBe(v.signing.publicKey);
    expect(toBase64url(await key.signer.sign(b(v.signature.message), v.signature.context))).toBe(v.signature.signature);
  });

  it.each(PATHS)("signs bytes identical to the %s path's, and each verifies the other's", async (_name, p) => {
    const seed = b(v.rotation.nextSeed).subarray(0, 32);
    const mine = await nodeEd25519.fromSeed(seed);
    const theirs = await p.ed25519.fromSeed(seed);
    expect(toBase64url(mine.publicKey)).toBe(toBase64url(theirs.publicKey));
    const message = b(v.signature.message);
    const signed = await nodeEd25519.sign(mine.privateKey, message);
    expect(toBase64url(signed)).toBe(toBase64url(await p.ed25519.sign(theirs.privateKey, message)));
    expect(await p.ed25519.verify(await p.ed25519.importPublic(mine.publicKey), signed, message)).toBe(true);
    expect(await nodeEd25519.verify(await nodeEd25519.importPublic(theirs.publicKey), signed, message)).toBe(true);
  });

  it("refuses a flipped bit, another message, a truncated signature and a malformed key", async () => {
    const { publicKey, privateKey } = await nodeEd25519.fromSeed(new Uint8Array(32).fill(5));
    const pub = await nodeEd25519.importPublic(publicKey);
    const message = Uint8Array.of(1, 2, 3);
    const signed = await nodeEd25519.sign(privateKey, message);
    const flipped = signed.slice();
    flipped[10]! ^= 1;
    expect(await nodeEd25519.verify(pub, signed, message)).toBe(true);
    expect(await nodeEd25519.verify(pub, flipped, message)).toBe(false);
    expect(await nodeEd25519.verify(pub, signed, concat(message, Uint8Array.of(0)))).toBe(false);
    expect(await nodeEd25519.verify(pub, signed.subarray(0, 63), message)).toBe(false);
    await expect(nodeEd25519.importPublic(publicKey.subarray(1))).rejects.toThrow();
    await expect(nodeEd25519.fromSeed(new Uint8Array(31))).rejects.toThrow();
  });

  it("serves the composite signature's Ed25519 half as the ledger's checkpoint suite uses it", async () => {
    const seed = b(v.seed);
    const key = await signingKeyFromSeed(withNode, seed);
    const probed = await signingKeyFromSeed(await primitives(), seed);
    const message = b(v.signature.message);
    const half = await key.signer.signEd25519(message, "mcpfed/1 ledger-receipt");
    expect(toBase64url(half)).toBe(toBase64url(await probed.signer.signEd25519(message, "mcpfed/1 ledger-receipt")));
    for (const p of [withNode, await primitives()]) {
      const verifier = await compositeVerifier(p, key.signer.publicKey);
      expect(await verifier.verifyEd25519(half, message, "mcpfed/1 ledger-receipt")).toBe(true);
      expect(await verifier.verifyEd25519(half, message, "mcpfed/1 ledger-intent")).toBe(false);
    }
  });
});
