// The channels this node opened to its peers, as the initiator sends on them (docs/protocol.md §5.6).
// Each process or isolate keeps the channel in memory over the store, and sends on a lane of its
// own: 16 random bytes per epoch, so processes sharing a channel never share a key and nonce.
// A peer's first request opens the channel; requests that start meanwhile wait for that one
// handshake. The kept secrets ratchet forward with the epochs, in memory and in the store.
import { fromBase64url, toBase64url } from "../../protocol/encoding/bytes.ts";
import { epochAt, oldestAcceptableEpoch, ratchet, type ChannelTiming, type EpochSecrets, type EstablishedChannel } from "../../protocol/channel/handshake.ts";
import { LANE_BYTES, MAX_LANE_FRAMES } from "../../protocol/channel/frame.ts";
import type { ChannelStore } from "../../store/channels.ts";
import type { ChannelCounts } from "./counts.ts";


/** The signing key ids a channel was opened under; a channel under others has ended. */
export interface ChannelKids {
  own: string;
  peer: string;
}

interface Held {
  cid: Uint8Array;
  cidText: string;
  timing: ChannelTiming;
  /** The oldest epoch's secrets still acceptable: later ones derive from them. */
  secrets: EpochSecrets;
  kids: ChannelKids;
  lane?: { epoch: number; id: Uint8Array; next: number };
}

/** Where the next request goes on a channel: its id, epoch, lane, sequence number and that epoch's secrets. */
export interface FrameSlot {
  cid: Uint8Array;
  /** The channel id in base64url: what a refusal drops. */
  channel: string;
  epoch: number;
  lane: Uint8Array;
  seq: number;
  secrets: EpochSecrets;
}

export interface OpenedChannelsPort {
  store: ChannelStore;
  counts: ChannelCounts;
  skew: number;
  /** Frames one lane carries before this process starts another (rekey by count). */
  laneFrames?: number;
  /**
   * Workers: one request may not wait on I/O another request started (it can hang once that
   * request ends), so there concurrent first requests each make a handshake; the newest channel wins.
   */
  requestScopedIo?: boolean;
}

export class OpenedChannels {
  readonly #held = new Map<string, Held>();
  readonly #opening = new Map<string, Promise<Held>>();
  readonly #laneFrames: number;

  constructor(private readonly p: OpenedChannelsPort) {
    this.#laneFrames = p.laneFrames ?? MAX_LANE_FRAMES;
  }

  /**
   * The slot for one request to `peer` at `now`, on the channel in memory, else the newest in the
   * store, else one `open` makes (once, however many requests wait for it).
   */
  async slot(peer: string, kids: ChannelKids, now: number, open: () => Promise<EstablishedChannel>): Promise<FrameSlot> {
    let held = this.#held.get(peer);
    if (!held || !usable(held, kids, now)) {
      if (held) await this.drop(peer, held.cidText);
      held = await this.#find(peer, kids, now, open);
    }
    return this.#next(held, now);
  }

  /** Ends the channel `channel` to `peer` here and in the store: the peer refused it. */
  async drop(peer: string, channel: string): Promise<void> {
    if (this.#held.get(peer)?.cidText === channel) this.#held.delete(peer);
    await this.p.store.end(channel);
  }

  /** Forgets the peer's channel in this process (the store's rows are ended by the caller). */
  forget(peer: string): void {
    this.#held.delete(peer);
  }

  #find(peer: string, kids: ChannelKids, now: number, open: () => Promise<EstablishedChannel>): Promise<Held> {
    let pending = this.p.requestScopedIo ? undefined : this.#opening.get(peer);
    if (!pending) {
      pending = (async () => {
        const stored = await this.p.store.newestOpened(peer, now);
        if (stored) {
          const held: Held = {
            cid: fromBase64url(stored.cid),
            cidText: stored.cid,
            timing: stored,
            secrets: { epoch: stored.epoch, c: stored.requestSecret, s: stored.answerSecret },
            kids: { own: stored.ownKid, peer: stored.peerKid },
          };
          if (usable(held, kids, now)) return held;
          await this.p.store.end(stored.cid);
        }
        const made = await open();
        this.p.counts.count("opened");
        const held: Held = { cid: made.cid, cidText: toBase64url(made.cid), timing: made.timing, secrets: made.secrets, kids };
        await this.p.store.save({
          cid: held.cidText,
          peer,
          role: "initiator",
          epoch: made.secrets.epoch,
          requestSecret: made.secrets.c,
          answerSecret: made.secrets.s,
          ...made.timing,
          ownKid: kids.own,
          peerKid: kids.peer,
        });
        return held;
      })();
      if (!this.p.requestScopedIo) {
        this.#opening.set(peer, pending);
        const settled = () => this.#opening.delete(peer);
        pending.then(settled, settled);
      }
    }
    return pending.then((held) => {
      this.#held.set(peer, held);
      return held;
    });
  }

  async #next(held: Held, now: number): Promise<FrameSlot> {
    const keep = oldestAcceptableEpoch(held.timing, now, this.p.skew);
    if (keep > held.secrets.epoch) {
      held.secrets = ratchet(held.secrets, keep);
      await this.p.store.advance({ cid: held.cidText, role: "initiator", epoch: keep, requestSecret: held.secrets.c, answerSecret: held.secrets.s });
    }
    const epoch = epochAt(held.timing, now);
    if (!held.lane || held.lane.epoch !== epoch || held.lane.next >= this.#laneFrames) {
      held.lane = { epoch, id: crypto.getRandomValues(new Uint8Array(LANE_BYTES)), next: 0 };
    }
    return { cid: held.cid, channel: held.cidText, epoch, lane: held.lane.id, seq: held.lane.next++, secrets: ratchet(held.secrets, epoch) };
  }
}

// The responder refuses a frame of an epoch that starts at or after the end, so the channel is
// done for the initiator once `now` reaches it.
const usable = (h: Held, kids: ChannelKids, now: number) =>
  h.kids.own === kids.own && h.kids.peer === kids.peer && now < h.timing.expiresAt && h.timing.startsAt + epochAt(h.timing, now) * h.timing.epochSeconds < h.timing.expiresAt;
