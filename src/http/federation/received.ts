// A request from a peer once opened, whether it came as an envelope or as a frame on a channel:
// who sent it, what it says, and how to seal the answers to it (in order, for a call stream).
import type { Opened } from "../../protocol/envelope/open.ts";

export interface Received {
  /** The sender's node id, as authenticated by the envelope's signature or the channel's keys. */
  from: string;
  plaintext: Uint8Array;
  sealResponse(plaintext: Uint8Array): Promise<Uint8Array>;
}

export const receivedEnvelope = (opened: Opened): Received => ({
  from: opened.header.from,
  plaintext: opened.plaintext,
  sealResponse: (pt) => opened.sealResponse(pt),
});
