// Peer channels (docs/protocol.md §5.6): the handshake through real envelopes on each crypto path,
// round trips, every refusal code with nothing recorded in the real (libSQL) replay cache, epoch
// boundaries with the clock skew, two processes' lanes, and answers in order only.
import { expand } from "@noble/hashes/hkdf.js";
import { describe, expect, it } from "vitest";
import { ChannelError, type ChannelErrorCode } from "../../src/protocol/channel/errors.ts";
import { encodeFrameHeader, MAX_LANE_FRAMES, openFrame, parseFrame, sealFrame } from "../../src/protocol/channel/frame.ts";
import {
  acceptChannel,
  acceptsEpoch,
  CHANNEL_EXPORT_LABEL,
  CHANNEL_SECRET_BYTES,
  channelAcceptResult,
  channelOpen,
  channelOpenRequest,
  completeChannel,
  epochAt,
  MAX_EPOCHS,
  oldestAcceptableEpoch,
  ratchet,
  type ChannelTiming,
  type EpochSecrets,
} from "../../src/protocol/channel/handshake.ts";
import { openChannelFrame, type OpenChannelOptions, type ResponderChannel } from "../../src/protocol/channel/open.ts";
import { sealChannelFrame } from "../../src/protocol/channel/seal.ts";
import { concat, toBase64url, utf8 } from "../../src/protocol/encoding/bytes.ts";
import { openEnvelope } from "../../src/protocol/envelope/open.ts";
import { seal } from "../../src/protocol/envelope/seal.ts";
import { compositeVerifier } from "../../src/protocol/identity/composite.ts";
import { signingKeyFromSeed } from "../../src/protocol/identity/keys.ts";
import { noble, type Primitives } from "../../src/protocol/identity/primitives.ts";
import { xWing } from "../../src/protocol/identity/xwing.ts";
import { sha256 } from "@noble/hashes/sha2.js";
import { ReplayCache } from "../../src/store/replay-cache.ts";
import { replayCache } from "../../src/store/schema/index.ts";
import { memoryDb } from "../support/libsql.ts";
import { PATHS } from "./paths.ts";

const SKEW = 60;
const E = 3600;
const T0 = 1_767_225_600;
const PING = "/federation/v1/ping";
const text = (b: Uint8Array) => new TextDecoder().decode(b);
const lane = (n: number) => new Uint8Array(16).fill(n);

/** A full handshake through real envelopes: the initiator on `pi`, the responder on `pr`. */
async function handshake(pi: Primitives, pr: Primitives, o: { epochSeconds?: number; lifetimeSeconds?: number; now?: number } = {}) {
  const now = o.now ?? T0;
  const [alice, bob] = await Promise.all([signingKeyFromSeed(pi, new Uint8Array(32).fill(1)), signingKeyFromSeed(pr, new Uint8Array(32).fill(2))]);
  const bobKem = await xWing(pr).fromSeed(new Uint8Array(32).fill(3));
  const open = await channelOpen(pi);
  const sealed = await seal({
    primitives: pi,
    signer: alice.signer,
    from: alice.nodeId,
    to: bob.nodeId,
    recipientKey: { kid: "bobkembobkembobk", pub: toBase64url(bobKem.publicKey) },
    version: "mcpfed/1",
    method: "POST",
    path: "/federation/v1/channel",
    plaintext: open.plaintext,
    now,
  });
  const opened = await openEnvelope(sealed.bytes, {
    self: { nodeId: bob.nodeId, keys: { find: async () => ({ epoch: 0, keyId: "bobkembobkembobk", ...bobKem }) }, primitives: pr },
    sender: async () => ({ verifier: await compositeVerifier(pr, alice.signer.publicKey), version: "mcpfed/1" }),
    replay: { seen: async () => false, record: async () => true },
    now,
    skew: SKEW,
    method: "POST",
    path: "/federation/v1/channel",
    maxBytes: 1 << 20,
  });
  const responder = await acceptChannel({
    primitives: pr,
    request: channelOpenRequest.parse(JSON.parse(text(opened.plaintext))),
    envelope: sealed.bytes,
    hs: await opened.exportSecret(CHANNEL_EXPORT_LABEL, CHANNEL_SECRET_BYTES),
    now,
    epochSeconds: o.epochSeconds ?? E,
    lifetimeSeconds: o.lifetimeSeconds ?? 86_400,
  });
  const answer = await opened.sealResponse(utf8(JSON.stringify({ ok: true, result: responder.accept })));
  const accept = channelAcceptResult.parse(JSON.parse(text(await sealed.openResponse(answer))).result);
  const hs = await sealed.exportSecret(CHANNEL_EXPORT_LABEL, CHANNEL_SECRET_BYTES);
  const initiator = await completeChannel({ primitives: pi, ephemeral: open.ephemeral, envelope: sealed.bytes, hs, accept, now, skew: SKEW });
  return { initiator, responder, accept, peer: alice.nodeId, complete: (a: typeof accept) => completeChannel({ primitives: pi, ephemeral: open.ephemeral, envelope: sealed.bytes, hs, accept: a, now, skew: SKEW }) };
}

