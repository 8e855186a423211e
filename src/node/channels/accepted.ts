// The channels peers opened to this node, as the responder answers the handshake and finds a
// frame's channel (docs/protocol.md §5.6). A channel is found only while its peer is active and
// neither side's signing key changed since the handshake; one that fails either is ended. Rows are
// kept in this process's memory too, bounded; the peer's state is read on every frame (the peer
// row cache), so a block shows at once here and within a second in other processes.
import { toBase64url } from "../../protocol/encoding/bytes.ts";
import { acceptChannel, channelEnded, oldestAcceptableEpoch, ratchet, type ChannelAccept, type ChannelOpen, type ChannelTiming, type EpochSecrets } from "../../protocol/channel/handshake.ts";
import type { ChannelLookup, ResponderChannel } from "../../protocol/channel/open.ts";
import { EnvelopeError } from "../../protocol/envelope/errors.ts";
import type { LocalIdentity } from "../identity/local.ts";
import type { Config } from "../settings/config.ts";
import type { ChannelStore } from "../../store/channels.ts";
import type { Database } from "../../store/database.ts";
import { getPeer } from "../../store/peers.ts";
import type { ChannelCounts } from "./counts.ts";

/** Channels held in one process's memory; more are read from the store. */
const HELD = 1024;

interface Held {
  peer: string;
  timing: ChannelTiming;
  secrets: EpochSecrets;
  ownKid: string;
  peerKid: string;
}

export interface AcceptedChannelsPort {
  db: Database;
  store: ChannelStore;
  counts: ChannelCounts;
  identity: () => Promise<LocalIdentity>;
  config: Pick<Config, "channels" | "channelEpochSeconds" | "channelLifetimeSeconds" | "clockSkewSeconds">;
  now: () => number;
  /** Bounds the peer's channel rows of a role once a new one is stored (store.trim, maybe after the answer). */
  trim: (peer: string, role: "responder") => Promise<void>;
}

export class AcceptedChannels implements ChannelLookup {
  readonly #held = new Map<string, Held>();

  constructor(private readonly p: AcceptedChannelsPort) {}

  /**
   * Answers an active peer's channel-open: a new channel, stored before the answer leaves. `envelope`
   * is the handshake envelope's bytes and `hs` the secret exported from it.
   */
  async accept(from: string, request: ChannelOpen, envelope: Uint8Array, hs: Uint8Array): Promise<ChannelAccept> {
    const peer = await getPeer(this.p.db, from);
    // Removed since its envelope opened.
    if (peer?.state !== "active") throw new EnvelopeError("unknown_sender", `${from} is not an active peer of this node`);
    const identity = await this.p.identity();
    const made = await acceptChannel({
      primitives: identity.primitives,
      request,
      envelope,
      hs,
      now: this.p.now(),
      epochSeconds: this.p.config.channelEpochSeconds,
      lifetimeSeconds: this.p.config.channelLifetimeSeconds,
    });
    const held: Held = { peer: from, timing: made.timing, secrets: made.secrets, ownKid: identity.signing.keyId, peerKid: peer.card.keys.sig.kid };
    const cid = toBase64url(made.cid);
    await this.p.store.save({ cid, peer: from, role: "responder", epoch: 0, requestSecret: made.secrets.c, answerSecret: made.secrets.s, ...made.timing, ownKid: held.ownKid, peerKid: held.peerKid });
    await this.p.trim(from, "responder");
    this.#keep(cid, held);
    this.p.counts.count("accepted");
    return made.accept;
  }

  async find(cid: string): Promise<ResponderChannel | undefined> {
    if (!this.p.config.channels) return undefined;
    let held = this.#held.get(cid);
    if (!held) {
      const row = await this.p.store.find(cid, "responder");
      if (!row) return undefined;
      held = { peer: row.peer, timing: row, secrets: { epoch: row.epoch, c: row.requestSecret, s: row.answerSecret }, ownKid: row.ownKid, peerKid: row.peerKid };
      this.#keep(cid, held);
    }
    const now = this.p.now();
    const peer = await getPeer(this.p.db, held.peer);
    if (!peer || peer.state !== "active") return undefined;
    const identity = await this.p.identity();
    if (held.ownKid !== identity.signing.keyId || held.peerKid !== peer.card.keys.sig.kid || channelEnded(held.timing, now, this.p.config.clockSkewSeconds)) {
      // Keyed by a signing key no longer in force, or over: ended for good.
      await this.end(cid);
      return undefined;
    }
    const keep = oldestAcceptableEpoch(held.timing, now, this.p.config.clockSkewSeconds);
    if (keep > held.secrets.epoch) {
      held.secrets = ratchet(held.secrets, keep);
      await this.p.store.advance({ cid, role: "responder", epoch: keep, requestSecret: held.secrets.c, answerSecret: held.secrets.s });
    }
    const kept = held.secrets;
    return { peer: held.peer, ...held.timing, secretFor: async (epoch) => (epoch < kept.epoch ? undefined : ratchet(kept, epoch)) };
  }

  async end(cid: string): Promise<void> {
    this.#held.delete(cid);
    await this.p.store.end(cid);
  }

  /** Forgets the peer's channels in this process (the caller ends the rows). */
  forget(peer: string): void {
    for (const [cid, h] of this.#held) if (h.peer === peer) this.#held.delete(cid);
  }

  #keep(cid: string, held: Held): void {
    if (this.#held.size >= HELD) this.#held.delete(this.#held.keys().next().value!);
    this.#held.set(cid, held);
  }
}
