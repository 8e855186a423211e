// Sending a request on a channel (the initiator's side): one frame, and the opener of its answers.
import { answerCipher, sealFrame, type FrameHeader } from "./frame.ts";
import type { EpochSecrets } from "./handshake.ts";

export interface SealChannelInput {
  cid: Uint8Array;
  /** The secrets of the epoch the frame is sent in (`epoch` goes in the header). */
  secrets: EpochSecrets;
  /** This process's lane for this epoch, and the lane's next sequence number. */
  lane: Uint8Array;
  seq: number;
  /** Answers keyed per lane: only to a responder that offers `channel-lane-answers` (§5.6). */
  laneAnswers?: boolean;
  /** Seconds since the epoch. */
  now: number;
  path: string;
  plaintext: Uint8Array;
}

export interface SealedChannelFrame {
  bytes: Uint8Array;
  header: FrameHeader;
  /** Opens the answers to this frame, answer 0 first; each call expects the next one. */
  openResponse(sealed: Uint8Array): Promise<Uint8Array>;
}

export async function sealChannelFrame(i: SealChannelInput): Promise<SealedChannelFrame> {
  const header: FrameHeader = { cid: i.cid, epoch: i.secrets.epoch, lane: i.lane, seq: i.seq, iat: i.now, path: i.path, ...(i.laneAnswers ? { laneAnswers: true } : {}) };
  const { bytes, headerBytes } = await sealFrame(i.secrets.c, header, i.plaintext);
  const answers = answerCipher(i.secrets.s, header, headerBytes);
  let next = 0;
  return {
    bytes,
    header,
    async openResponse(sealed) {
      // The index moves on only when an answer opens, so a bad one cannot skip its successor.
      const plaintext = await (await answers).open(next, sealed);
      next++;
      return plaintext;
    },
  };
}
