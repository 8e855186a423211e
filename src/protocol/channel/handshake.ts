// The peer-channel handshake (docs/protocol.md §5.6): KEMTLS-style implicit authentication of the
// responder, a fresh ephemeral X-Wing key for forward secrecy (PQNoise), and a TLS 1.3-style key
// schedule with a key update per epoch (RFC 8446 §7.1, §7.2). The handshake travels as an
// ordinary envelope and sealed answer; this module holds its messages and the secrets it yields.
import { expand, extract } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { z } from "zod";
import { concat, fromBase64url, toBase64url, u32, u64, utf8 } from "../encoding/bytes.ts";
import type { Primitives } from "../identity/primitives.ts";
import { xWing, XWING_ENC_BYTES, XWING_PUBLIC_KEY_BYTES, XWING_SEED_BYTES, type XWingPrivateKey } from "../identity/xwing.ts";
import { ChannelError } from "./errors.ts";

export const CHANNEL_FEATURE = "channel";
/** The HPKE export label of `hs`, from the handshake envelope's context. */
export const CHANNEL_EXPORT_LABEL = utf8("mcpfed/1 channel");
export const CHANNEL_SECRET_BYTES = 32;
export const CHANNEL_ID_BYTES = 16;
export const MIN_EPOCH_SECONDS = 60;
export const MAX_EPOCH_SECONDS = 86_400;
export const MIN_LIFETIME_SECONDS = 60;
export const MAX_LIFETIME_SECONDS = 604_800;
/** The most epochs a channel can have: no ratchet ever runs further. */
export const MAX_EPOCHS = Math.ceil(MAX_LIFETIME_SECONDS / MIN_EPOCH_SECONDS);

const LABEL_C = utf8("mcpfed/1 channel c");
const LABEL_S = utf8("mcpfed/1 channel s");
const LABEL_NEXT = utf8("mcpfed/1 channel next");

/** base64url of exactly `n` bytes, in its one canonical form. */
const bytesB64 = (n: number) =>
  z.string().refine((s) => {
    try {
      return fromBase64url(s).length === n;
    } catch {
      return false;
    }
  }, `must be ${n} bytes, base64url`);

/** A frame or sealed answer in base64url (its size is bounded by the body that carries it). */
const frameB64 = z.string().regex(/^[A-Za-z0-9_-]+$/, "must be base64url");

/** Version 2 (§6.11): `first`, the first flight, a frame sealed under the envelope's exported secrets. */
export const channelOpenRequest = z.object({ type: z.literal("channel-open"), ek: bytesB64(XWING_PUBLIC_KEY_BYTES), first: frameB64.optional() }).strict();
export type ChannelOpen = z.infer<typeof channelOpenRequest>;

export const channelAcceptResult = z
  .object({
    type: z.literal("channel-accept"),
    channel: bytesB64(CHANNEL_ID_BYTES),
    ct: bytesB64(XWING_ENC_BYTES),
    startsAt: z.number().int().nonnegative(),
    epochSeconds: z.number().int().min(MIN_EPOCH_SECONDS).max(MAX_EPOCH_SECONDS),
    expiresAt: z.number().int().nonnegative(),
    /** The first flight's answer 0, when the request carried one. */
    first: frameB64.optional(),
  })
  .strict()
  .refine((a) => a.expiresAt - a.startsAt >= MIN_LIFETIME_SECONDS && a.expiresAt - a.startsAt <= MAX_LIFETIME_SECONDS, {
    message: `a channel lives ${MIN_LIFETIME_SECONDS} to ${MAX_LIFETIME_SECONDS} seconds`,
    path: ["expiresAt"],
  });
export type ChannelAccept = z.infer<typeof channelAcceptResult>;

/** When a channel's epochs run, and when it ends. */
export interface ChannelTiming {
  startsAt: number;
  epochSeconds: number;
  expiresAt: number;
}

/** The two secrets of one epoch: `c` keys requests (initiator → responder), `s` their answers. */
export interface EpochSecrets {
  epoch: number;
  c: Uint8Array;
  s: Uint8Array;
}

/** A channel as both ends hold it once the handshake is done. */
export interface EstablishedChannel {
  cid: Uint8Array;
  timing: ChannelTiming;
  secrets: EpochSecrets;
}

/** th = SHA-256(u32(len(envelope)) || envelope || cid || ct || u64(startsAt) || u32(epochSeconds) || u64(expiresAt)). */
export function transcriptHash(envelope: Uint8Array, cid: Uint8Array, ct: Uint8Array, t: ChannelTiming): Uint8Array {
  return sha256(concat(u32(envelope.length), envelope, cid, ct, u64(t.startsAt), u32(t.epochSeconds), u64(t.expiresAt)));
}

/** Epoch 0's secrets: prk = HKDF-Extract(salt = hs, IKM = ss), then one labelled expand each. */
export function keySchedule(hs: Uint8Array, ss: Uint8Array, th: Uint8Array): EpochSecrets {
  const prk = extract(sha256, ss, hs);
  return { epoch: 0, c: expand(sha256, prk, concat(LABEL_C, th), 32), s: expand(sha256, prk, concat(LABEL_S, th), 32) };
}

/** The secrets of a later epoch, each one step `HKDF-Expand(secret, "mcpfed/1 channel next", 32)`. */
export function ratchet(from: EpochSecrets, epoch: number): EpochSecrets {
  if (!Number.isSafeInteger(epoch) || epoch < from.epoch || epoch - from.epoch > MAX_EPOCHS) throw new RangeError(`cannot ratchet from epoch ${from.epoch} to ${epoch}`);
  let { c, s } = from;
  for (let n = from.epoch; n < epoch; n++) {
    c = expand(sha256, c, LABEL_NEXT, 32);
    s = expand(sha256, s, LABEL_NEXT, 32);
  }
  return { epoch, c, s };
}

