// The per-lane answer vectors (test/vectors/channel-lane-answers.json): every frame resealed byte
// for byte and opened, its answers sealed byte for byte by the responder and opened in order by the
// initiator; refused frames and misplaced answers with their codes. Then the answer keys and every
// answer again with node:crypto alone (HKDF-Expand over HMAC-SHA256, AES-256-GCM), without the code.
import { createDecipheriv, createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { CHANNEL_ERRORS, ChannelError } from "../../src/protocol/channel/errors.ts";
import { openFirstFlight, sealFirstFlight } from "../../src/protocol/channel/first-flight.ts";
import { encodeFrameHeader, parseFrame } from "../../src/protocol/channel/frame.ts";
import type { EpochSecrets } from "../../src/protocol/channel/handshake.ts";
import { openChannelFrame, type OpenChannelOptions } from "../../src/protocol/channel/open.ts";
import { sealChannelFrame } from "../../src/protocol/channel/seal.ts";
import { concat, fromBase64url, toBase64url, utf8 } from "../../src/protocol/encoding/bytes.ts";
import { vector } from "./paths.ts";

interface LaneAnswerVectors {
  now: number;
  skew: number;
  maxBytes: number;
  path: string;
  cid: string;
  timing: { startsAt: number; epochSeconds: number; expiresAt: number };
  secrets: { epoch: number; c: string; s: string };
  frames: { name: string; lane: string; seq: number; plaintext: string; header: string; id: string; answerKey: string; answerIv: string; frame: string; answers: { plaintext: string; sealed: string }[] }[];
  refused: { name: string; offered: boolean; frame: string; code: keyof typeof CHANNEL_ERRORS; status: number }[];
  misplaced: { name: string; frame: string; answer: string; index: number; code: "decrypt_failed" }[];
}

const v = vector<LaneAnswerVectors>("channel-lane-answers.json");
const b = fromBase64url;
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const secrets: EpochSecrets = { epoch: v.secrets.epoch, c: b(v.secrets.c), s: b(v.secrets.s) };

function options(offered: boolean, recorded = new Set<string>()): OpenChannelOptions {
  return {
    channels: { find: async (c) => (c === v.cid ? { peer: "initiator", ...v.timing, secretFor: async (e) => (e === secrets.epoch ? secrets : undefined) } : undefined) },
    replay: { seen: async (_s, jti) => recorded.has(jti), record: async (_s, jti) => !recorded.has(jti) && !!recorded.add(jti) },
    now: v.now,
    skew: v.skew,
    path: v.path,
    maxBytes: v.maxBytes,
    laneAnswers: offered,
  };
}

const seal = (f: LaneAnswerVectors["frames"][number]) =>
  sealChannelFrame({ cid: b(v.cid), secrets, lane: b(f.lane), seq: f.seq, laneAnswers: true, now: v.now, path: v.path, plaintext: utf8(f.plaintext) });

function hkdfExpand(prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  let t = new Uint8Array(0);
  const out: Uint8Array[] = [];
  for (let i = 1; out.reduce((n, x) => n + x.length, 0) < length; i++) {
    t = new Uint8Array(createHmac("sha256", prk).update(concat(t, info, Uint8Array.of(i))).digest());
    out.push(t);
  }
  return concat(...out).subarray(0, length);
}

describe("answers keyed per lane: the vectors", () => {
  it("each frame is resealed byte for byte, opens, and its answers are sealed byte for byte and open in order", async () => {
    for (const f of v.frames) {
      const frame = await seal(f);
      expect(toBase64url(frame.bytes), f.name).toBe(f.frame);
      const recorded = new Set<string>();
      const got = await openChannelFrame(b(f.frame), options(true, recorded));
      expect(text(got.plaintext)).toBe(f.plaintext);
      expect(got.header.laneAnswers).toBe(true);
      expect([...recorded]).toEqual([f.id]);
      for (const a of f.answers) {
        const sealed = await got.sealResponse(utf8(a.plaintext));
        expect(toBase64url(sealed), f.name).toBe(a.sealed);
        expect(text(await frame.openResponse(sealed))).toBe(a.plaintext);
      }
    }
  });

  it("refuses every refused frame with its code and status, recording nothing", async () => {
    for (const r of v.refused) {
      const recorded = new Set<string>();
      const err = await openChannelFrame(b(r.frame), options(r.offered, recorded)).catch((x: unknown) => x);
      expect(err, r.name).toBeInstanceOf(ChannelError);
      expect([(err as ChannelError).code, (err as ChannelError).status], r.name).toEqual([r.code, r.status]);
      expect(recorded.size).toBe(0);
    }
  });

  it("does not open an answer at another frame's seq or at another index", async () => {
    for (const m of v.misplaced) {
      const frame = await seal(v.frames.find((f) => f.name === m.frame)!);
      const err = await frame.openResponse(b(m.answer)).catch((x: unknown) => x);
      expect(err, m.name).toBeInstanceOf(ChannelError);
      expect((err as ChannelError).code).toBe(m.code);
    }
  });

  it("answer keys from the epoch's answer secret with node:crypto; every answer opens at iv XOR (u32(seq) || u64(i)) with the header as aad", () => {
    for (const f of v.frames) {
      const okm = hkdfExpand(secrets.s, concat(utf8("mcpfed/1 channel lane answer"), b(f.lane)), 44);
      expect([toBase64url(okm.subarray(0, 32)), toBase64url(okm.subarray(32))]).toEqual([f.answerKey, f.answerIv]);
      f.answers.forEach((a, i) => {
        const nonce = okm.slice(32);
        const view = new DataView(nonce.buffer);
        view.setUint32(0, view.getUint32(0) ^ f.seq);
        view.setUint32(8, view.getUint32(8) ^ i);
        const sealed = b(a.sealed);
        const d = createDecipheriv("aes-256-gcm", okm.subarray(0, 32), nonce);
        d.setAAD(b(f.header));
        d.setAuthTag(sealed.subarray(sealed.length - 16));
        expect(Buffer.concat([d.update(sealed.subarray(0, sealed.length - 16)), d.final()]).toString("utf8")).toBe(a.plaintext);
      });
    }
  });

  it("keeps the per-request schedule for a frame without the answers byte: its header is the version-1 header, its answer does not open as a per-lane one", async () => {
    const f = v.frames[0]!;
    const old = await sealChannelFrame({ cid: b(v.cid), secrets, lane: b(f.lane), seq: f.seq, now: v.now, path: v.path, plaintext: utf8(f.plaintext) });
    const parsed = parseFrame(old.bytes, v.maxBytes);
    expect(toBase64url(concat(parsed.headerBytes, Uint8Array.of(1)))).toBe(f.header);
    expect(parsed.header.laneAnswers).toBeUndefined();
    // A node that does not offer the feature still takes it, and answers it per request.
    const got = await openChannelFrame(old.bytes, options(false));
    const sealed = await got.sealResponse(utf8(f.answers[0]!.plaintext));
    expect(toBase64url(sealed)).not.toBe(f.answers[0]!.sealed);
    expect(text(await old.openResponse(sealed))).toBe(f.answers[0]!.plaintext);
    await expect((await seal(f)).openResponse(sealed)).rejects.toMatchObject({ code: "decrypt_failed" });
  });

  it("refuses a first flight whose header asks for answers per lane", async () => {
    const hs = new Uint8Array(32).fill(7);
    const first = await sealFirstFlight({ hs, lane: b(v.frames[0]!.lane), now: v.now, path: "/federation/v1/call", plaintext: utf8("{}") });
    const parsed = parseFrame(first.bytes, v.maxBytes);
    const header = encodeFrameHeader({ ...parsed.header, laneAnswers: true });
    const flagged = concat(Uint8Array.of(header.length >> 8, header.length & 0xff), header, parsed.sealed);
    const opts = { hs, now: v.now, skew: v.skew, path: "/federation/v1/call", maxBytes: v.maxBytes };
    await expect(openFirstFlight(flagged, opts)).rejects.toMatchObject({ code: "malformed" });
    expect(text((await openFirstFlight(first.bytes, opts)).plaintext)).toBe("{}");
  });
});
