// Identity derivation, the composite signature, X-Wing and rotation statements, checked against
// test/vectors/identity.json and against independent implementations, on every path.
import { XWing } from "@hpke/hybridkem-x-wing";
import { ml_kem768_x25519 } from "@noble/post-quantum/hybrid.js";
import { ml_dsa65 } from "@noble/post-quantum/ml-dsa.js";
import { createHash, createPublicKey, hkdfSync, verify as nodeVerify } from "node:crypto";
import { describe, expect, it } from "vitest";
import { concat, fromBase64url, toBase32, toBase64url, utf8 } from "../../src/protocol/encoding/bytes.ts";
import { compositeVerifier } from "../../src/protocol/identity/composite.ts";
import { XWING_ALG } from "../../src/protocol/identity/xwing.ts";
import { keyId, LABELS, signingKeyFromSeed } from "../../src/protocol/identity/keys.ts";
import { deterministicMlDsa65 } from "../../src/protocol/identity/noble.ts";
import { noble } from "../../src/protocol/identity/primitives.ts";
import { RotationError, signRotation, verifyChain, type RotationStatement } from "../../src/protocol/identity/rotation.ts";
import { xWing } from "../../src/protocol/identity/xwing.ts";
import { PATHS, vector } from "./paths.ts";

interface IdentityVector {
  seed: string;
  derived: Record<string, string>;
  signing: { publicKey: string; keyId: string; nodeId: string };
  signature: { context: string; message: string; signature: string };
  xwing: { seed: string; publicKey: string; keyId: string; eseed: string; enc: string; sharedSecret: string };
  rotation: { nextSeed: string; nextPublicKey: string; statement: RotationStatement };
}

const v = vector<IdentityVector>("identity.json");
const b = fromBase64url;
const seed = b(v.seed);
const sha256 = (data: Uint8Array) => new Uint8Array(createHash("sha256").update(data).digest());

describe("encodings", () => {
  it("base32 is RFC 4648's, lowercase, unpadded", () => {
    const cases: [string, string][] = [["", ""], ["f", "my"], ["fo", "mzxq"], ["foo", "mzxw6"], ["foob", "mzxw6yq"], ["fooba", "mzxw6ytb"], ["foobar", "mzxw6ytboi"]];
    for (const [input, out] of cases) expect(toBase32(utf8(input))).toBe(out);
  });

  it("base64url decoding refuses padding, other alphabets and non-canonical trailing bits", () => {
    expect(toBase64url(b("AQI"))).toBe("AQI");
    expect(() => b("AQI=")).toThrow();
    expect(() => b("AQ+")).toThrow();
    expect(() => b("AQJ")).toThrow(); // same bytes as AQI with a stray low bit
  });
});

describe("identity derivation", () => {
  it("derives each signing seed with HKDF-SHA256, salt mcpfed/1, its label as info", () => {
    for (const label of [LABELS.mlDsa65, LABELS.ed25519]) {
      const expected = new Uint8Array(hkdfSync("sha256", seed, "mcpfed/1", label, 32));
      expect(toBase64url(expected)).toBe(v.derived[label]);
    }
  });

  it("names keys by thumbprint: node id 32 base32 characters, key id 16", () => {
    const pk = b(v.signing.publicKey);
    const thumb = sha256(concat(utf8("mldsa65-ed25519"), Uint8Array.of(0), pk));
    expect(v.signing.nodeId).toBe(toBase32(thumb.subarray(0, 20)));
    expect(v.signing.keyId).toBe(toBase32(thumb.subarray(0, 10)));
    expect(v.signing.nodeId).toMatch(/^[a-z2-7]{32}$/);
    const xThumb = sha256(concat(utf8("x-wing"), Uint8Array.of(0), b(v.xwing.publicKey)));
    expect(v.xwing.keyId).toBe(toBase32(xThumb.subarray(0, 10)));
  });

  it.each(PATHS)("gives the vector's keys and ids on the %s path", async (_name, p) => {
    const key = await signingKeyFromSeed(p, seed);
    expect(toBase64url(key.signer.publicKey)).toBe(v.signing.publicKey);
    expect(key.keyId).toBe(v.signing.keyId);
    expect(key.nodeId).toBe(v.signing.nodeId);
    expect(await keyId(XWING_ALG, (await xWing(p).fromSeed(b(v.xwing.seed))).publicKey)).toBe(v.xwing.keyId);
  });
});