/** The responder's side over a real replay cache; `keepFrom` plays a store that erased older epochs. */
async function receiver(cid: Uint8Array, peer: string, timing: ChannelTiming, secrets: EpochSecrets, keepFrom = 0) {
  const db = await memoryDb();
  const replay = new ReplayCache(db);
  let ended = false;
  const channel: ResponderChannel = { peer, ...timing, secretFor: async (n) => (n >= keepFrom ? ratchet(secrets, n) : undefined) };
  const options = (o: Partial<OpenChannelOptions> = {}): OpenChannelOptions => ({
    channels: { find: async (c) => (!ended && c === toBase64url(cid) ? channel : undefined) },
    replay,
    now: T0,
    skew: SKEW,
    path: PING,
    maxBytes: 1 << 20,
    laneAnswers: true,
    ...o,
  });
  return {
    options,
    end: () => (ended = true),
    rows: async () => (await db.select().from(replayCache)).length,
    async code(bytes: Uint8Array, o: Partial<OpenChannelOptions> = {}): Promise<ChannelErrorCode | "accepted"> {
      try {
        await openChannelFrame(bytes, options(o));
        return "accepted";
      } catch (err) {
        if (err instanceof ChannelError) return err.code;
        throw err;
      }
    },
  };
}

describe.each(PATHS)("the handshake, initiator on noble and responder on the %s path (and back)", (_name, p) => {
  it("both ends derive the same secrets, whichever side runs which path", async () => {
    for (const [pi, pr] of [
      [noble, p],
      [p, noble],
    ] as const) {
      const { initiator, responder } = await handshake(pi, pr);
      expect(initiator.cid).toEqual(responder.cid);
      expect(initiator.timing).toEqual(responder.timing);
      expect(initiator.secrets).toEqual(responder.secrets);
      expect(initiator.secrets.c).not.toEqual(initiator.secrets.s);
    }
  });
});

describe("the handshake", () => {
  it("gives each handshake fresh secrets (fresh ephemeral key, channel id and encapsulation)", async () => {
    const [a, b] = await Promise.all([handshake(noble, noble), handshake(noble, noble)]);
    expect(a.initiator.cid).not.toEqual(b.initiator.cid);
    expect(a.initiator.secrets.c).not.toEqual(b.initiator.secrets.c);
  });

  it("binds the accepted timing: an accept edited within the limits yields other secrets", async () => {
    const h = await handshake(noble, noble);
    const edited = await h.complete({ ...h.accept, expiresAt: h.accept.expiresAt - 1 });
    expect(edited.secrets.c).not.toEqual(h.responder.secrets.c);
    const r = await receiver(h.responder.cid, h.peer, h.responder.timing, h.responder.secrets);
    const frame = await sealChannelFrame({ cid: edited.cid, secrets: edited.secrets, lane: lane(1), seq: 0, now: T0, path: PING, plaintext: utf8("{}") });
    expect(await r.code(frame.bytes)).toBe("decrypt_failed");
  });

  it("the initiator refuses an accept that starts outside its clock's skew", async () => {
    const h = await handshake(noble, noble);
    await expect(h.complete({ ...h.accept, startsAt: T0 + SKEW + 1, expiresAt: h.accept.expiresAt + SKEW + 1 })).rejects.toMatchObject({ code: "not_yet_valid" });
    await expect(h.complete({ ...h.accept, startsAt: T0 - SKEW - 1 })).rejects.toMatchObject({ code: "expired" });
    await expect(h.complete({ ...h.accept, startsAt: T0 + SKEW })).resolves.toBeDefined();
  });

  it("validates both messages: sizes, limits, canonical base64url, no extra fields", async () => {
    const h = await handshake(noble, noble);
    const ok = channelAcceptResult.safeParse(h.accept);
    expect(ok.success).toBe(true);
    for (const bad of [
      { ...h.accept, epochSeconds: 59 },
      { ...h.accept, epochSeconds: 86_401 },
      { ...h.accept, expiresAt: h.accept.startsAt + 59 },
      { ...h.accept, expiresAt: h.accept.startsAt + 604_801 },
      { ...h.accept, channel: toBase64url(new Uint8Array(15)) },
      { ...h.accept, ct: h.accept.ct.slice(0, -4) },
      { ...h.accept, channel: `${h.accept.channel.slice(0, -1)}B` },
      { ...h.accept, extra: 1 },
      { ...h.accept, type: "channel-open" },
    ]) {
      expect(channelAcceptResult.safeParse(bad).success, JSON.stringify(bad).slice(0, 80)).toBe(false);
    }
    const { request } = await channelOpen(noble);
    expect(channelOpenRequest.safeParse(request).success).toBe(true);
    expect(channelOpenRequest.safeParse({ ...request, ek: request.ek.slice(0, -4) }).success).toBe(false);
    expect(channelOpenRequest.safeParse({ ...request, extra: true }).success).toBe(false);
  });

  it("the responder refuses out-of-range configuration", async () => {
    const { request } = await channelOpen(noble);
    const base = { primitives: noble, request, envelope: new Uint8Array(1), hs: new Uint8Array(32), now: T0 };
    await expect(acceptChannel({ ...base, epochSeconds: 59, lifetimeSeconds: 3600 })).rejects.toThrow(RangeError);
    await expect(acceptChannel({ ...base, epochSeconds: 60, lifetimeSeconds: 604_801 })).rejects.toThrow(RangeError);
  });
});

