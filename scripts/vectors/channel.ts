// Peer channels (docs/protocol.md §5.6): a handshake between envelope.json's two nodes with fixed
// randomness, the secrets of epochs 0 and 1, frames on two lanes with their answers, and frames
// the opener refuses, each with the code it earns. Every expectation is checked against the code.
import { expand } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { concat, fromBase64url, utf8 } from "../../src/protocol/encoding/bytes.ts";
import { ChannelError, CHANNEL_ERRORS, type ChannelErrorCode } from "../../src/protocol/channel/errors.ts";
import { frameId, parseFrame } from "../../src/protocol/channel/frame.ts";
import { answerSchema } from "../../src/protocol/messages/federation.ts";
import { answerFrame } from "../../src/protocol/messages/relay.ts";
import { relayRequest } from "../../src/protocol/messages/relay-items.ts";
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
  type ChannelTiming,
  type EpochSecrets,
} from "../../src/protocol/channel/handshake.ts";
import { openChannelFrame } from "../../src/protocol/channel/open.ts";
import { sealChannelFrame } from "../../src/protocol/channel/seal.ts";
import { openEnvelope } from "../../src/protocol/envelope/open.ts";
import { seal, type SealInput } from "../../src/protocol/envelope/seal.ts";
import { compositeVerifier } from "../../src/protocol/identity/composite.ts";
import type { SigningKey } from "../../src/protocol/identity/keys.ts";
import { xWing, type XWing } from "../../src/protocol/identity/xwing.ts";
import { agree, b64, counting, p, write } from "./common.ts";

export interface ChannelInputs {
  initiator: { seed: Uint8Array; key: SigningKey };
  responder: { seed: Uint8Array; key: SigningKey; kemSeed: Uint8Array; kem: Awaited<ReturnType<XWing["fromSeed"]>>; kemKey: { kid: string; pub: string } };
  now: number;
}

export const CHANNEL_PATH = "/federation/v1/channel";
const SKEW = 60;
const MAX_BYTES = 1 << 20;
const EPOCH_SECONDS = 3600;
const LIFETIME_SECONDS = 86_400;

/** The code the real opener gives `frame` at `now` on `path`, with the ids in `seen` already recorded. */
async function refusal(channel: { cid: string; peer: string; timing: ChannelTiming; secrets: EpochSecrets }, frame: Uint8Array, now: number, path: string, seen: string[], maxBytes = MAX_BYTES) {
  const recorded = new Set(seen);
  try {
    await openChannelFrame(frame, {
      channels: { find: async (cid) => (cid === channel.cid ? { peer: channel.peer, ...channel.timing, secretFor: async (e) => ratchet(channel.secrets, e) } : undefined) },
      replay: { seen: async (_s, jti) => recorded.has(jti), record: async (_s, jti) => !recorded.has(jti) && !!recorded.add(jti) },
      now,
      skew: SKEW,
      path,
      maxBytes,
      laneAnswers: true,
    });
    return "accepted";
  } catch (err) {
    if (err instanceof ChannelError) return err.code;
    throw err;
  }
}

/** A channel-open envelope from the initiator to the responder at `i.now`, with fixed randomness. */
export const sealHandshake = (i: ChannelInputs, plaintext: SealInput["plaintext"], fixed: { ekm: Uint8Array; jti: Uint8Array }) =>
  seal({
    primitives: p,
    signer: i.initiator.key.signer,
    from: i.initiator.key.nodeId,
    to: i.responder.key.nodeId,
    recipientKey: i.responder.kemKey,
    version: "mcpfed/1",
    method: "POST",
    path: CHANNEL_PATH,
    plaintext,
    now: i.now,
    fixed,
  });

