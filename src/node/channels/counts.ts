// What this process or isolate did with peer channels, for the operator (GET /admin/federation/channels)
// and the tests that check traffic took the channel: handshakes made and answered, frames sent and opened.

export const CHANNEL_COUNTS = [
  /** Handshakes this node made as initiator, and answered as responder. */
  "opened",
  "accepted",
  /** Requests carried inside a handshake (the first flight): sent as initiator, answered as responder. */
  "first",
  /** Requests sent on a channel, and frames from peers opened here. */
  "sent",
  "received",
  /** Channels dropped after the peer refused a frame (unknown_channel, stale_epoch, expired), then opened anew. */
  "reopened",
  /** Requests sent as envelopes to a peer that offers channels, because the handshake failed. */
  "fallbacks",
] as const;
export type ChannelCount = (typeof CHANNEL_COUNTS)[number];

export class ChannelCounts {
  #counts = Object.fromEntries(CHANNEL_COUNTS.map((c) => [c, 0])) as Record<ChannelCount, number>;

  count(what: ChannelCount): void {
    this.#counts[what]++;
  }

  snapshot(): Record<ChannelCount, number> {
    return { ...this.#counts };
  }
}
