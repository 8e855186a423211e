// The channels this node opened to its peers, as the initiator sends on them (docs/protocol.md §5.6).
// Each process or isolate keeps the channel in memory over the store, and sends on a lane of its
// own: 16 random bytes per epoch, so processes sharing a channel never share a key and nonce.
// A peer's first request opens the channel; requests that start meanwhile wait for that one
// handshake, or for the handshake a relayed call carries as its first flight (`claim`). The kept
// secrets ratchet forward with the epochs, in memory and in the store.
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

/** A handshake the caller makes itself, carrying its first request; requests to the peer meanwhile wait for it. */
export interface FirstFlightClaim {
  /** Keeps the channel the handshake made, here and in the store. */
  settle(made: EstablishedChannel): Promise<void>;
  /** Ends the claim; once settled it does nothing. Without a channel, waiting requests open one themselves. */
  release(): void;
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
  /** Bounds the peer's channel rows of a role once a new one is stored (store.trim, maybe after the answer). */
  trim: (peer: string, role: "initiator") => Promise<void>;
}

export class OpenedChannels {
  readonly #held = new Map<string, Held>();
  /** A handshake on its way to each peer; undefined when it ended without a channel. */
  readonly #opening = new Map<string, Promise<Held | undefined>>();
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

  /**
   * Whether the store often holds a channel this process does not (Workers: every isolate starts
   * empty and shares the store); elsewhere one process serves the node, so it rarely does.
   */
  get storeOftenAhead(): boolean {
    return this.p.requestScopedIo === true;
  }

  /** Whether this process holds no usable channel to `peer` and none is on its way: `claim` may then make one. */
  unclaimed(peer: string, kids: ChannelKids, now: number): boolean {
    const held = this.#held.get(peer);
    if (held && usable(held, kids, now)) return false;
    return this.p.requestScopedIo === true || !this.#opening.has(peer);
  }

  /**
   * When this process has no channel to `peer`, in memory, in the store or on its way: a claim on
   * the one the caller's handshake will make; else undefined (`slot` finds the channel).
   */
  async claim(peer: string, kids: ChannelKids, now: number): Promise<FirstFlightClaim | undefined> {
    if (!this.unclaimed(peer, kids, now)) return undefined;
    const held = this.#held.get(peer);
    let resolve!: (held: Held | undefined) => void;
    this.#pending(peer, new Promise<Held | undefined>((r) => (resolve = r)));
    if (held) await this.drop(peer, held.cidText);
    const stored = await this.#stored(peer, kids, now).catch((err: unknown) => {
      resolve(undefined);
      throw err;
    });
    if (stored) {
      resolve(stored);
      return undefined;
    }
    let done = false;
    return {
      settle: async (made) => {
        if (done) return;
        const kept = await this.#keep(peer, kids, made);
        done = true;
        resolve(kept);
      },
      release: () => {
        if (done) return;
        done = true;
        resolve(undefined);
      },
    };
  }

  #find(peer: string, kids: ChannelKids, now: number, open: () => Promise<EstablishedChannel>): Promise<Held> {
    let pending = this.p.requestScopedIo ? undefined : this.#opening.get(peer);
    if (!pending) pending = this.#pending(peer, (async () => (await this.#stored(peer, kids, now)) ?? this.#keep(peer, kids, await open()))());
    // A claim released without a channel: this request makes the handshake itself.
    return pending.then((held) => held ?? this.#find(peer, kids, now, open));
  }

  /** Registers the handshake on its way to `peer` (not on Workers: see requestScopedIo), and keeps its channel in memory. */
  #pending(peer: string, pending: Promise<Held | undefined>): Promise<Held | undefined> {
    const kept = pending.then((held) => {
      if (held) this.#held.set(peer, held);
      return held;
    });
    if (!this.p.requestScopedIo) {
      this.#opening.set(peer, kept);
      const settled = () => {
        if (this.#opening.get(peer) === kept) this.#opening.delete(peer);
      };
      kept.then(settled, settled);
    }
    return kept;
  }

  /** The newest channel to `peer` in the store, if still usable; an unusable one is ended. */
  async #stored(peer: string, kids: ChannelKids, now: number): Promise<Held | undefined> {
    const stored = await this.p.store.newestOpened(peer, now);
    if (!stored) return undefined;
    const held: Held = {
      cid: fromBase64url(stored.cid),
      cidText: stored.cid,
      timing: stored,
      secrets: { epoch: stored.epoch, c: stored.requestSecret, s: stored.answerSecret },
      kids: { own: stored.ownKid, peer: stored.peerKid },
    };
    if (usable(held, kids, now)) return held;
    await this.p.store.end(stored.cid);
    return undefined;
  }

  /** A channel this node's handshake just made, stored. */
  async #keep(peer: string, kids: ChannelKids, made: EstablishedChannel): Promise<Held> {
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
    await this.p.trim(peer, "initiator");
    return held;
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
