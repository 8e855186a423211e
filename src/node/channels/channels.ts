// This node's peer channels, both ways: those it opened (it sends on them) and those peers opened
// to it (it answers on them), over one store, with the counts the operator reads. Blocking or
// removing a peer ends its channels at once.
import type { SecretBox } from "../../secrets/sealed-box.ts";
import { ChannelStore, type ChannelRole } from "../../store/channels.ts";
import type { Database } from "../../store/database.ts";
import type { LocalIdentity } from "../identity/local.ts";
import type { Config } from "../settings/config.ts";
import type { Platform } from "../settings/platform.ts";
import { AcceptedChannels } from "./accepted.ts";
import { ChannelCounts } from "./counts.ts";
import { OpenedChannels } from "./opened.ts";

export interface PeerChannelsPort {
  db: Database;
  secrets: SecretBox;
  identity: () => Promise<LocalIdentity>;
  config: Pick<Config, "channels" | "channelEpochSeconds" | "channelLifetimeSeconds" | "clockSkewSeconds">;
  now: () => number;
  platform: Pick<Platform, "requestScopedIo">;
  /** Keeps work alive after the answer (the node's deferred work). */
  defer: (work: Promise<unknown>) => void;
}

export class PeerChannels {
  readonly counts = new ChannelCounts();
  readonly store: ChannelStore;
  readonly opened: OpenedChannels;
  readonly accepted: AcceptedChannels;

  constructor(p: PeerChannelsPort) {
    this.store = new ChannelStore(p.db, p.secrets);
    // A new channel's row is stored before its first answer; bounding the peer's older rows waits
    // until after it, except on Workers, where work after the answer may not run (requestScopedIo).
    const trim = (peer: string, role: ChannelRole): Promise<void> => {
      const work = this.store.trim(peer, role);
      if (p.platform.requestScopedIo) return work;
      p.defer(work);
      return Promise.resolve();
    };
    this.opened = new OpenedChannels({ store: this.store, counts: this.counts, skew: p.config.clockSkewSeconds, requestScopedIo: p.platform.requestScopedIo, trim });
    this.accepted = new AcceptedChannels({ ...p, store: this.store, counts: this.counts, trim });
  }

  /** On the tick: ends expired channels, and those keyed by a signing key this node rotated away from. */
  async prune(now: number, ownKid: string): Promise<void> {
    await this.store.prune(now, ownKid);
  }

  /** The operator's view: every channel without its secrets, and this process's counts. */
  async status() {
    return { channels: await this.store.list(), counts: this.counts.snapshot() };
  }

  /** Ends every channel with `peer`, in this process and in the store. */
  async endPeer(peer: string): Promise<void> {
    this.opened.forget(peer);
    this.accepted.forget(peer);
    await this.store.endPeer(peer);
  }
}