describe("frames", () => {
  async function setup(keepFrom = 0, timing?: Partial<ChannelTiming>) {
    const h = await handshake(noble, noble);
    const t = { ...h.responder.timing, ...timing };
    const r = await receiver(h.responder.cid, h.peer, t, h.responder.secrets, keepFrom);
    const send = (o: { epoch?: number; lane?: Uint8Array; seq?: number; now?: number; path?: string; plaintext?: string; cid?: Uint8Array } = {}) =>
      sealChannelFrame({
        cid: o.cid ?? h.initiator.cid,
        secrets: ratchet(h.initiator.secrets, o.epoch ?? 0),
        lane: o.lane ?? lane(1),
        seq: o.seq ?? 0,
        now: o.now ?? T0,
        path: o.path ?? PING,
        plaintext: utf8(o.plaintext ?? '{"type":"ping"}'),
      });
    return { h, r, send, t };
  }

  it("round trip: many frames on one lane, each with its answers", async () => {
    const { r, send } = await setup();
    for (let seq = 0; seq < 20; seq++) {
      const f = await send({ seq, plaintext: `{"n":${seq}}` });
      const got = await openChannelFrame(f.bytes, r.options());
      expect(text(got.plaintext)).toBe(`{"n":${seq}}`);
      expect(got.header.seq).toBe(seq);
      for (let i = 0; i < 3; i++) expect(text(await f.openResponse(await got.sealResponse(utf8(`a${seq}.${i}`))))).toBe(`a${seq}.${i}`);
    }
    expect(await r.rows()).toBe(20);
  });

  it("keeps a lane's key per epoch secret: the same lane under the next epoch's or another channel's secret does not open", async () => {
    const [{ h }, other] = [await setup(), await handshake(noble, noble)];
    const header = { cid: h.initiator.cid, epoch: 0, lane: lane(1), seq: 0, iat: T0, path: PING };
    const secrets = [h.initiator.secrets.c, ratchet(h.initiator.secrets, 1).c, other.initiator.secrets.c];
    const sealed = await Promise.all(secrets.map((c) => sealFrame(c, header, utf8("same lane"))));
    for (const [i, c] of secrets.entries()) {
      for (const [j, f] of sealed.entries()) {
        const opening = openFrame(c, parseFrame(f.bytes, 1 << 20));
        if (i === j) expect(text(await opening)).toBe("same lane");
        else await expect(opening).rejects.toMatchObject({ code: "decrypt_failed" });
      }
    }
  });

  it("every refusal has its code, records nothing, and leaves the frame openable", async () => {
    const { h, r, send } = await setup();
    const good = await send();
    const bytes = good.bytes;
    const otherChannel = await send({ cid: new Uint8Array(16).fill(9) });
    const wrongKey = await sealChannelFrame({ cid: h.initiator.cid, secrets: { ...h.initiator.secrets, c: h.initiator.secrets.s }, lane: lane(1), seq: 0, now: T0, path: PING, plaintext: utf8("{}") });
    const cases: [string, Uint8Array, Partial<OpenChannelOptions>, ChannelErrorCode][] = [
      ["truncated", bytes.subarray(0, 30), {}, "malformed"],
      ["empty", new Uint8Array(0), {}, "malformed"],
      ["over the limit", bytes, { maxBytes: bytes.length - 1 }, "malformed"],
      ["unknown channel", otherChannel.bytes, {}, "unknown_channel"],
      ["after the channel's end", bytes, { now: h.responder.timing.expiresAt + SKEW }, "unknown_channel"],
      ["wrong endpoint", bytes, { path: "/federation/v1/call" }, "wrong_endpoint"],
      ["issued in the future", bytes, { now: T0 - SKEW - 1 }, "not_yet_valid"],
      ["expired", bytes, { now: T0 + SKEW + 1 }, "expired"],
      ["sealed with the wrong secret", wrongKey.bytes, {}, "decrypt_failed"],
    ];
    for (const [name, b, o, code] of cases) {
      expect(await r.code(b, o), name).toBe(code);
      expect(await r.rows(), name).toBe(0);
    }
    const future = await send({ epoch: 2 });
    expect(await r.code(future.bytes)).toBe("stale_epoch");
    expect(await r.rows()).toBe(0);
    // Accepted once; the copy is replayed, and a racing pair has exactly one winner.
    expect(await r.code(bytes)).toBe("accepted");
    expect(await r.code(bytes)).toBe("replayed");
    const twin = await send({ seq: 1 });
    const raced = await Promise.all([r.code(twin.bytes), r.code(twin.bytes), r.code(twin.bytes)]);
    expect(raced.filter((c) => c === "accepted")).toHaveLength(1);
    expect(raced.filter((c) => c === "replayed")).toHaveLength(2);
    expect(await r.rows()).toBe(2);
    // A channel ended by the node (peer blocked, key rotated) is unknown from then on.
    r.end();
    expect(await r.code((await send({ seq: 2 })).bytes)).toBe("unknown_channel");
  });

  it("runs the checks in order: a frame failing several earns the first one's code", async () => {
    const { r, send } = await setup();
    const f = await send();
    const badTag = f.bytes.slice();
    badTag[badTag.length - 1]! ^= 1;
    expect(await r.code(f.bytes)).toBe("accepted");
    // Seen before and a bad tag: the tag comes first (it costs less than the store), and nothing is recorded.
    const rows = await r.rows();
    expect(await r.code(badTag)).toBe("decrypt_failed");
    expect(await r.rows()).toBe(rows);
    const old = await send({ seq: 5, now: T0 - SKEW - 1 });
    expect(await r.code(old.bytes, { path: "/federation/v1/call" })).toBe("wrong_endpoint");
    const stale = await send({ seq: 6, epoch: 3 });
    expect(await r.code(stale.bytes, { now: T0 + SKEW + 1 })).toBe("expired");
    const staleBadTag = stale.bytes.slice();
    staleBadTag[staleBadTag.length - 1]! ^= 1;
    expect(await r.code(staleBadTag)).toBe("stale_epoch");
    expect(await r.rows()).toBe(1);
  });

  it("refuses a seq at or past 2^20 (a new lane is due) on both sides", async () => {
    const { r, send } = await setup();
    await expect(send({ seq: MAX_LANE_FRAMES })).rejects.toThrow(RangeError);
    const last = await send({ seq: MAX_LANE_FRAMES - 1 });
    const edited = last.bytes.slice();
    const seqAt = 2 + 16 + 4 + 16 + 4; // low u32 of seq
    new DataView(edited.buffer).setUint32(seqAt, MAX_LANE_FRAMES);
    expect(await r.code(edited)).toBe("malformed");
    expect(await r.code(last.bytes)).toBe("accepted");
  });

  it("epoch boundaries: the previous epoch until skew after the boundary, the next from skew before it", async () => {
    const { h, r, send, t } = await setup();
    const boundary = t.startsAt + E;
    let seq = 0;
    const at = async (epoch: number, now: number) => r.code((await send({ epoch, now, seq: seq++ })).bytes, { now });
    expect(await at(0, boundary + SKEW - 1)).toBe("accepted");
    expect(await at(0, boundary + SKEW)).toBe("stale_epoch");
    expect(await at(1, boundary - SKEW)).toBe("accepted");
    expect(await at(1, boundary - SKEW - 1)).toBe("stale_epoch");
    expect(await at(1, boundary + E - 1)).toBe("accepted");
    expect(await at(0, boundary + E)).toBe("stale_epoch");
    // A header naming epoch 1 over a frame sealed with epoch 0's secret does not open.
    const mislabelled = await sealChannelFrame({ cid: h.initiator.cid, secrets: { ...h.initiator.secrets, epoch: 1 }, lane: lane(7), seq: 0, now: boundary, path: PING, plaintext: utf8("{}") });
    expect(await r.code(mislabelled.bytes, { now: boundary })).toBe("decrypt_failed");
    expect(acceptsEpoch(t, 1, boundary, SKEW)).toBe(true);
    expect(epochAt(t, boundary)).toBe(1);
    expect(oldestAcceptableEpoch(t, boundary + SKEW - 1, SKEW)).toBe(0);
    expect(oldestAcceptableEpoch(t, boundary + SKEW, SKEW)).toBe(1);
    // The ratchet only runs forward, and never further than a channel can last.
    expect(() => ratchet(ratchet(h.initiator.secrets, 2), 1)).toThrow(RangeError);
    expect(() => ratchet(h.initiator.secrets, MAX_EPOCHS + 1)).toThrow(RangeError);
  });

  it("a frame whose epoch secret the store has ratcheted past is stale; no epoch starts at or after expiresAt", async () => {
    const { r, send, t } = await setup(1);
    const boundary = t.startsAt + E;
    expect(await r.code((await send({ epoch: 0, now: boundary + 1 })).bytes, { now: boundary + 1 })).toBe("stale_epoch");
    expect(await r.code((await send({ epoch: 1, now: boundary + 1 })).bytes, { now: boundary + 1 })).toBe("accepted");
    const short = await setup(0, { expiresAt: T0 + E + 100 });
    const end = short.t.startsAt + E;
    expect(acceptsEpoch(short.t, 1, end + 50, SKEW)).toBe(true);
    expect(acceptsEpoch({ ...short.t, expiresAt: end }, 1, end, SKEW)).toBe(false);
    expect(await short.r.code((await short.send({ epoch: 2, now: end + 90 })).bytes, { now: end + 90 })).toBe("stale_epoch");
    expect(await short.r.rows()).toBe(0);
  });

  it("two processes' lanes are both accepted and never share a key and nonce", async () => {
    const { h, r, send } = await setup();
    const lanes = [crypto.getRandomValues(new Uint8Array(16)), crypto.getRandomValues(new Uint8Array(16))];
    const used = new Set<string>();
    const ciphertexts = new Set<string>();
    for (let seq = 0; seq < 25; seq++) {
      for (const l of lanes) {
        const f = await send({ lane: l, seq, plaintext: "same plaintext" });
        expect(await r.code(f.bytes)).toBe("accepted");
        // The lane's key and nonce, derived here from the spec's formula.
        const okm = expand(sha256, h.initiator.secrets.c, concat(utf8("mcpfed/1 channel lane"), l), 44);
        const nonce = okm.slice(32);
        nonce[11]! ^= seq;
        used.add(toBase64url(concat(okm.subarray(0, 32), nonce)));
        ciphertexts.add(toBase64url(parseFrame(f.bytes, 1 << 20).sealed));
      }
    }
    expect(used.size).toBe(50);
    expect(ciphertexts.size).toBe(50);
    expect(await r.rows()).toBe(50);
  });

  it("answers open only in order: reordered, dropped, replayed or another request's answers are refused", async () => {
    const { r, send } = await setup();
    const f = await send();
    const other = await send({ seq: 1 });
    const got = await openChannelFrame(f.bytes, r.options());
    const gotOther = await openChannelFrame(other.bytes, r.options());
    const a = [await got.sealResponse(utf8("a0")), await got.sealResponse(utf8("a1")), await got.sealResponse(utf8("a2"))];
    const refused = async (x: Uint8Array) => expect(f.openResponse(x)).rejects.toMatchObject({ code: "decrypt_failed" });
    await refused(a[1]!); // reordered
    await refused(await gotOther.sealResponse(utf8("not yours")));
    expect(text(await f.openResponse(a[0]!))).toBe("a0");
    await refused(a[0]!); // replayed
    await refused(a[2]!); // a1 dropped
    const flipped = a[1]!.slice();
    flipped[0]! ^= 1;
    await refused(flipped);
    expect(text(await f.openResponse(a[1]!))).toBe("a1");
    expect(text(await f.openResponse(a[2]!))).toBe("a2");
  });

  it("the header encoder refuses what the parser would", () => {
    const base = { cid: new Uint8Array(16), epoch: 0, lane: lane(1), seq: 0, iat: T0, path: PING };
    expect(() => encodeFrameHeader({ ...base, path: "/federation/v1/pïng" })).toThrow(RangeError);
    expect(() => encodeFrameHeader({ ...base, lane: new Uint8Array(15) })).toThrow(RangeError);
    expect(() => encodeFrameHeader({ ...base, epoch: 2 ** 32 })).toThrow(RangeError);
  });
});