/** The epoch `now` falls in (0 before the start). */
export function epochAt(t: ChannelTiming, now: number): number {
  return Math.max(0, Math.floor((now - t.startsAt) / t.epochSeconds));
}

/**
 * Whether a frame of `epoch` is acceptable at `now`: the current epoch, the previous one within
 * `skew` after the boundary, the next one within `skew` before it; never one starting at or
 * after `expiresAt`.
 */
export function acceptsEpoch(t: ChannelTiming, epoch: number, now: number, skew: number): boolean {
  const start = t.startsAt + epoch * t.epochSeconds;
  if (start >= t.expiresAt) return false;
  if (Math.abs(epoch - epochAt(t, now)) > 1) return false;
  return start <= now + skew && start + t.epochSeconds > now - skew;
}

/** The oldest epoch still acceptable at `now`: the secrets to keep; older ones may be erased. */
export function oldestAcceptableEpoch(t: ChannelTiming, now: number, skew: number): number {
  const current = epochAt(t, now);
  return current > 0 && acceptsEpoch(t, current - 1, now, skew) ? current - 1 : current;
}

/** Whether the channel has ended for every clock within `skew`: no frame can be accepted. */
export function channelEnded(t: ChannelTiming, now: number, skew: number): boolean {
  return now - skew >= t.expiresAt;
}

/** The initiator's first step: a fresh ephemeral X-Wing key and the channel-open plaintext. `seed`: vectors only. */
export async function channelOpen(p: Primitives, seed?: Uint8Array): Promise<{ request: ChannelOpen; plaintext: Uint8Array; ephemeral: XWingPrivateKey }> {
  const key = await xWing(p).fromSeed(seed ?? crypto.getRandomValues(new Uint8Array(XWING_SEED_BYTES)));
  const request: ChannelOpen = { type: "channel-open", ek: toBase64url(key.publicKey) };
  return { request, plaintext: utf8(JSON.stringify(request)), ephemeral: key.privateKey };
}

export interface AcceptInput {
  primitives: Primitives;
  request: ChannelOpen;
  /** The handshake envelope's exact bytes, and `hs` exported from its HPKE context. */
  envelope: Uint8Array;
  hs: Uint8Array;
  now: number;
  epochSeconds: number;
  lifetimeSeconds: number;
  /** Fixed randomness, for test vectors only: the channel id and X-Wing's 64-byte eseed. */
  fixed?: { cid: Uint8Array; eseed: Uint8Array };
}

/** The responder's step: a channel id, an encapsulation to `ek`, the accept answer and epoch 0's secrets. */
export async function acceptChannel(i: AcceptInput): Promise<EstablishedChannel & { accept: ChannelAccept }> {
  if (!Number.isInteger(i.epochSeconds) || i.epochSeconds < MIN_EPOCH_SECONDS || i.epochSeconds > MAX_EPOCH_SECONDS) {
    throw new RangeError(`epochSeconds must be ${MIN_EPOCH_SECONDS} to ${MAX_EPOCH_SECONDS}`);
  }
  if (!Number.isInteger(i.lifetimeSeconds) || i.lifetimeSeconds < MIN_LIFETIME_SECONDS || i.lifetimeSeconds > MAX_LIFETIME_SECONDS) {
    throw new RangeError(`lifetimeSeconds must be ${MIN_LIFETIME_SECONDS} to ${MAX_LIFETIME_SECONDS}`);
  }
  const x = xWing(i.primitives);
  let ek;
  try {
    ek = await x.importPublic(fromBase64url(i.request.ek));
  } catch {
    throw new ChannelError("malformed", "ek is not an X-Wing public key");
  }
  const { enc: ct, sharedSecret: ss } = await x.encapsulate(ek, i.fixed?.eseed);
  const cid = i.fixed?.cid ?? crypto.getRandomValues(new Uint8Array(CHANNEL_ID_BYTES));
  const timing = { startsAt: i.now, epochSeconds: i.epochSeconds, expiresAt: i.now + i.lifetimeSeconds };
  const accept: ChannelAccept = { type: "channel-accept", channel: toBase64url(cid), ct: toBase64url(ct), ...timing };
  return { cid, timing, secrets: keySchedule(i.hs, ss, transcriptHash(i.envelope, cid, ct, timing)), accept };
}

export interface CompleteInput {
  primitives: Primitives;
  /** The ephemeral private key from channelOpen; the caller drops it once this returns. */
  ephemeral: XWingPrivateKey;
  envelope: Uint8Array;
  hs: Uint8Array;
  /** The responder's answer, as parsed by channelAcceptResult. */
  accept: ChannelAccept;
  now: number;
  skew: number;
}

/** The initiator's last step: decapsulate, and derive the same secrets as the responder. */
export async function completeChannel(i: CompleteInput): Promise<EstablishedChannel> {
  const { accept } = i;
  if (accept.startsAt > i.now + i.skew) throw new ChannelError("not_yet_valid", "the channel starts in the future; check the responder's clock");
  if (accept.startsAt < i.now - i.skew) throw new ChannelError("expired", "the channel started too long ago");
  const cid = fromBase64url(accept.channel);
  const ct = fromBase64url(accept.ct);
  let ss: Uint8Array;
  try {
    ss = await xWing(i.primitives).decapsulate(i.ephemeral, ct);
  } catch {
    throw new ChannelError("malformed", "ct is not an X-Wing ciphertext");
  }
  const timing = { startsAt: accept.startsAt, epochSeconds: accept.epochSeconds, expiresAt: accept.expiresAt };
  return { cid, timing, secrets: keySchedule(i.hs, ss, transcriptHash(i.envelope, cid, ct, timing)) };
}
