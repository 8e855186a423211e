// Envelopes: the vector's bytes, round trips across paths, sealed answers, every refusal code,
// bit-by-bit tampering and random mutation. A refused envelope must change nothing: the replay
// cache stays empty, and the untouched envelope still opens afterwards.
import { Aes256Gcm, CipherSuite, HkdfSha256 } from "@hpke/core";
import { XWing } from "@hpke/hybridkem-x-wing";
import { createDecipheriv, hkdfSync } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { concat, fromBase64url, toBase64url, utf8 } from "../../src/protocol/encoding/bytes.ts";
import { EnvelopeError, type EnvelopeErrorCode } from "../../src/protocol/envelope/errors.ts";
import { openEnvelope, type KeyLookup, type OpenOptions, type Sender } from "../../src/protocol/envelope/open.ts";
import { ReplayCache } from "../../src/store/replay-cache.ts";
import { seal, type SealInput } from "../../src/protocol/envelope/seal.ts";
import { encodeHeader, frame, signedPart, type Header, ENVELOPE_CONTEXT } from "../../src/protocol/envelope/wire.ts";
import { compositeVerifier } from "../../src/protocol/identity/composite.ts";
import { KemKeyring } from "../../src/node/identity/kem-keyring.ts";
import type { KemKey } from "../../src/protocol/envelope/open.ts";
import { signingKeyFromSeed, type SigningKey } from "../../src/protocol/identity/keys.ts";
import { deterministicMlDsa65 } from "../../src/protocol/identity/noble.ts";
import { noble, type Primitives } from "../../src/protocol/identity/primitives.ts";
import { xWing } from "../../src/protocol/identity/xwing.ts";
import { replayCache } from "../../src/store/schema/index.ts";
import { memoryDb } from "../support/libsql.ts";
import { PATHS, vector } from "./paths.ts";

interface EnvelopeVector {
  senderSeed: string;
  recipientSeed: string;
  recipientKemSeed: string;
  recipientKemKey: { kid: string; pub: string };
  now: number;
  ekm: string;
  jti: string;
  plaintext: string;
  header: Header;
  envelope: string;
  response: { nonce: string; plaintext: string; sealed: string };
}

const v = vector<EnvelopeVector>("envelope.json");
const b = fromBase64url;
const PATH = "/federation/v1/ping";
const PERIOD = 3600;
// Mutation runs (vitest.mutation.config.ts) skip the two sweeps below: every surviving mutant would
// rerun their ~50 s, and test/protocol/ holds targeted tests for what they guard.
const sweep = process.env.MCPFED_MUTATION === "1" ? it.skip : it;

/** A sender and a recipient (with a real keyring and replay cache in libSQL) on one path. */
async function parties(p: Primitives) {
  const db = await memoryDb();
  const [alice, bob, carol] = await Promise.all([b(v.senderSeed), b(v.recipientSeed), new Uint8Array(32).fill(9)].map((s) => signingKeyFromSeed(p, s)));
  const keyring = new KemKeyring({ db, primitives: p, storageKey: new Uint8Array(32).fill(3), periodSeconds: PERIOD });
  const now = Math.floor(Date.now() / 1000);
  const [current] = await keyring.keys(now);
  const known = new Map<string, Sender>([[alice!.nodeId, { verifier: await compositeVerifier(p, alice!.signer.publicKey), version: "mcpfed/1" }]]);
  const replay = new ReplayCache(db);
  const options = (o: Partial<OpenOptions> = {}): OpenOptions => ({
    self: { nodeId: bob!.nodeId, keys: keyring, primitives: p },
    sender: async (h) => {
      const s = known.get(h.from);
      if (!s) throw new EnvelopeError("unknown_sender", "unknown");
      return s;
    },
    replay,
    now,
    skew: 60,
    method: "POST",
    path: PATH,
    maxBytes: 1 << 20,
    ...o,
  });
  const sealFrom = (signer: SigningKey, o: Partial<SealInput> = {}) =>
    seal({
      primitives: p,
      signer: signer.signer,
      from: signer.nodeId,
      to: bob!.nodeId,
      recipientKey: { kid: current!.keyId, pub: toBase64url(current!.publicKey) },
      version: "mcpfed/1",
      method: "POST",
      path: PATH,
      plaintext: utf8('{"type":"ping"}'),
      now,
      ...o,
    });
  const replayRows = async () => (await db.select().from(replayCache)).length;
  return { db, alice: alice!, bob: bob!, carol: carol!, keyring, current: current!, now, options, sealFrom, replayRows, known };
}