describe("composite ML-DSA-65 + Ed25519 signature", () => {
  const msg = b(v.signature.message);
  const sig = b(v.signature.signature);
  const ctx = v.signature.context;

  it("reproduces the vector's signature with deterministic ML-DSA", async () => {
    const key = await signingKeyFromSeed({ ...noble, mlDsa65: deterministicMlDsa65 }, seed);
    expect(toBase64url(await key.signer.sign(msg, ctx))).toBe(v.signature.signature);
  });

  it("is the draft's construction: both halves sign M' = prefix || label || len(ctx) || ctx || SHA-512(M)", () => {
    const label = utf8("COMPSIG-MLDSA65-Ed25519-SHA512");
    const c = utf8(ctx);
    const mPrime = concat(utf8("CompositeAlgorithmSignatures2025"), label, Uint8Array.of(c.length), c, new Uint8Array(createHash("sha512").update(msg).digest()));
    const pk = b(v.signing.publicKey);
    expect(sig.length).toBe(3309 + 64);
    expect(ml_dsa65.verify(sig.subarray(0, 3309), mPrime, pk.subarray(0, 1952), { context: label })).toBe(true);
    const edKey = createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: toBase64url(pk.subarray(1952)) }, format: "jwk" });
    expect(nodeVerify(null, mPrime, edKey, sig.subarray(3309))).toBe(true);
  });

  it.each(PATHS)("signs and verifies on the %s path, interchangeably with the other", async (_name, p) => {
    const verifier = await compositeVerifier(p, b(v.signing.publicKey));
    expect(await verifier.verify(sig, msg, ctx)).toBe(true);
    const key = await signingKeyFromSeed(p, seed);
    const own = await key.signer.sign(msg, ctx);
    for (const [, other] of PATHS) expect(await (await compositeVerifier(other, key.signer.publicKey)).verify(own, msg, ctx)).toBe(true);
  });

  it.each(PATHS)("requires both halves, the same context and the same message on the %s path", async (_name, p) => {
    const verifier = await compositeVerifier(p, b(v.signing.publicKey));
    const otherKey = await signingKeyFromSeed(p, b(v.rotation.nextSeed));
    const foreign = await otherKey.signer.sign(msg, ctx);
    expect(await verifier.verify(concat(sig.subarray(0, 3309), foreign.subarray(3309)), msg, ctx)).toBe(false);
    expect(await verifier.verify(concat(foreign.subarray(0, 3309), sig.subarray(3309)), msg, ctx)).toBe(false);
    expect(await verifier.verify(sig, msg, "mcpfed/1 other")).toBe(false);
    expect(await verifier.verify(sig, concat(msg, Uint8Array.of(0)), ctx)).toBe(false);
    expect(await verifier.verify(sig.subarray(1), msg, ctx)).toBe(false);
  });
});

describe("X-Wing", () => {
  const pk = b(v.xwing.publicKey);

  it("matches two independent implementations: @noble's hybrid and @hpke/hybridkem-x-wing", async () => {
    expect(toBase64url(ml_kem768_x25519.keygen(b(v.xwing.seed)).publicKey)).toBe(v.xwing.publicKey);
    const hpke = new XWing();
    const pair = await hpke.generateKeyPairDerand(b(v.xwing.seed));
    expect(toBase64url(new Uint8Array(await hpke.serializePublicKey(pair.publicKey)))).toBe(v.xwing.publicKey);
    const { cipherText, sharedSecret } = ml_kem768_x25519.encapsulate(pk, b(v.xwing.eseed));
    expect(toBase64url(cipherText)).toBe(v.xwing.enc);
    expect(toBase64url(sharedSecret)).toBe(v.xwing.sharedSecret);
  });

  it("reproduces the vector's encapsulation from fixed randomness (noble path)", async () => {
    const x = xWing(noble);
    const e = await x.encapsulate(await x.importPublic(pk), b(v.xwing.eseed));
    expect(toBase64url(e.enc)).toBe(v.xwing.enc);
    expect(toBase64url(e.sharedSecret)).toBe(v.xwing.sharedSecret);
  });

  it.each(PATHS)("keys, decapsulates the vector and round-trips with the reference on the %s path", async (_name, p) => {
    const x = xWing(p);
    const k = await x.fromSeed(b(v.xwing.seed));
    expect(toBase64url(k.publicKey)).toBe(v.xwing.publicKey);
    expect(toBase64url(await x.decapsulate(k.privateKey, b(v.xwing.enc)))).toBe(v.xwing.sharedSecret);
    const fresh = await x.encapsulate(await x.importPublic(pk));
    expect(toBase64url(ml_kem768_x25519.decapsulate(fresh.enc, b(v.xwing.seed)))).toBe(toBase64url(fresh.sharedSecret));
  });

  it.each(PATHS)("refuses keys and ciphertexts of the wrong size on the %s path", async (_name, p) => {
    const x = xWing(p);
    await expect(x.importPublic(pk.subarray(1))).rejects.toThrow(/1216/);
    const k = await x.fromSeed(b(v.xwing.seed));
    await expect(x.decapsulate(k.privateKey, b(v.xwing.enc).subarray(1))).rejects.toThrow(/1120/);
  });
});

describe("signing-key rotation statements", () => {
  const next = b(v.rotation.nextPublicKey);

  it("reproduces the vector's statement", async () => {
    const key = await signingKeyFromSeed({ ...noble, mlDsa65: deterministicMlDsa65 }, seed);
    expect(await signRotation(key.nodeId, key.signer, next, v.rotation.statement.iat)).toEqual(v.rotation.statement);
  });

  it.each(PATHS)("lead from the node id to the new key on the %s path", async (_name, p) => {
    const keys = await verifyChain(p, v.signing.nodeId, [v.rotation.statement], next);
    expect(keys.map(toBase64url)).toEqual([v.signing.publicKey, v.rotation.nextPublicKey]);
  });

  it.each(PATHS)("are refused for another node id, another new key, a later time or a foreign signer on the %s path", async (_name, p) => {
    const s = v.rotation.statement;
    const otherId = (await signingKeyFromSeed(p, b(v.rotation.nextSeed))).nodeId;
    await expect(verifyChain(p, otherId, [s], next)).rejects.toThrow(RotationError);
    await expect(verifyChain(p, v.signing.nodeId, [s], b(v.signing.publicKey))).rejects.toThrow(/not signed/);
    await expect(verifyChain(p, v.signing.nodeId, [{ ...s, iat: s.iat + 1 }], next)).rejects.toThrow(/not signed/);
    // The new key signing its own hand-over: the chain then starts at a key the id does not name.
    const nextKey = await signingKeyFromSeed(p, b(v.rotation.nextSeed));
    const forged = await signRotation(v.signing.nodeId, nextKey.signer, next, s.iat);
    await expect(verifyChain(p, v.signing.nodeId, [forged], next)).rejects.toThrow(/does not name/);
  });
});
