// Rate limits and quotas per client, peer and tool, counted in the store so that they hold across
// processes and isolates: fixed-window request counts with one atomic upsert, and concurrency as
// leases taken by one conditional insert. A lease whose holder died expires on its own.
import { and, eq, inArray, lt, sql } from "drizzle-orm";
import { z } from "zod";
import { PRINCIPAL_KINDS, type Principal } from "../principal.ts";
import { randomSecret } from "../../../secrets/token-secrets.ts";
import { globMatches, type ToolFacts } from "../policy/engine.ts";
import { rateLimited } from "../policy/denials.ts";
import { CachedRead } from "../../../store/cached-read.ts";
import type { Database } from "../../../store/database.ts";
import { rateCounters, rateLeases, rateLimits } from "../../../store/schema.ts";

const glob = z.string().trim().min(1).max(300);

export const limitInput = z
  .object({
    subjectKind: z.enum(PRINCIPAL_KINDS).optional(),
    subjectId: glob.optional(),
    tool: glob.optional(),
    windowSeconds: z.number().int().min(1).max(86_400).default(60),
    maxRequests: z.number().int().min(1).max(1_000_000_000).optional(),
    maxConcurrent: z.number().int().min(1).max(100_000).optional(),
  })
  .strict()
  .refine((l) => l.maxRequests !== undefined || l.maxConcurrent !== undefined, {
    message: "set maxRequests, maxConcurrent, or both",
  });

export type LimitRow = typeof rateLimits.$inferSelect;

export function limitMatches(l: LimitRow, p: Principal, t: ToolFacts): boolean {
  return (
    (l.subjectKind === null || l.subjectKind === p.kind) &&
    (l.subjectId === null || globMatches(l.subjectId, p.subject) || globMatches(l.subjectId, p.id)) &&
    (l.tool === null || globMatches(l.tool, t.name) || globMatches(l.tool, t.id))
  );
}

/** Ends a call's hold on its concurrency leases. */
export type Release = () => Promise<void>;
const released: Release = async () => {};

const CACHE_MS = 2000;

export class RateLimiter {
  readonly #cache: CachedRead<LimitRow[]>;

  constructor(
    private readonly db: Database,
    /** How long a lease lives if its holder never releases it: past the longest call. */
    private readonly leaseMs: number,
  ) {
    this.#cache = new CachedRead(() => db.select().from(rateLimits), CACHE_MS);
  }

