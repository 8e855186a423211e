// A request on a peer channel (docs/protocol.md §5.6): a short binary header, then AES-256-GCM
// under a key of the sender's lane with TLS 1.3's per-record nonce (RFC 8446 §5.3: IV XOR the
// sequence number). Answers need no nonce on the wire: they are keyed to the request's header, or
// (a header ending in the answers byte, feature `channel-lane-answers`) to its lane, with the
// request's seq in the nonce and the header as associated data.
//
//   header = cid(16) || u32(epoch) || lane(16) || u64(seq) || u64(iat) || u8(len(path)) || path [|| u8(1)]
//   frame  = u16(len(header)) || header || ct || tag(16)
import { expand } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { concat, toBase64url, u16, u32, u64, utf8 } from "../encoding/bytes.ts";
import { ChannelError } from "./errors.ts";
import { CHANNEL_ID_BYTES } from "./handshake.ts";

export const CHANNEL_CONTENT_TYPE = "application/mcpfed-channel";
export const LANE_BYTES = 16;
/** A sender starts a new lane after this many frames; a receiver refuses a higher `seq`. */
export const MAX_LANE_FRAMES = 2 ** 20;
const TAG_BYTES = 16;
const FIXED_HEADER_BYTES = CHANNEL_ID_BYTES + 4 + LANE_BYTES + 8 + 8 + 1;
// The routes federation messages travel on; the same rule as the envelope header's `path`.
const PATH = /^\/federation\/v\d+\/[a-z-]+$/;
const LABEL_LANE = utf8("mcpfed/1 channel lane");
const LABEL_ANSWER = utf8("mcpfed/1 channel answer");
const LABEL_LANE_ANSWER = utf8("mcpfed/1 channel lane answer");
/** The card feature of a responder that takes frames whose answers are keyed per lane (§5.6). */
export const LANE_ANSWERS_FEATURE = "channel-lane-answers";
/** The last header byte of a frame whose answers are keyed per lane. */
const LANE_ANSWERS = 1;

export interface FrameHeader {
  cid: Uint8Array;
  epoch: number;
  lane: Uint8Array;
  seq: number;
  /** Seconds since the epoch. */
  iat: number;
  path: string;
  /** Answers keyed per lane (the header ends in the answers byte); absent or false: per request. */
  laneAnswers?: boolean;
}

export interface ParsedFrame {
  header: FrameHeader;
  /** The exact header bytes: the AEAD's associated data, and what answers are keyed to. */
  headerBytes: Uint8Array;
  /** ct || tag. */
  sealed: Uint8Array;
}

export function encodeFrameHeader(h: FrameHeader): Uint8Array {
  if (h.cid.length !== CHANNEL_ID_BYTES || h.lane.length !== LANE_BYTES) throw new RangeError("cid and lane must be 16 bytes");
  if (!PATH.test(h.path) || h.path.length > 255) throw new RangeError(`not a federation path: ${h.path}`);
  if (!Number.isInteger(h.epoch) || h.epoch < 0 || h.epoch > 0xffffffff) throw new RangeError("epoch must be a u32");
  if (!Number.isInteger(h.seq) || h.seq < 0 || h.seq >= MAX_LANE_FRAMES) throw new RangeError(`seq must be below ${MAX_LANE_FRAMES}; start a new lane`);
  const path = utf8(h.path);
  const head = concat(h.cid, u32(h.epoch), h.lane, u64(h.seq), u64(h.iat), Uint8Array.of(path.length), path);
  return h.laneAnswers ? concat(head, Uint8Array.of(LANE_ANSWERS)) : head;
}

/** The replay cache's id of a frame: b64url(cid || u32(epoch) || lane || u64(seq)). */
export function frameId(h: FrameHeader): string {
  return toBase64url(concat(h.cid, u32(h.epoch), h.lane, u64(h.seq)));
}

const readU32 = (b: Uint8Array, at: number) => ((b[at]! << 24) >>> 0) + (b[at + 1]! << 16) + (b[at + 2]! << 8) + b[at + 3]!;