async function refusal(bytes: Uint8Array, o: OpenOptions): Promise<EnvelopeErrorCode | "accepted"> {
  try {
    await openEnvelope(bytes, o);
    return "accepted";
  } catch (err) {
    if (err instanceof EnvelopeError) return err.code;
    throw err;
  }
}

const vectorKeys = async (p: Primitives): Promise<KeyLookup> => {
  const k = await xWing(p).fromSeed(b(v.recipientKemSeed));
  const key: KemKey = { epoch: 0, keyId: v.recipientKemKey.kid, ...k };
  return { find: async (kid) => (kid === key.keyId ? key : undefined) };
};

describe("envelope test vector", () => {
  it("reseals to the vector's exact bytes from the fixed randomness", async () => {
    const p = { ...noble, mlDsa65: deterministicMlDsa65 };
    const alice = await signingKeyFromSeed(p, b(v.senderSeed));
    const bob = await signingKeyFromSeed(p, b(v.recipientSeed));
    const sealed = await seal({
      primitives: p,
      signer: alice.signer,
      from: alice.nodeId,
      to: bob.nodeId,
      recipientKey: v.recipientKemKey,
      version: "mcpfed/1",
      method: "POST",
      path: PATH,
      plaintext: b(v.plaintext),
      now: v.now,
      fixed: { ekm: b(v.ekm), jti: b(v.jti) },
    });
    expect(sealed.header).toEqual(v.header);
    expect(toBase64url(sealed.bytes)).toBe(v.envelope);
    expect(toBase64url(await sealed.openResponse(b(v.response.sealed)))).toBe(v.response.plaintext);
  });

  it("decrypts with an independent HPKE: @hpke/core's own HKDF and @hpke/hybridkem-x-wing", async () => {
    const bytes = b(v.envelope);
    const headerLength = (bytes[0]! << 8) | bytes[1]!;
    const headerBytes = bytes.subarray(2, 2 + headerLength);
    expect(new TextDecoder().decode(headerBytes)).toBe(new TextDecoder().decode(encodeHeader(v.header)));
    const enc = bytes.subarray(4 + headerLength, 4 + headerLength + 1120);
    const ctStart = 4 + headerLength + 1120 + 4;
    const ctLength = new DataView(bytes.buffer, bytes.byteOffset + ctStart - 4, 4).getUint32(0);
    const ct = bytes.subarray(ctStart, ctStart + ctLength);
    const kem = new XWing();
    const suite = new CipherSuite({ kem, kdf: new HkdfSha256(), aead: new Aes256Gcm() });
    const recipientKey = await kem.generateKeyPairDerand(b(v.recipientKemSeed));
    const ctx = await suite.createRecipientContext({ recipientKey, enc, info: utf8("mcpfed/1 envelope") });
    expect(toBase64url(new Uint8Array(await ctx.open(ct, headerBytes)))).toBe(v.plaintext);

    // The answer, derived as RFC 9458 §4.4 says, with node:crypto.
    const secret = new Uint8Array(await ctx.export(utf8("mcpfed/1 response"), 32));
    const sealed = b(v.response.sealed);
    const salt = concat(enc, sealed.subarray(0, 32));
    const key = new Uint8Array(hkdfSync("sha256", secret, salt, "key", 32));
    const iv = new Uint8Array(hkdfSync("sha256", secret, salt, "nonce", 12));
    const body = sealed.subarray(32);
    const decipher = createDecipheriv("aes-256-gcm", key, iv).setAuthTag(body.subarray(body.length - 16));
    const pt = concat(decipher.update(body.subarray(0, body.length - 16)), decipher.final());
    expect(toBase64url(pt)).toBe(v.response.plaintext);
  });

  it.each(PATHS)("opens on the %s path", async (_name, p) => {
    const alice = await signingKeyFromSeed(p, b(v.senderSeed));
    const bob = await signingKeyFromSeed(p, b(v.recipientSeed));
    const ids = new Set<string>();
    const opened = await openEnvelope(b(v.envelope), {
      self: { nodeId: bob.nodeId, keys: await vectorKeys(p), primitives: p },
      sender: async () => ({ verifier: await compositeVerifier(p, alice.signer.publicKey), version: "mcpfed/1" }),
      replay: { seen: async (_s, j) => ids.has(j), record: async (_s, j) => !ids.has(j) && !!ids.add(j) },
      now: v.now,
      skew: 60,
      method: "POST",
      path: PATH,
      maxBytes: 1 << 20,
    });
    expect(opened.header).toEqual(v.header);
    expect(toBase64url(opened.plaintext)).toBe(v.plaintext);
    expect(toBase64url(await opened.sealResponse(b(v.response.plaintext), b(v.response.nonce)))).toBe(v.response.sealed);
  });
});

