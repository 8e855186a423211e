// The tick lease in the shared store (schema/tick-lease.ts). Each acquisition is one upsert whose
// condition is checked by the database, so of several instances racing for it exactly one gets a
// row back; the fence it gets back then proves, on every renewal, that nobody took it since.
import { and, eq, sql } from "drizzle-orm";
import type { Database } from "./database.ts";
import { tickLeases } from "./schema/index.ts";

const NAME = "tick";

export interface LeaseClaim {
  holder: string;
  now: number;
  ttlMs: number;
}

export class TickLeaseStore {
  constructor(private readonly db: Database) {}

  /**
   * Takes the lease for scheduled period `period`: only if no earlier claim covered that period
   * and no holder's lease is running. The fence, or undefined when another instance has it.
   */
  async claimPeriod(c: LeaseClaim, period: number): Promise<number | undefined> {
    return this.#claim(c, period, sql`${tickLeases.period} < excluded.period and ${tickLeases.expiresAt} <= ${c.now}`);
  }

  /** Takes the lease whatever the period (an operator's tick), when no holder's lease is running. */
  async claimNow(c: LeaseClaim): Promise<number | undefined> {
    return this.#claim(c, -1, sql`${tickLeases.expiresAt} <= ${c.now}`);
  }

  async #claim(c: LeaseClaim, period: number, when: ReturnType<typeof sql>): Promise<number | undefined> {
    const rows = await this.db
      .insert(tickLeases)
      .values({ name: NAME, holder: c.holder, fence: 1, period, expiresAt: c.now + c.ttlMs })
      .onConflictDoUpdate({
        target: tickLeases.name,
        set: {
          holder: c.holder,
          fence: sql`${tickLeases.fence} + 1`,
          period: period < 0 ? sql`${tickLeases.period}` : period,
          expiresAt: c.now + c.ttlMs,
        },
        setWhere: when,
      })
      .returning({ fence: tickLeases.fence });
    return rows[0]?.fence;
  }

  /** Extends the lease `fence` holds; false when it expired and was taken. */
  async renew(fence: number, now: number, ttlMs: number): Promise<boolean> {
    const rows = await this.db
      .update(tickLeases)
      .set({ expiresAt: now + ttlMs })
      .where(and(eq(tickLeases.name, NAME), eq(tickLeases.fence, fence)))
      .returning({ fence: tickLeases.fence });
    return rows.length > 0;
  }

  /** Lets the lease go at once (the work is done), unless someone else holds it by now. */
  async release(fence: number, now: number): Promise<void> {
    await this.db.update(tickLeases).set({ expiresAt: now }).where(and(eq(tickLeases.name, NAME), eq(tickLeases.fence, fence)));
  }

  async read(): Promise<{ holder: string; fence: number; period: number; expiresAt: number } | undefined> {
    return (await this.db.select().from(tickLeases).where(eq(tickLeases.name, NAME)))[0];
  }
}