export async function channelVectors(i: ChannelInputs): Promise<void> {
  const now = i.now;
  // The handshake: the initiator's ephemeral key, its channel-open envelope, the responder's accept.
  const ephemeralSeed = counting(0x70);
  const open = await channelOpen(p, ephemeralSeed);
  agree("channel-open parses", open.request, channelOpenRequest.parse(JSON.parse(new TextDecoder().decode(open.plaintext))));
  const fixed = { ekm: counting(0x90, 64), jti: counting(0x58, 16) };
  const sealed = await sealHandshake(i, open.plaintext, fixed);
  const opened = await openEnvelope(sealed.bytes, {
    self: { nodeId: i.responder.key.nodeId, keys: { find: async () => ({ epoch: 0, keyId: i.responder.kemKey.kid, ...i.responder.kem }) }, primitives: p },
    sender: async () => ({ verifier: await compositeVerifier(p, i.initiator.key.signer.publicKey), version: "mcpfed/1" }),
    replay: { seen: async () => false, record: async () => true },
    now,
    skew: SKEW,
    method: "POST",
    path: CHANNEL_PATH,
    maxBytes: MAX_BYTES,
  });
  const hs = await opened.exportSecret(CHANNEL_EXPORT_LABEL, CHANNEL_SECRET_BYTES);
  agree("both ends export the same hs", b64(hs), b64(await sealed.exportSecret(CHANNEL_EXPORT_LABEL, CHANNEL_SECRET_BYTES)));
  const cid = counting(0x68, 16);
  const eseed = counting(0xb0, 64);
  const accepted = await acceptChannel({
    primitives: p,
    request: channelOpenRequest.parse(JSON.parse(new TextDecoder().decode(opened.plaintext))),
    envelope: sealed.bytes,
    hs,
    now,
    epochSeconds: EPOCH_SECONDS,
    lifetimeSeconds: LIFETIME_SECONDS,
    fixed: { cid, eseed },
  });
  const answer = utf8(JSON.stringify({ ok: true, result: accepted.accept }));
  const answerNonce = counting(0x38, 32);
  const sealedAnswer = await opened.sealResponse(answer, answerNonce);
  const accept = channelAcceptResult.parse((JSON.parse(new TextDecoder().decode(await sealed.openResponse(sealedAnswer))) as { result: unknown }).result);
  const initiator = await completeChannel({ primitives: p, ephemeral: open.ephemeral, envelope: sealed.bytes, hs, accept, now: now + 1, skew: SKEW });
  agree("both ends derive the same epoch-0 secrets", [b64(accepted.secrets.c), b64(accepted.secrets.s)], [b64(initiator.secrets.c), b64(initiator.secrets.s)]);
  // ss and th, recomputed from the parts for the vector file.
  const x = xWing(p);
  const { enc: ct, sharedSecret: ss } = await x.encapsulate(await x.importPublic(fromBase64url(open.request.ek)), eseed);
  agree("the accept carries the encapsulation", b64(ct), accepted.accept.ct);
  const th = transcriptHash(sealed.bytes, cid, ct, accepted.timing);
  const epochs = [accepted.secrets, ratchet(accepted.secrets, 1)];

  // Frames: two on lane A in epoch 0 (the first with two answers), one on lane B in epoch 0, two in epoch 1.
  const channel = { cid: accept.channel, peer: i.initiator.key.nodeId, timing: accepted.timing, secrets: accepted.secrets };
  const laneA = counting(0x01, 16);
  const laneB = counting(0xf0, 16);
  const frames = [];
  const made: Uint8Array[] = [];
  for (const f of [
    { name: "lane A, seq 0, two answers", epoch: 0, lane: laneA, seq: 0, iat: now + 5, path: "/federation/v1/ping", plaintext: '{"type":"ping"}', answers: [`{"at":${now + 5},"type":"pong"}`, '{"ok":true}'] },
    { name: "lane A, seq 1", epoch: 0, lane: laneA, seq: 1, iat: now + 6, path: "/federation/v1/cards", plaintext: '{"ids":["uefqlkt2io7xlxaorsldhnpbananvhry"],"type":"cards"}', answers: ['{"ok":true,"result":{"cards":[],"type":"cards"}}'] },
    { name: "lane B, seq 0", epoch: 0, lane: laneB, seq: 0, iat: now + 6, path: "/federation/v1/ping", plaintext: '{"type":"ping"}', answers: ["{}"] },
    { name: "epoch 1, lane B, seq 0", epoch: 1, lane: laneB, seq: 0, iat: now + EPOCH_SECONDS + 10, path: "/federation/v1/ping", plaintext: '{"type":"ping"}', answers: ["{}"] },
    // A call that asked no progress, answered plain (§6.6): one sealed answer, no frame around it.
    {
      name: "epoch 1, lane B, seq 1, a call answered plain",
      epoch: 1,
      lane: laneB,
      seq: 1,
      iat: now + EPOCH_SECONDS + 11,
      path: "/federation/v1/call",
      plaintext: '{"countersigned":[],"intent":{},"key":"nowhere/nothing","progress":false,"timeoutMs":5000,"type":"call"}',
      answers: ['{"ok":true,"result":{"acked":[],"error":{"code":"not_shared","message":"nowhere/nothing is not shared by this node"},"ok":false}}'],
    },
  ]) {
    const frame = await sealChannelFrame({ cid, secrets: epochs[f.epoch]!, lane: f.lane, seq: f.seq, now: f.iat, path: f.path, plaintext: utf8(f.plaintext) });
    const recorded = new Set<string>();
    const got = await openChannelFrame(frame.bytes, {
      channels: { find: async (c) => (c === channel.cid ? { peer: channel.peer, ...channel.timing, secretFor: async (e) => ratchet(channel.secrets, e) } : undefined) },
      replay: { seen: async (_s, jti) => recorded.has(jti), record: async (_s, jti) => !recorded.has(jti) && !!recorded.add(jti) },
      now: f.iat,
      skew: SKEW,
      path: f.path,
      maxBytes: MAX_BYTES,
      laneAnswers: true,
    });
    agree(`${f.name} opens`, f.plaintext, new TextDecoder().decode(got.plaintext));
    if (f.path === "/federation/v1/call") {
      agree(`${f.name}: a call that asked no progress`, true, relayRequest.safeParse(JSON.parse(f.plaintext)).success);
      const plain = answerSchema.parse(JSON.parse(f.answers[0]!));
      agree(`${f.name}: a plain answer holds a call's answer`, true, plain.ok && answerFrame.shape.answer.safeParse(plain.result).success);
    }
    const answers = [];
    for (const a of f.answers) {
      const sealedA = await got.sealResponse(utf8(a));
      agree(`${f.name}: its answer opens`, a, new TextDecoder().decode(await frame.openResponse(sealedA)));
      answers.push({ plaintext: a, sealed: b64(sealedA) });
    }
    const parsed = parseFrame(frame.bytes, MAX_BYTES);
    const keys = expand(sha256, epochs[f.epoch]!.c, concat(utf8("mcpfed/1 channel lane"), f.lane), 44);
    made.push(frame.bytes);
    frames.push({
      name: f.name,
      now: f.iat,
      epoch: f.epoch,
      lane: b64(f.lane),
      seq: f.seq,
      iat: f.iat,
      path: f.path,
      plaintext: f.plaintext,
      header: b64(parsed.headerBytes),
      id: frameId(parsed.header),
      laneKey: b64(keys.subarray(0, 32)),
      laneIv: b64(keys.subarray(32)),
      frame: b64(frame.bytes),
      answers,
    });
  }

  // Refusals. Bits are flipped past the 2-byte length prefix: in the header (lane), the ciphertext and the tag.
  const base = made[0]!;
  const at = (n: number) => now + 5 + n;
  const flip = (bytes: Uint8Array, index: number) => {
    const out = bytes.slice();
    out[index]! ^= 0x01;
    return out;
  };
  const headerLength = (base[0]! << 8) | base[1]!;
  const otherCid = await sealChannelFrame({ cid: counting(0x69, 16), secrets: epochs[0]!, lane: laneA, seq: 2, now: at(0), path: "/federation/v1/ping", plaintext: utf8("{}") });
  const oldEpoch = await sealChannelFrame({ cid, secrets: epochs[0]!, lane: laneA, seq: 3, now: now + EPOCH_SECONDS + SKEW + 1, path: "/federation/v1/ping", plaintext: utf8("{}") });
  const futureEpoch = await sealChannelFrame({ cid, secrets: epochs[1]!, lane: laneA, seq: 4, now: at(0), path: "/federation/v1/ping", plaintext: utf8("{}") });
  const refused: { name: string; frame: Uint8Array; now: number; path: string; seen?: string[]; maxBytes?: number; code: ChannelErrorCode }[] = [
    { name: "truncated inside the header", frame: base.subarray(0, 2 + headerLength - 1), now: at(0), path: "/federation/v1/ping", code: "malformed" },
    { name: "header length disagrees with the path length", frame: flip(base, 1), now: at(0), path: "/federation/v1/ping", code: "malformed" },
    { name: "a path byte that is not ASCII", frame: (() => { const f = base.slice(); f[2 + headerLength - 1] = 0xe9; return f; })(), now: at(0), path: "/federation/v1/ping", code: "malformed" },
    { name: "over the receiver's size limit", frame: base, maxBytes: base.length - 1, now: at(0), path: "/federation/v1/ping", code: "malformed" },
    { name: "unknown channel", frame: otherCid.bytes, now: at(0), path: "/federation/v1/ping", code: "unknown_channel" },
    { name: "wrong path", frame: base, now: at(0), path: "/federation/v1/cards", code: "wrong_endpoint" },
    { name: "iat too old", frame: base, now: at(SKEW + 1), path: "/federation/v1/ping", code: "expired" },
    { name: "iat in the future", frame: base, now: at(-SKEW - 1), path: "/federation/v1/ping", code: "not_yet_valid" },
    { name: "old epoch (epoch 0 after epoch 1 began, beyond the skew)", frame: oldEpoch.bytes, now: now + EPOCH_SECONDS + SKEW + 1, path: "/federation/v1/ping", code: "stale_epoch" },
    { name: "future epoch (epoch 1 long before it begins)", frame: futureEpoch.bytes, now: at(0), path: "/federation/v1/ping", code: "stale_epoch" },
    { name: "replay", frame: base, now: at(0), path: "/federation/v1/ping", seen: [frames[0]!.id], code: "replayed" },
    { name: "flipped bit in the header (lane)", frame: flip(base, 2 + 16 + 4), now: at(0), path: "/federation/v1/ping", code: "decrypt_failed" },
    { name: "flipped bit in the ciphertext", frame: flip(base, 2 + headerLength), now: at(0), path: "/federation/v1/ping", code: "decrypt_failed" },
    { name: "flipped bit in the tag", frame: flip(base, base.length - 1), now: at(0), path: "/federation/v1/ping", code: "decrypt_failed" },
    { name: "one byte short (the tag truncated)", frame: base.subarray(0, base.length - 1), now: at(0), path: "/federation/v1/ping", code: "decrypt_failed" },
    { name: "a trailing byte", frame: concat(base, Uint8Array.of(0)), now: at(0), path: "/federation/v1/ping", code: "decrypt_failed" },
  ];
  for (const r of refused) agree(r.name, r.code, await refusal(channel, r.frame, r.now, r.path, r.seen ?? [], r.maxBytes));
  agree("the unrefused frame opens", "accepted", await refusal(channel, base, at(0), "/federation/v1/ping", []));

  write("channel.json", {
    about:
      "Peer channels (docs/protocol.md §5.6). The handshake envelope goes from envelope.json's sender to its recipient (KEM key identity.json's xwing key), sealed with `ekm` and `jti`; " +
      "the initiator's ephemeral X-Wing key is from `ephemeralSeed`, the responder's encapsulation from `eseed`, its answer sealed with `answerNonce`. " +
      "`frames` open at their `now` (skew 60, limit 1 MiB) to `plaintext`; their `answers` open in order. `refused` frames earn `code` (with `status`) at `now` on `path`, with the ids in `seen` already recorded (and a receiver's own `maxBytes` where given).",
    skew: SKEW,
    maxBytes: MAX_BYTES,
    handshake: {
      now,
      ephemeralSeed: b64(ephemeralSeed),
      request: open.request,
      ekm: b64(fixed.ekm),
      jti: b64(fixed.jti),
      envelope: b64(sealed.bytes),
      hs: b64(hs),
      cid: b64(cid),
      eseed: b64(eseed),
      ss: b64(ss),
      accept: accepted.accept,
      answerNonce: b64(answerNonce),
      answer: b64(sealedAnswer),
      th: b64(th),
    },
    epochs: epochs.map((e) => ({ epoch: e.epoch, c: b64(e.c), s: b64(e.s) })),
    frames,
    refused: refused.map((r) => ({ name: r.name, now: r.now, path: r.path, ...(r.seen ? { seen: r.seen } : {}), ...(r.maxBytes ? { maxBytes: r.maxBytes } : {}), frame: b64(r.frame), code: r.code, status: CHANNEL_ERRORS[r.code] })),
  });
}