  /**
   * Counts one call by `p` to `t` against every limit that applies, and takes a lease under each
   * concurrency limit. Throws a rate_limited MCP error (with a retry-after hint) when over.
   * Each limit counts each principal on its own: a limit for every client gives each client its quota.
   */
  async acquire(p: Principal, t: ToolFacts): Promise<Release> {
    const applicable = (await this.#cache.get()).filter((l) => limitMatches(l, p, t));
    if (applicable.length === 0) return released;
    const now = Date.now();
    const leaseIds = new Map<string, string>();
    // Every count and every lease in one batch: one transaction, one round trip.
    const steps = applicable.flatMap((l) => {
      const key = `${l.id}|${p.id}`;
      const out = [];
      if (l.maxRequests !== null) {
        const windowMs = l.windowSeconds * 1000;
        const windowStart = Math.floor(now / windowMs) * windowMs;
        const retryAfterSeconds = Math.max(1, Math.ceil((windowStart + windowMs - now) / 1000));
        out.push({
          l,
          check: (rows: { n: number }[]) =>
            rows[0]!.n > l.maxRequests! ? rateLimited(`at most ${l.maxRequests} calls per ${l.windowSeconds} s (limit ${l.id})`, retryAfterSeconds) : undefined,
          query: this.db.all<{ n: number }>(sql`
            INSERT INTO rate_counters (key, window_start, count) VALUES (${key}, ${windowStart}, 1)
            ON CONFLICT (key, window_start) DO UPDATE SET count = count + 1
            RETURNING count AS n`),
        });
      }
      if (l.maxConcurrent !== null) {
        const id = randomSecret(12);
        leaseIds.set(l.id, id);
        out.push({
          l,
          check: (rows: { n: number }[]) => (rows.length === 0 ? rateLimited(`at most ${l.maxConcurrent} calls at once (limit ${l.id})`, 1) : undefined),
          // Counting and inserting in one statement: no other writer can slip in between.
          query: this.db.all<{ n: number }>(sql`
            INSERT INTO rate_leases (id, key, expires_at)
            SELECT ${id}, ${key}, ${now + this.leaseMs}
            WHERE (SELECT count(*) FROM rate_leases WHERE key = ${key} AND expires_at > ${now}) < ${l.maxConcurrent}
            RETURNING 1 AS n`),
        });
      }
      return out;
    });
    const [first, ...rest] = steps.map((x) => x.query);
    const results = (await this.db.batch([first!, ...rest])) as { n: number }[][];
    const taken = [...leaseIds.values()];
    const release: Release = async () => {
      if (taken.length) await this.db.delete(rateLeases).where(inArray(rateLeases.id, taken));
    };
    const refusal = steps.map((x, i) => x.check(results[i]!)).find((e) => e !== undefined);
    if (refusal) {
      await release();
      throw refusal;
    }
    return release;
  }

  /** Counts one event under `key` in the current fixed window; the count includes this one. */
  async count(key: string, windowSeconds: number): Promise<{ count: number; retryAfterSeconds: number }> {
    const now = Date.now();
    const windowMs = windowSeconds * 1000;
    const windowStart = Math.floor(now / windowMs) * windowMs;
    const [row] = await this.db
      .insert(rateCounters)
      .values({ key, windowStart, count: 1 })
      .onConflictDoUpdate({ target: [rateCounters.key, rateCounters.windowStart], set: { count: sql`${rateCounters.count} + 1` } })
      .returning({ count: rateCounters.count });
    return { count: row!.count, retryAfterSeconds: Math.max(1, Math.ceil((windowStart + windowMs - now) / 1000)) };
  }

  /** The events counted under `key` in the current window, without counting one. */
  async peek(key: string, windowSeconds: number): Promise<number> {
    const windowMs = windowSeconds * 1000;
    const windowStart = Math.floor(Date.now() / windowMs) * windowMs;
    const [row] = await this.db
      .select({ count: rateCounters.count })
      .from(rateCounters)
      .where(and(eq(rateCounters.key, key), eq(rateCounters.windowStart, windowStart)));
    return row?.count ?? 0;
  }

  list() {
    return this.db.select().from(rateLimits).orderBy(rateLimits.createdAt);
  }

  async add(input: z.output<typeof limitInput>): Promise<LimitRow> {
    const [row] = await this.db
      .insert(rateLimits)
      .values({
        id: `limit_${randomSecret(6)}`,
        subjectKind: input.subjectKind ?? null,
        subjectId: input.subjectId ?? null,
        tool: input.tool ?? null,
        windowSeconds: input.windowSeconds,
        maxRequests: input.maxRequests ?? null,
        maxConcurrent: input.maxConcurrent ?? null,
        createdAt: Date.now(),
      })
      .returning();
    this.#cache.invalidate();
    return row!;
  }

  async remove(id: string): Promise<boolean> {
    const rows = await this.db.delete(rateLimits).where(eq(rateLimits.id, id)).returning({ id: rateLimits.id });
    this.#cache.invalidate();
    return rows.length > 0;
  }

  /** Drops finished windows and expired leases. */
  async prune(): Promise<void> {
    const now = Date.now();
    await this.db.delete(rateCounters).where(lt(rateCounters.windowStart, now - 2 * 86_400_000));
    await this.db.delete(rateLeases).where(lt(rateLeases.expiresAt, now));
  }
}
