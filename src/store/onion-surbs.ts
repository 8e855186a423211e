// Reply blocks this node made for its own anonymous calls (docs/protocol.md §14.6). Whichever
// process of the node receives the answer records it here, and the call waiting for it, in any
// process, finds it here: one row per block, used once, kept until the block's expiry so that a
// second delivery is told from an unknown id.
import { and, eq, gte, lt } from "drizzle-orm";
import { fromBase64url, toBase64url } from "../protocol/encoding/bytes.ts";
import type { SurbEntry } from "../protocol/routes/onion/surb.ts";
import type { Database } from "./database.ts";
import { onionSurbs } from "./schema/index.ts";

export class OnionSurbs {
  constructor(private readonly db: Database) {}

  async add(id: string, secrets: Uint8Array, expiresAt: number): Promise<void> {
    await this.db.insert(onionSurbs).values({ id, secrets: toBase64url(secrets), state: "waiting", expiresAt });
  }

  /** The block `id` names, unexpired at `now`; undefined when this node has none. */
  async entry(id: string, now: number): Promise<SurbEntry | undefined> {
    const [row] = await this.db
      .select({ secrets: onionSurbs.secrets, state: onionSurbs.state })
      .from(onionSurbs)
      .where(and(eq(onionSurbs.id, id), gte(onionSurbs.expiresAt, now)));
    return row && { secrets: fromBase64url(row.secrets), answered: row.state !== "waiting" };
  }

  /** Records the opened answer; false when one was already recorded (or the block was given up). */
  async answer(id: string, answer: Uint8Array): Promise<boolean> {
    const rows = await this.db
      .update(onionSurbs)
      .set({ state: "answered", answer: toBase64url(answer) })
      .where(and(eq(onionSurbs.id, id), eq(onionSurbs.state, "waiting")))
      .returning({ id: onionSurbs.id });
    return rows.length > 0;
  }

  /** The answer, once, clearing it; undefined while none came. */
  async take(id: string): Promise<Uint8Array | undefined> {
    // RETURNING gives the row as updated, answer cleared: read it first. It is written once, so the
    // update that wins the `answered` state hands over exactly what was read.
    const [row] = await this.db.select({ answer: onionSurbs.answer }).from(onionSurbs).where(and(eq(onionSurbs.id, id), eq(onionSurbs.state, "answered")));
    if (!row?.answer) return undefined;
    const won = await this.db
      .update(onionSurbs)
      .set({ state: "taken", answer: null })
      .where(and(eq(onionSurbs.id, id), eq(onionSurbs.state, "answered")))
      .returning({ id: onionSurbs.id });
    return won.length > 0 ? fromBase64url(row.answer) : undefined;
  }

  /** The waiting call gave up: a later delivery is refused as a replay. */
  async abandon(id: string): Promise<void> {
    await this.db.update(onionSurbs).set({ state: "taken", answer: null }).where(eq(onionSurbs.id, id));
  }

  async prune(now: number): Promise<void> {
    await this.db.delete(onionSurbs).where(lt(onionSurbs.expiresAt, now));
  }
}