describe.each(PATHS)("envelopes on the %s path", (_name, p) => {
  let t: Awaited<ReturnType<typeof parties>>;
  beforeAll(async () => {
    t = await parties(p);
  });

  it("round-trip with every other path, with a sealed answer only the sender opens", async () => {
    for (const [, other] of PATHS) {
      const s = await parties(other);
      const sealed = await s.sealFrom(s.alice, { primitives: p, plaintext: utf8("hello from one path to another") });
      const opened = await openEnvelope(sealed.bytes, s.options());
      expect(new TextDecoder().decode(opened.plaintext)).toBe("hello from one path to another");
      expect(opened.header.from).toBe(s.alice.nodeId);
      const answer = await opened.sealResponse(utf8("answer"));
      expect(new TextDecoder().decode(await sealed.openResponse(answer))).toBe("answer");
      const another = await s.sealFrom(s.alice);
      await expect(another.openResponse(answer)).rejects.toThrow(/does not open/);
      const flipped = answer.slice();
      flipped[40]! ^= 1;
      await expect(sealed.openResponse(flipped)).rejects.toThrow(/does not open/);
    }
  });

  it("refuses a replay, and a copy racing past the first check", async () => {
    const sealed = await t.sealFrom(t.alice);
    await openEnvelope(sealed.bytes, t.options());
    expect(await refusal(sealed.bytes, t.options())).toBe("replayed");
    const racing = await t.sealFrom(t.alice);
    const results = await Promise.all([refusal(racing.bytes, t.options()), refusal(racing.bytes, t.options())]);
    expect(results.sort()).toEqual(["accepted", "replayed"]);
  });

  it("refuses each kind of bad envelope with its code, changing nothing", async () => {
    const before = await t.replayRows();
    const ok = await t.sealFrom(t.alice);
    const o = t.options();
    const signedAs = async (h: Header, signer = t.alice) => {
      const hb = encodeHeader(h);
      const signed = signedPart(hb, new Uint8Array(1120), new Uint8Array(64));
      return frame(signed, await signer.signer.sign(signed, ENVELOPE_CONTEXT));
    };

    expect(await refusal(ok.bytes, { ...o, maxBytes: 1000 })).toBe("too_large");
    expect(await refusal(ok.bytes.subarray(0, 100), o)).toBe("malformed");
    expect(await refusal(concat(ok.bytes, Uint8Array.of(0)), o)).toBe("malformed");
    expect(await refusal((await t.sealFrom(t.carol)).bytes, o)).toBe("unknown_sender");
    expect(await refusal(await signedAs({ ...ok.header, suite: { ...ok.header.suite, aead: "chacha20-poly1305" } }), o)).toBe("unsupported_suite");
    expect(await refusal(await signedAs({ ...ok.header, v: "mcpfed/9" }), o)).toBe("unsupported_version");
    expect(await refusal(await signedAs({ ...ok.header, exp: ok.header.iat + 301 }), o)).toBe("malformed");
    // Signed by a key other than the one the sender is known by.
    expect(await refusal(await signedAs(ok.header, t.carol), o)).toBe("bad_signature");
    expect(await refusal((await t.sealFrom(t.alice, { to: t.carol.nodeId })).bytes, o)).toBe("wrong_recipient");
    expect(await refusal((await t.sealFrom(t.alice)).bytes, { ...o, path: "/federation/v1/hello" })).toBe("wrong_endpoint");
    expect(await refusal((await t.sealFrom(t.alice, { recipientKey: { kid: "aaaaaaaaaaaaaaaa", pub: toBase64url(t.current.publicKey) } })).bytes, o)).toBe("unknown_key");
    expect(await refusal((await t.sealFrom(t.alice, { now: t.now - 60 - 61 })).bytes, o)).toBe("expired");
    expect(await refusal((await t.sealFrom(t.alice, { now: t.now + 61 })).bytes, o)).toBe("not_yet_valid");
    // Validly signed by a known sender, but not a ciphertext for this node's key.
    expect(await refusal(await signedAs({ ...ok.header, jti: "AAAAAAAAAAAAAAAAAAAAAA" }), o)).toBe("decrypt_failed");

    expect(await t.replayRows()).toBe(before);
    await openEnvelope(ok.bytes, o);
    expect(await t.replayRows()).toBe(before + 1);
  });

  it("refuses a version the two nodes did not agree on (downgrade)", async () => {
    const versions = ["mcpfed/1", "mcpfed/2"];
    const agreed2 = t.options({ versions, sender: async () => ({ ...t.known.get(t.alice.nodeId)!, version: "mcpfed/2" }) });
    expect(await refusal((await t.sealFrom(t.alice, { version: "mcpfed/1" })).bytes, agreed2)).toBe("downgrade");
    expect(await refusal((await t.sealFrom(t.alice, { version: "mcpfed/2" })).bytes, agreed2)).toBe("accepted");
  });

  it("honours the previous encryption key for one epoch, then refuses it (unknown_key)", async () => {
    const s = await parties(p);
    const epochStart = Math.floor(s.now / PERIOD) * PERIOD;
    const sealedOld = await s.sealFrom(s.alice, { now: epochStart + PERIOD + 1 });
    const sealedOlder = await s.sealFrom(s.alice, { now: epochStart + 2 * PERIOD + 1 });
    expect(await refusal(sealedOld.bytes, s.options({ now: epochStart + PERIOD + 1 }))).toBe("accepted");
    expect(await refusal(sealedOlder.bytes, s.options({ now: epochStart + 2 * PERIOD + 1 }))).toBe("unknown_key");
  });

  sweep("refuses every single-bit flip of every field: lengths, header, enc, ciphertext, signature", async () => {
    const s = await parties(p);
    const sealed = await s.sealFrom(s.alice, { plaintext: utf8("tamper target") });
    const bytes = sealed.bytes;
    const o = s.options();
    const hl = (bytes[0]! << 8) | bytes[1]!;
    const ctAt = 2 + hl + 2 + 1120 + 4;
    const sigAt = bytes.length - 3373;
    // [name, start, end, every bit?]. Each flip of the ML-DSA half costs a full ML-DSA
    // verification (its Ed25519 half still holds), so there, and on the all-noble path (slow
    // Ed25519) outside the header, one bit per byte is flipped, rotating through the positions.
    const allBits = p !== noble;
    const fields: [string, number, number, boolean][] = [
      ["header length", 0, 2, true],
      ["header", 2, 2 + hl, true],
      ["enc length", 2 + hl, 4 + hl, true],
      ["enc", 4 + hl, 4 + hl + 1120, allBits],
      ["ciphertext length", ctAt - 4, ctAt, true],
      ["ciphertext", ctAt, sigAt - 2, true],
      ["signature length", sigAt - 2, sigAt, true],
      ["ML-DSA signature", sigAt, sigAt + 3309, false],
      ["Ed25519 signature", sigAt + 3309, bytes.length, allBits],
    ];
    for (const [field, from, to, every] of fields) {
      for (let i = from; i < to; i++) {
        for (let bit = 0; bit < 8; bit++) {
          if (!every && bit !== i % 8) continue;
          const mutated = bytes.slice();
          mutated[i]! ^= 1 << bit;
          expect(await refusal(mutated, o), `${field}: byte ${i - from} bit ${bit}`).not.toBe("accepted");
        }
      }
    }
    expect(await s.replayRows()).toBe(0);
    expect(await refusal(bytes, o)).toBe("accepted");
  }, 600_000);

  sweep("accepts none of thousands of random mutations, and records nothing", async () => {
    const s = await parties(p);
    const sealed = await s.sealFrom(s.alice, { plaintext: utf8("fuzz target") });
    const other = await s.sealFrom(s.alice, { plaintext: utf8("another envelope") });
    const o = s.options();
    let seed = 0x9e3779b9;
    const rand = (n: number) => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    const mutate = (x: Uint8Array): Uint8Array => {
      const m = x.slice();
      switch (rand(6)) {
        case 0:
          for (let k = 1 + rand(4); k > 0; k--) m[rand(m.length)]! ^= 1 << rand(8);
          return m;
        case 1:
          m[rand(m.length)] = rand(256);
          return m;
        case 2:
          return m.subarray(0, rand(m.length));
        case 3: {
          const at = rand(m.length);
          return concat(m.subarray(0, at), Uint8Array.of(rand(256)), m.subarray(at));
        }
        case 4: {
          const at = rand(m.length);
          return concat(m.subarray(0, at), m.subarray(at + 1 + rand(8)));
        }
        default: {
          // Splice: a prefix of one envelope onto the rest of another.
          const at = rand(Math.min(m.length, other.bytes.length));
          return concat(m.subarray(0, at), other.bytes.subarray(at));
        }
      }
    };
    const runs = p === noble ? 1000 : 3000;
    for (let i = 0; i < runs; i++) {
      const m = mutate(sealed.bytes);
      if (m.length === sealed.bytes.length && m.every((x, j) => x === sealed.bytes[j])) continue;
      if (m.length === other.bytes.length && m.every((x, j) => x === other.bytes[j])) continue;
      expect(await refusal(m, o), `mutation ${i}`).not.toBe("accepted");
    }
    expect(await s.replayRows()).toBe(0);
    expect(await refusal(sealed.bytes, o)).toBe("accepted");
  }, 600_000);
});