/** Splits and checks a frame's framing and header (check 1, `malformed`); no cryptography. */
export function parseFrame(bytes: Uint8Array, maxBytes: number): ParsedFrame {
  if (bytes.length > maxBytes) throw new ChannelError("malformed", `frame of ${bytes.length} bytes exceeds ${maxBytes}`);
  if (bytes.length < 2 + FIXED_HEADER_BYTES + TAG_BYTES) throw new ChannelError("malformed", "frame too short");
  const headerLength = (bytes[0]! << 8) | bytes[1]!;
  const headerBytes = bytes.subarray(2, 2 + headerLength);
  if (headerLength < FIXED_HEADER_BYTES || bytes.length < 2 + headerLength + TAG_BYTES) throw new ChannelError("malformed", "frame truncated");
  let at = 0;
  const take = (n: number) => headerBytes.subarray(at, (at += n));
  const cid = take(CHANNEL_ID_BYTES);
  const epoch = readU32(take(4), 0);
  const lane = take(LANE_BYTES);
  const seqBytes = take(8);
  const iatBytes = take(8);
  const pathLength = take(1)[0]!;
  // The header length must be exactly what its path length says, with or without the answers byte:
  // no bytes hide between header and ciphertext.
  const laneAnswers = FIXED_HEADER_BYTES + pathLength + 1 === headerLength;
  if (FIXED_HEADER_BYTES + pathLength !== headerLength && !laneAnswers) throw new ChannelError("malformed", "header length and path length disagree");
  const path = String.fromCharCode(...take(pathLength));
  if (laneAnswers && take(1)[0] !== LANE_ANSWERS) throw new ChannelError("malformed", "unknown answers byte");
  if (!PATH.test(path)) throw new ChannelError("malformed", "path is not a federation route");
  // seq below 2^20 (rekey by count); iat within 2^53.
  if (readU32(seqBytes, 0) !== 0 || readU32(seqBytes, 4) >= MAX_LANE_FRAMES) throw new ChannelError("malformed", `seq must be below ${MAX_LANE_FRAMES}`);
  if (readU32(iatBytes, 0) > 0x1fffff) throw new ChannelError("malformed", "iat out of range");
  const header: FrameHeader = { cid, epoch, lane, seq: readU32(seqBytes, 4), iat: readU32(iatBytes, 0) * 2 ** 32 + readU32(iatBytes, 4), path, ...(laneAnswers ? { laneAnswers } : {}) };
  return { header, headerBytes, sealed: bytes.subarray(2 + headerLength) };
}

type Cipher = { key: CryptoKey; iv: Uint8Array };

async function cipher(secret: Uint8Array, info: Uint8Array): Promise<Cipher> {
  const okm = expand(sha256, secret, info, 44);
  return { key: await crypto.subtle.importKey("raw", okm.subarray(0, 32) as BufferSource, "AES-GCM", false, ["encrypt", "decrypt"]), iv: okm.slice(32) };
}

/** iv XOR (u32(high) || u64(n)): high is 0 for requests and per-request answers, the request's seq for per-lane answers. */
function nonce(iv: Uint8Array, n: number, high = 0): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(iv);
  const counter = u64(n);
  for (let i = 0; i < 8; i++) out[4 + i]! ^= counter[i]!;
  out[0]! ^= high >>> 24;
  out[1]! ^= (high >>> 16) & 0xff;
  out[2]! ^= (high >>> 8) & 0xff;
  out[3]! ^= high & 0xff;
  return out;
}

/** Lanes whose keys are kept per epoch secret; past this the oldest goes (it is derived again if needed). */
const KEPT_LANES = 64;
// A lane's keys, kept as long as its epoch's secret is: keyed by the secret's bytes object, so when
// the holder ratchets past the epoch and drops that object, its lanes' keys go with it. Requests'
// keys hang off c, per-lane answers' off s: two different objects, two maps for clarity.
const requestLanes = new WeakMap<Uint8Array, Map<string, Promise<Cipher>>>();
const answerLanes = new WeakMap<Uint8Array, Map<string, Promise<Cipher>>>();

