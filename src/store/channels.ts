// Peer channels at rest (docs/protocol.md §5.6). The two secrets of a row's epoch are sealed under
// the storage key with the row's id, role and epoch as context, so a secret copied to another row
// or epoch opens nowhere. Rows are few: at most MAX_PER_PEER per peer and role (the newest win),
// and expired ones are deleted on the tick.
import { and, desc, eq, gt, lt, lte, ne, notInArray } from "drizzle-orm";
import { fromBase64url, toBase64url } from "../protocol/encoding/bytes.ts";
import type { SecretBox } from "../secrets/sealed-box.ts";
import type { Database } from "./database.ts";
import { peerChannels } from "./schema/index.ts";

export type ChannelRole = "initiator" | "responder";

/** Channels kept per peer and role: a handshake beyond it ends the oldest. */
export const MAX_CHANNELS_PER_PEER = 4;

export interface StoredChannel {
  cid: string;
  peer: string;
  role: ChannelRole;
  /** The epoch the secrets are of. */
  epoch: number;
  /** c[epoch]: the request secret, initiator → responder. */
  requestSecret: Uint8Array;
  /** s[epoch]: the answer secret, responder → initiator. */
  answerSecret: Uint8Array;
  startsAt: number;
  epochSeconds: number;
  expiresAt: number;
  ownKid: string;
  peerKid: string;
}

type Row = typeof peerChannels.$inferSelect;

const context = (cid: string, role: ChannelRole, which: "request" | "answer", epoch: number) => `peer_channels/${cid}/${role}/${which}/${epoch}`;

export class ChannelStore {
  constructor(
    private readonly db: Database,
    private readonly box: SecretBox,
  ) {}

  async #sealed(c: Pick<StoredChannel, "cid" | "role" | "epoch" | "requestSecret" | "answerSecret">) {
    return {
      requestSecret: await this.box.seal(toBase64url(c.requestSecret), context(c.cid, c.role, "request", c.epoch)),
      answerSecret: await this.box.seal(toBase64url(c.answerSecret), context(c.cid, c.role, "answer", c.epoch)),
    };
  }

  async #opened(r: Row): Promise<StoredChannel> {
    const open = async (v: string, which: "request" | "answer") => fromBase64url(await this.box.open(v, context(r.cid, r.role, which, r.epoch)));
    return {
      cid: r.cid,
      peer: r.peer,
      role: r.role,
      epoch: r.epoch,
      requestSecret: await open(r.requestSecret, "request"),
      answerSecret: await open(r.answerSecret, "answer"),
      startsAt: r.startsAt,
      epochSeconds: r.epochSeconds,
      expiresAt: r.expiresAt,
      ownKid: r.ownKid,
      peerKid: r.peerKid,
    };
  }

  /** Stores a new channel; `trim` then bounds the peer's rows of that role. */
  async save(c: StoredChannel): Promise<void> {
    await this.db.insert(peerChannels).values({ ...c, ...(await this.#sealed(c)) });
  }

  /** Ends the peer's oldest channels of `role` beyond MAX_CHANNELS_PER_PEER. */
  async trim(peer: string, role: ChannelRole): Promise<void> {
    const keep = this.db
      .select({ cid: peerChannels.cid })
      .from(peerChannels)
      .where(and(eq(peerChannels.peer, peer), eq(peerChannels.role, role)))
      .orderBy(desc(peerChannels.createdAt), desc(peerChannels.startsAt), desc(peerChannels.cid))
      .limit(MAX_CHANNELS_PER_PEER);
    await this.db.delete(peerChannels).where(and(eq(peerChannels.peer, peer), eq(peerChannels.role, role), notInArray(peerChannels.cid, keep)));
  }

  /** The channel `cid` of this role, its secrets opened; undefined when there is none or it does not open here. */
  async find(cid: string, role: ChannelRole): Promise<StoredChannel | undefined> {
    const [row] = await this.db
      .select()
      .from(peerChannels)
      .where(and(eq(peerChannels.cid, cid), eq(peerChannels.role, role)));
    return row && this.#openedOrNone(row);
  }

  /** The newest channel this node opened to `peer` that has not expired at `now`. */
  async newestOpened(peer: string, now: number): Promise<StoredChannel | undefined> {
    const [row] = await this.db
      .select()
      .from(peerChannels)
      .where(and(eq(peerChannels.peer, peer), eq(peerChannels.role, "initiator"), gt(peerChannels.expiresAt, now)))
      // Two opened in the same millisecond: the one that lasts longer.
      .orderBy(desc(peerChannels.createdAt), desc(peerChannels.expiresAt), desc(peerChannels.cid))
      .limit(1);
    return row && this.#openedOrNone(row);
  }

  // A row sealed under a seed this node no longer holds is as good as gone: a new handshake replaces it.
  async #openedOrNone(row: Row): Promise<StoredChannel | undefined> {
    try {
      return await this.#opened(row);
    } catch {
      await this.end(row.cid);
      return undefined;
    }
  }

  /**
   * Moves the row forward to `epoch`, whose secrets replace the older ones (the older are then
   * gone from the store). Another process may have moved it already: a row never moves back.
   */
  async advance(c: Pick<StoredChannel, "cid" | "role" | "epoch" | "requestSecret" | "answerSecret">): Promise<void> {
    await this.db
      .update(peerChannels)
      .set({ epoch: c.epoch, ...(await this.#sealed(c)) })
      .where(and(eq(peerChannels.cid, c.cid), eq(peerChannels.role, c.role), lt(peerChannels.epoch, c.epoch)));
  }

  async end(cid: string): Promise<void> {
    await this.db.delete(peerChannels).where(eq(peerChannels.cid, cid));
  }

  /** Ends every channel with `peer`, both roles. */
  async endPeer(peer: string): Promise<void> {
    await this.db.delete(peerChannels).where(eq(peerChannels.peer, peer));
  }

  /** Deletes the channels that have expired, and those opened under a signing key of this node other than `ownKid`. */
  async prune(now: number, ownKid: string): Promise<void> {
    await this.db.delete(peerChannels).where(lte(peerChannels.expiresAt, now));
    await this.db.delete(peerChannels).where(ne(peerChannels.ownKid, ownKid));
  }

  /** Every channel, without its secrets (the operator's view). */
  async list(): Promise<Omit<StoredChannel, "requestSecret" | "answerSecret">[]> {
    return this.db
      .select({
        cid: peerChannels.cid,
        peer: peerChannels.peer,
        role: peerChannels.role,
        epoch: peerChannels.epoch,
        startsAt: peerChannels.startsAt,
        epochSeconds: peerChannels.epochSeconds,
        expiresAt: peerChannels.expiresAt,
        ownKid: peerChannels.ownKid,
        peerKid: peerChannels.peerKid,
      })
      .from(peerChannels)
      .orderBy(peerChannels.peer, peerChannels.role, peerChannels.createdAt);
  }
}
