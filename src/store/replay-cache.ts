// Envelope ids already accepted, per sender, in libSQL so that every isolate of a deployment
// shares them. An id is kept until its envelope could no longer pass the time check.
import { and, eq, lt, sql } from "drizzle-orm";
import { prepareOnce, type Database } from "./database.ts";
import { replayCache } from "./schema/index.ts";
import type { ReplayGuard } from "../protocol/envelope/open.ts";

export class ReplayCache implements ReplayGuard {
  constructor(private readonly db: Database) {}

  async seen(sender: string, jti: string): Promise<boolean> {
    const rows = await prepareOnce(this.db, "replaySeen", () =>
      this.db
        .select({ jti: replayCache.jti })
        .from(replayCache)
        .where(and(eq(replayCache.sender, sql.placeholder("sender")), eq(replayCache.jti, sql.placeholder("jti"))))
        .prepare(),
    ).all({ sender, jti });
    return rows.length > 0;
  }

  /** Records an id; false when it was already there (the same envelope arriving twice at once). */
  async record(sender: string, jti: string, expiresAt: number): Promise<boolean> {
    // Every opened message and channel frame writes one: prepared once, not rebuilt per message.
    const rows = await prepareOnce(this.db, "replayRecord", () =>
      this.db
        .insert(replayCache)
        .values({ sender: sql.placeholder("sender"), jti: sql.placeholder("jti"), expiresAt: sql.placeholder("expiresAt") })
        .onConflictDoNothing()
        .returning({ jti: replayCache.jti })
        .prepare(),
    ).all({ sender, jti, expiresAt });
    return rows.length > 0;
  }

  async prune(now: number): Promise<void> {
    await this.db.delete(replayCache).where(lt(replayCache.expiresAt, now));
  }
}