function keptCipher(bySecret: WeakMap<Uint8Array, Map<string, Promise<Cipher>>>, secret: Uint8Array, label: Uint8Array, lane: Uint8Array): Promise<Cipher> {
  let lanes = bySecret.get(secret);
  if (!lanes) bySecret.set(secret, (lanes = new Map()));
  const id = toBase64url(lane);
  let kept = lanes.get(id);
  if (!kept) {
    if (lanes.size >= KEPT_LANES) lanes.delete(lanes.keys().next().value!);
    kept = cipher(secret, concat(label, lane));
    lanes.set(id, kept);
    kept.catch(() => lanes.delete(id));
  }
  return kept;
}

const laneCipher = (c: Uint8Array, lane: Uint8Array) => keptCipher(requestLanes, c, LABEL_LANE, lane);

/** The whole frame: header, then the plaintext sealed under `c` (the epoch's request secret). */
export async function sealFrame(c: Uint8Array, header: FrameHeader, plaintext: Uint8Array): Promise<{ bytes: Uint8Array; headerBytes: Uint8Array }> {
  const headerBytes = encodeFrameHeader(header);
  const { key, iv } = await laneCipher(c, header.lane);
  const ct = await crypto.subtle.encrypt({ name: "AES-GCM", iv: nonce(iv, header.seq), additionalData: headerBytes as BufferSource }, key, plaintext as BufferSource);
  return { bytes: concat(u16(headerBytes.length), headerBytes, new Uint8Array(ct)), headerBytes };
}

/** The plaintext of a parsed frame, or `decrypt_failed`. */
export async function openFrame(c: Uint8Array, f: ParsedFrame): Promise<Uint8Array> {
  const { key, iv } = await laneCipher(c, f.header.lane);
  try {
    return new Uint8Array(
      await crypto.subtle.decrypt({ name: "AES-GCM", iv: nonce(iv, f.header.seq), additionalData: f.headerBytes as BufferSource }, key, f.sealed as BufferSource),
    );
  } catch {
    throw new ChannelError("decrypt_failed", "the frame does not open with this channel's key");
  }
}

export interface AnswerCipher {
  seal(i: number, plaintext: Uint8Array): Promise<Uint8Array>;
  open(i: number, sealed: Uint8Array): Promise<Uint8Array>;
}

/**
 * The keys of the answers to one request, by its header: keyed to the header itself (answer i under
 * aiv XOR i, no associated data), or, when the header ends in the answers byte, the lane's answer
 * key (derived once per lane and epoch) with answer i under aiv XOR (u32(seq) || u64(i)) and the
 * header as associated data. The header bytes must not change while the answers are sealed.
 */
export async function answerCipher(s: Uint8Array, header: FrameHeader, headerBytes: Uint8Array): Promise<AnswerCipher> {
  const { key, iv } = header.laneAnswers ? await keptCipher(answerLanes, s, LABEL_LANE_ANSWER, header.lane) : await cipher(s, concat(LABEL_ANSWER, sha256(headerBytes)));
  const params = (i: number): AesGcmParams =>
    header.laneAnswers ? { name: "AES-GCM", iv: nonce(iv, i, header.seq), additionalData: headerBytes as BufferSource } : { name: "AES-GCM", iv: nonce(iv, i) };
  return {
    async seal(i, plaintext) {
      return new Uint8Array(await crypto.subtle.encrypt(params(i), key, plaintext as BufferSource));
    },
    async open(i, sealed) {
      try {
        return new Uint8Array(await crypto.subtle.decrypt(params(i), key, sealed as BufferSource));
      } catch {
        throw new ChannelError("decrypt_failed", `answer ${i} does not open: reordered, dropped, replayed or altered`);
      }
    },
  };
}
