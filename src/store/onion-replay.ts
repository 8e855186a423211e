// The replay tags of onion packets this node has processed as a hop, in libSQL so that every
// isolate shares them. A tag is kept until its packet's expiry, after which the hop refuses the
// packet as expired anyway; the hop's rate limit and the capped expiry bound the table.
import { lt, sql } from "drizzle-orm";
import { prepareOnce, type Database } from "./database.ts";
import { onionReplayTags } from "./schema/index.ts";

export class OnionReplayTags {
  constructor(private readonly db: Database) {}

  /** Records a tag; false when it was already there (the packet is a replay). */
  async record(tag: string, expiresAt: number): Promise<boolean> {
    // One per packet a hop forwards: prepared once, not rebuilt per packet.
    const rows = await prepareOnce(this.db, "onionReplayRecord", () =>
      this.db.insert(onionReplayTags).values({ tag: sql.placeholder("tag"), expiresAt: sql.placeholder("expiresAt") }).onConflictDoNothing().returning({ tag: onionReplayTags.tag }).prepare(),
    ).all({ tag, expiresAt });
    return rows.length > 0;
  }

  async prune(now: number): Promise<void> {
    await this.db.delete(onionReplayTags).where(lt(onionReplayTags.expiresAt, now));
  }
}
