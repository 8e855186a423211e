// Receiving a request on a channel (the responder's side). The checks run cheapest first and
// nothing is written until all pass:
//   1 framing, and the answers byte only where offered (malformed)   2 a channel this node answers (unknown_channel)   3 this route
//   (wrong_endpoint)   4 iat within skew (not_yet_valid, expired)   5 an acceptable epoch
//   (stale_epoch)   6 the tag (decrypt_failed)   7 the id recorded, atomically (replayed)
// AES-GCM over a frame costs less than a store lookup, so unlike an envelope's (a signature to
// verify) a frame's id is not looked up first: recording it is the check, and of two racing
// copies one wins. A failure throws a ChannelError.
import type { ReplayGuard } from "../envelope/open.ts";
import { toBase64url } from "../encoding/bytes.ts";
import { ChannelError } from "./errors.ts";
import { answerCipher, frameId, openFrame, parseFrame, type FrameHeader } from "./frame.ts";
import { acceptsEpoch, channelEnded, type ChannelTiming } from "./handshake.ts";

/** A channel this node is the responder of, as the opener needs it. */
export interface ResponderChannel extends ChannelTiming {
  /** The initiator's node id. */
  peer: string;
  /** The epoch's secrets, or undefined once they have been ratcheted past (or not yet derivable). */
  secretFor(epoch: number): Promise<{ c: Uint8Array; s: Uint8Array } | undefined>;
}

/** Finds a live channel by its id (b64url); undefined when unknown or ended (blocked peer, rotated key…). */
export interface ChannelLookup {
  find(cid: string): Promise<ResponderChannel | undefined>;
}

export interface OpenChannelOptions {
  channels: ChannelLookup;
  replay: ReplayGuard;
  /** Seconds since the epoch. */
  now: number;
  skew: number;
  /** This request's route. */
  path: string;
  maxBytes: number;
  /** Whether this node offers `channel-lane-answers`: else a frame asking for them is `malformed`, as to a node before the feature. */
  laneAnswers: boolean;
}

export interface OpenedChannelFrame {
  /** The channel's initiator. */
  from: string;
  header: FrameHeader;
  plaintext: Uint8Array;
  /** Seals the next answer to this request: answer 0, then 1, … in call order. */
  sealResponse(plaintext: Uint8Array): Promise<Uint8Array>;
}

export async function openChannelFrame(bytes: Uint8Array, o: OpenChannelOptions): Promise<OpenedChannelFrame> {
  const frame = parseFrame(bytes, o.maxBytes);
  const { header } = frame;
  if (header.laneAnswers && !o.laneAnswers) throw new ChannelError("malformed", "this node does not key answers per lane");

  const channel = await o.channels.find(toBase64url(header.cid));
  if (!channel || channelEnded(channel, o.now, o.skew)) throw new ChannelError("unknown_channel", "no such channel here; open a new one");

  if (header.path !== o.path) throw new ChannelError("wrong_endpoint", `the frame is bound to ${header.path}`);

  if (header.iat > o.now + o.skew) throw new ChannelError("not_yet_valid", "the frame was issued in the future; check the sender's clock");
  if (header.iat < o.now - o.skew) throw new ChannelError("expired", "the frame has expired");

  const stale = () => new ChannelError("stale_epoch", `epoch ${header.epoch} is not accepted now; open a new channel`);
  if (!acceptsEpoch(channel, header.epoch, o.now, o.skew)) throw stale();
  const secrets = await channel.secretFor(header.epoch);
  if (!secrets) throw stale();

  const plaintext = await openFrame(secrets.c, frame);

  if (!(await o.replay.record(channel.peer, frameId(header), header.iat + 2 * o.skew))) throw new ChannelError("replayed", "this frame was already received");

  const own = { ...header, cid: header.cid.slice(), lane: header.lane.slice() };
  const answers = answerCipher(secrets.s, own, frame.headerBytes.slice());
  let next = 0;
  return {
    from: channel.peer,
    header: own,
    plaintext,
    sealResponse: async (pt) => {
      const i = next++;
      return (await answers).seal(i, pt);
    },
  };
}
