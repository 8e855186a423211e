// The first request carried inside the channel handshake (docs/protocol.md §5.6, "First flight"),
// after TLS 1.3's early data (RFC 8446 §2.3, §4.2.10) and the Noise IK pattern's first payload:
// the initiator seals one frame under secrets exported from the handshake envelope's HPKE context,
// so only the responder's static X-Wing key opens it, and the responder answers it inside the
// handshake's answer. The envelope's replay record makes the flight single-use (RFC 8446 §8.2's
// ClientHello recording), and the frame's counter is fixed at 0, so one key opens one frame.
import { expand } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { utf8 } from "../encoding/bytes.ts";
import type { Exporter } from "../envelope/seal.ts";
import { ChannelError } from "./errors.ts";
import { answerCipher, openFrame, parseFrame } from "./frame.ts";
import type { OpenChannelOptions, OpenedChannelFrame } from "./open.ts";
import { CHANNEL_EXPORT_LABEL, CHANNEL_ID_BYTES, CHANNEL_SECRET_BYTES, type EpochSecrets } from "./handshake.ts";
import { sealChannelFrame, type SealedChannelFrame } from "./seal.ts";

/** The card feature of a responder that answers a first flight (§6.11 version 2). */
export const FIRST_FLIGHT_FEATURE = "channel-first";
/** The first flight's channel id: none is drawn yet. */
export const FIRST_FLIGHT_CID = new Uint8Array(CHANNEL_ID_BYTES);

const LABEL_C = utf8("mcpfed/1 channel first c");
const LABEL_S = utf8("mcpfed/1 channel first s");

/** The first flight's request and answer secrets, from the handshake envelope's `hs`. */
export function firstFlightSecrets(hs: Uint8Array): EpochSecrets {
  return { epoch: 0, c: expand(sha256, hs, LABEL_C, 32), s: expand(sha256, hs, LABEL_S, 32) };
}

/** The `hs` of the envelope being sealed, from its exporter (the seal input's plaintext callback). */
export const exportHs = (exportSecret: Exporter) => exportSecret(CHANNEL_EXPORT_LABEL, CHANNEL_SECRET_BYTES);

export interface SealFirstFlightInput {
  hs: Uint8Array;
  /** 16 random bytes: the flight's lane. */
  lane: Uint8Array;
  /** Seconds since the epoch. */
  now: number;
  path: string;
  plaintext: Uint8Array;
}

/** The initiator's first request as a frame: epoch 0, seq 0, the all-zero channel id. */
export function sealFirstFlight(i: SealFirstFlightInput): Promise<SealedChannelFrame> {
  return sealChannelFrame({ cid: FIRST_FLIGHT_CID, secrets: firstFlightSecrets(i.hs), lane: i.lane, seq: 0, now: i.now, path: i.path, plaintext: i.plaintext });
}

/** As a frame's, with `path` the one route a first flight may be for, and the envelope's `hs`. */
export type OpenFirstFlightOptions = Pick<OpenChannelOptions, "now" | "skew" | "path" | "maxBytes"> & { hs: Uint8Array };

/** As an opened frame; `sealResponse` seals answer 0, the only one (a first flight is answered plain). */
export type OpenedFirstFlight = Omit<OpenedChannelFrame, "from">;

/**
 * The responder's checks, in a frame's order without the channel lookup and the replay record:
 * the envelope carrying the flight was recorded when it opened, and its `hs` keys this one frame.
 */
export async function openFirstFlight(bytes: Uint8Array, o: OpenFirstFlightOptions): Promise<OpenedFirstFlight> {
  const frame = parseFrame(bytes, o.maxBytes);
  const { header } = frame;
  if (header.cid.some((b) => b !== 0) || header.epoch !== 0 || header.seq !== 0) throw new ChannelError("malformed", "a first flight has channel id zero, epoch 0 and seq 0");
  // Its one answer is keyed to its header: a key used once has nothing to amortize per lane.
  if (header.laneAnswers) throw new ChannelError("malformed", "a first flight's answer is keyed to its header, not its lane");
  if (header.path !== o.path) throw new ChannelError("wrong_endpoint", `a first flight goes to ${o.path} only`);
  if (header.iat > o.now + o.skew) throw new ChannelError("not_yet_valid", "the first flight was issued in the future; check the sender's clock");
  if (header.iat < o.now - o.skew) throw new ChannelError("expired", "the first flight has expired");
  const secrets = firstFlightSecrets(o.hs);
  const plaintext = await openFrame(secrets.c, frame);
  const answers = answerCipher(secrets.s, header, frame.headerBytes.slice());
  return { header, plaintext, sealResponse: async (pt) => (await answers).seal(0, pt) };
}
