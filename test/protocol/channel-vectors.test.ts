// The peer-channel vectors (test/vectors/channel.json) on every crypto path: the initiator's
// ephemeral key and secrets, the responder's opening of the handshake envelope, every frame
// resealed byte for byte and opened, its answers, and every refused frame with its code. Then the
// whole key schedule again without the code under test: an unmodified HPKE and X-Wing for hs and
// ss, node:crypto for the hashes, HKDF and AES-GCM of every secret, frame and answer.
import { Aes256Gcm, CipherSuite, HkdfSha256 } from "@hpke/core";
import { XWing } from "@hpke/hybridkem-x-wing";
import { createDecipheriv, createHash, createHmac, hkdfSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { CHANNEL_ERRORS, ChannelError } from "../../src/protocol/channel/errors.ts";
import {
  acceptChannel,
  CHANNEL_EXPORT_LABEL,
  CHANNEL_SECRET_BYTES,
  channelAcceptResult,
  channelOpen,
  channelOpenRequest,
  completeChannel,
  ratchet,
  transcriptHash,
  type ChannelAccept,
  type EpochSecrets,
} from "../../src/protocol/channel/handshake.ts";
import { openChannelFrame } from "../../src/protocol/channel/open.ts";
import { sealChannelFrame } from "../../src/protocol/channel/seal.ts";
import { concat, fromBase64url, toBase64url, utf8 } from "../../src/protocol/encoding/bytes.ts";
import { openEnvelope } from "../../src/protocol/envelope/open.ts";
import { seal } from "../../src/protocol/envelope/seal.ts";
import { compositeVerifier } from "../../src/protocol/identity/composite.ts";
import { signingKeyFromSeed } from "../../src/protocol/identity/keys.ts";
import { deterministicMlDsa65 } from "../../src/protocol/identity/noble.ts";
import { noble, type Primitives } from "../../src/protocol/identity/primitives.ts";
import { xWing } from "../../src/protocol/identity/xwing.ts";
import { PATHS, vector } from "./paths.ts";

interface ChannelVectors {
  skew: number;
  maxBytes: number;
  handshake: {
    now: number;
    ephemeralSeed: string;
    request: { type: "channel-open"; ek: string };
    ekm: string;
    jti: string;
    envelope: string;
    hs: string;
    cid: string;
    eseed: string;
    ss: string;
    accept: ChannelAccept;
    answerNonce: string;
    answer: string;
    th: string;
  };
  epochs: { epoch: number; c: string; s: string }[];
  frames: {
    name: string;
    now: number;
    epoch: number;
    lane: string;
    seq: number;
    iat: number;
    path: string;
    plaintext: string;
    header: string;
    id: string;
    laneKey: string;
    laneIv: string;
    frame: string;
    answers: { plaintext: string; sealed: string }[];
  }[];
  refused: { name: string; now: number; path: string; seen?: string[]; maxBytes?: number; frame: string; code: keyof typeof CHANNEL_ERRORS; status: number }[];
}

const v = vector<ChannelVectors>("channel.json");
const e = vector<{ senderSeed: string; recipientSeed: string; recipientKemSeed: string; recipientKemKey: { kid: string; pub: string } }>("envelope.json");
const b = fromBase64url;
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const h = v.handshake;
const epochs: EpochSecrets[] = v.epochs.map((x) => ({ epoch: x.epoch, c: b(x.c), s: b(x.s) }));
const timing = { startsAt: h.accept.startsAt, epochSeconds: h.accept.epochSeconds, expiresAt: h.accept.expiresAt };

/** The responder's view of the vector channel, and a replay set the test can inspect. */
function responder(seen: string[] = []) {
  const recorded = new Set(seen);
  return {
    recorded,
    options: (now: number, path: string, maxBytes = v.maxBytes) => ({
      channels: { find: async (cid: string) => (cid === h.accept.channel ? { peer: "initiator", ...timing, secretFor: async (n: number) => ratchet(epochs[0]!, n) } : undefined) },
      replay: { seen: async (_s: string, jti: string) => recorded.has(jti), record: async (_s: string, jti: string) => !recorded.has(jti) && !!recorded.add(jti) },
      now,
      skew: v.skew,
      path,
      maxBytes,
      laneAnswers: true,
    }),
  };
}

describe.each(PATHS)("channel vectors on the %s path", (_name, p: Primitives) => {
  const canFixRandomness = p.mlKem768.impl === "noble";

  it("the responder opens the handshake envelope and exports hs; the transcript hash matches", async () => {
    const [alice, bob] = await Promise.all([signingKeyFromSeed(p, b(e.senderSeed)), signingKeyFromSeed(p, b(e.recipientSeed))]);
    const kem = await xWing(p).fromSeed(b(e.recipientKemSeed));
    const opened = await openEnvelope(b(h.envelope), {
      self: { nodeId: bob.nodeId, keys: { find: async () => ({ epoch: 0, keyId: e.recipientKemKey.kid, ...kem }) }, primitives: p },
      sender: async () => ({ verifier: await compositeVerifier(p, alice.signer.publicKey), version: "mcpfed/1" }),
      replay: { seen: async () => false, record: async () => true },
      now: h.now,
      skew: v.skew,
      method: "POST",
      path: "/federation/v1/channel",
      maxBytes: v.maxBytes,
    });
    expect(channelOpenRequest.parse(JSON.parse(text(opened.plaintext)))).toEqual(h.request);
    expect(toBase64url(await opened.exportSecret(CHANNEL_EXPORT_LABEL, CHANNEL_SECRET_BYTES))).toBe(h.hs);
    expect(toBase64url(transcriptHash(b(h.envelope), b(h.cid), b(h.accept.ct), timing))).toBe(h.th);
    if (canFixRandomness) {
      const accepted = await acceptChannel({
        primitives: p,
        request: h.request,
        envelope: b(h.envelope),
        hs: b(h.hs),
        now: h.now,
        epochSeconds: h.accept.epochSeconds,
        lifetimeSeconds: h.accept.expiresAt - h.accept.startsAt,
        fixed: { cid: b(h.cid), eseed: b(h.eseed) },
      });
      expect(accepted.accept).toEqual(h.accept);
      expect(toBase64url(accepted.secrets.c)).toBe(v.epochs[0]!.c);
      expect(toBase64url(accepted.secrets.s)).toBe(v.epochs[0]!.s);
      expect(toBase64url(await opened.sealResponse(utf8(JSON.stringify({ ok: true, result: h.accept })), b(h.answerNonce)))).toBe(h.answer);
    }
  });

  it("the initiator reproduces its ephemeral key, decapsulates the accept and derives epochs 0 and 1", async () => {
    const open = await channelOpen(p, b(h.ephemeralSeed));
    expect(open.request).toEqual(h.request);
    let accept = channelAcceptResult.parse(h.accept);
    if (canFixRandomness) {
      const alice = await signingKeyFromSeed({ ...noble, mlDsa65: deterministicMlDsa65 }, b(e.senderSeed));
      const bob = await signingKeyFromSeed(p, b(e.recipientSeed));
      const sealed = await seal({
        primitives: { ...p, mlDsa65: deterministicMlDsa65 },
        signer: alice.signer,
        from: alice.nodeId,
        to: bob.nodeId,
        recipientKey: e.recipientKemKey,
        version: "mcpfed/1",
        method: "POST",
        path: "/federation/v1/channel",
        plaintext: open.plaintext,
        now: h.now,
        fixed: { ekm: b(h.ekm), jti: b(h.jti) },
      });
      expect(toBase64url(sealed.bytes)).toBe(h.envelope);
      expect(toBase64url(await sealed.exportSecret(CHANNEL_EXPORT_LABEL, CHANNEL_SECRET_BYTES))).toBe(h.hs);
      accept = channelAcceptResult.parse(JSON.parse(text(await sealed.openResponse(b(h.answer)))).result);
    }
    const channel = await completeChannel({ primitives: p, ephemeral: open.ephemeral, envelope: b(h.envelope), hs: b(h.hs), accept, now: h.now, skew: v.skew });
    expect(toBase64url(channel.cid)).toBe(h.cid);
    expect(channel.timing).toEqual(timing);
    for (const x of v.epochs) {
      const secrets = ratchet(channel.secrets, x.epoch);
      expect([toBase64url(secrets.c), toBase64url(secrets.s)]).toEqual([x.c, x.s]);
    }
  });

  it("reseals every frame byte for byte, opens it, and its answers both ways", async () => {
    for (const f of v.frames) {
      const sent = await sealChannelFrame({ cid: b(h.cid), secrets: epochs[f.epoch]!, lane: b(f.lane), seq: f.seq, now: f.iat, path: f.path, plaintext: utf8(f.plaintext) });
      expect(toBase64url(sent.bytes), f.name).toBe(f.frame);
      const r = responder();
      const got = await openChannelFrame(b(f.frame), r.options(f.now, f.path));
      expect(text(got.plaintext)).toBe(f.plaintext);
      expect(got.from).toBe("initiator");
      expect([...r.recorded]).toEqual([f.id]);
      for (const a of f.answers) {
        expect(toBase64url(await got.sealResponse(utf8(a.plaintext)))).toBe(a.sealed);
        expect(text(await sent.openResponse(b(a.sealed)))).toBe(a.plaintext);
      }
    }
  });

  it("refuses every refused frame with its code and status, recording nothing", async () => {
    for (const r of v.refused) {
      const party = responder(r.seen);
      const err = await openChannelFrame(b(r.frame), party.options(r.now, r.path, r.maxBytes)).catch((x: unknown) => x);
      expect(err, r.name).toBeInstanceOf(ChannelError);
      expect((err as ChannelError).code, r.name).toBe(r.code);
      expect((err as ChannelError).status).toBe(r.status);
      expect([...party.recorded], r.name).toEqual(r.seen ?? []);
    }
  });
});

/** HKDF-Expand (RFC 5869 §2.3) over node:crypto's HMAC. */
function hkdfExpand(prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  const out: Uint8Array[] = [];
  let t = new Uint8Array(0);
  for (let i = 1; out.length * 32 < length; i++) out.push((t = new Uint8Array(createHmac("sha256", prk).update(concat(t, info, Uint8Array.of(i))).digest())));
  return concat(...out).slice(0, length);
}

function aesGcmOpen(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, sealed: Uint8Array): string {
  const d = createDecipheriv("aes-256-gcm", key, iv);
  d.setAAD(aad);
  d.setAuthTag(sealed.subarray(sealed.length - 16));
  return Buffer.concat([d.update(sealed.subarray(0, sealed.length - 16)), d.final()]).toString();
}

const xorCounter = (iv: Uint8Array, n: number) => {
  const out = iv.slice();
  const counter = new DataView(new ArrayBuffer(8));
  counter.setBigUint64(0, BigInt(n));
  for (let i = 0; i < 8; i++) out[4 + i]! ^= new Uint8Array(counter.buffer)[i]!;
  return out;
};

describe("channel vectors, independently of the code", () => {
  it("the key schedule from an unmodified HPKE and X-Wing (@hpke/core, @hpke/hybridkem-x-wing) and node:crypto", async () => {
    const envelope = b(h.envelope);
    const headerLength = (envelope[0]! << 8) | envelope[1]!;
    const enc = envelope.subarray(4 + headerLength, 4 + headerLength + 1120);
    const kem = new XWing();
    const suite = new CipherSuite({ kem, kdf: new HkdfSha256(), aead: new Aes256Gcm() });
    const ctx = await suite.createRecipientContext({ recipientKey: await kem.generateKeyPairDerand(b(e.recipientKemSeed)), enc, info: utf8("mcpfed/1 envelope") });
    const hs = new Uint8Array(await ctx.export(utf8("mcpfed/1 channel"), 32));
    expect(toBase64url(hs)).toBe(h.hs);
    const ephemeral = await kem.generateKeyPairDerand(b(h.ephemeralSeed));
    expect(toBase64url(new Uint8Array(await kem.serializePublicKey(ephemeral.publicKey)))).toBe(h.request.ek);
    const ss = new Uint8Array(await kem.decap({ enc: b(h.accept.ct), recipientKey: ephemeral }));
    expect(toBase64url(ss)).toBe(h.ss);
    const be = (n: number, bytes: number) => {
      const out = new DataView(new ArrayBuffer(bytes));
      if (bytes === 8) out.setBigUint64(0, BigInt(n));
      else out.setUint32(0, n);
      return new Uint8Array(out.buffer);
    };
    const th = createHash("sha256")
      .update(concat(be(envelope.length, 4), envelope, b(h.cid), b(h.accept.ct), be(h.accept.startsAt, 8), be(h.accept.epochSeconds, 4), be(h.accept.expiresAt, 8)))
      .digest();
    expect(toBase64url(th)).toBe(h.th);
    const c0 = new Uint8Array(hkdfSync("sha256", ss, hs, concat(utf8("mcpfed/1 channel c"), th), 32));
    const s0 = new Uint8Array(hkdfSync("sha256", ss, hs, concat(utf8("mcpfed/1 channel s"), th), 32));
    expect([toBase64url(c0), toBase64url(s0)]).toEqual([v.epochs[0]!.c, v.epochs[0]!.s]);
    const next = utf8("mcpfed/1 channel next");
    expect([toBase64url(hkdfExpand(c0, next, 32)), toBase64url(hkdfExpand(s0, next, 32))]).toEqual([v.epochs[1]!.c, v.epochs[1]!.s]);
  });

  it("lane keys and answer keys from the epoch secrets with node:crypto; every answer opens at its index", () => {
    for (const f of v.frames) {
      const okm = hkdfExpand(b(v.epochs[f.epoch]!.c), concat(utf8("mcpfed/1 channel lane"), b(f.lane)), 44);
      expect([toBase64url(okm.subarray(0, 32)), toBase64url(okm.subarray(32))]).toEqual([f.laneKey, f.laneIv]);
      const header = b(f.header);
      const aokm = hkdfExpand(b(v.epochs[f.epoch]!.s), concat(utf8("mcpfed/1 channel answer"), createHash("sha256").update(header).digest()), 44);
      f.answers.forEach((a, i) => expect(aesGcmOpen(aokm.subarray(0, 32), xorCounter(aokm.subarray(32), i), new Uint8Array(0), b(a.sealed))).toBe(a.plaintext));
    }
  });

  it("each frame decrypts with node:crypto AES-256-GCM from the stated lane key, iv XOR seq and the header as aad", () => {
    for (const f of v.frames) {
      const frame = b(f.frame);
      const header = b(f.header);
      expect((frame[0]! << 8) | frame[1]!).toBe(header.length);
      expect(toBase64url(frame.subarray(2, 2 + header.length))).toBe(f.header);
      expect(aesGcmOpen(b(f.laneKey), xorCounter(b(f.laneIv), f.seq), header, frame.subarray(2 + header.length))).toBe(f.plaintext);
    }
  });
});
