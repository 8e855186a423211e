// Rate limits and quotas per client, peer and tool, counted in the store so that they hold across
// processes and isolates: request counts in sliding windows (sliding-window.ts), each counted and
// summed by one upsert and taken back when over, so a limit holds in every window of its length; and
// concurrency as leases taken by one conditional insert. A lease whose holder died expires on its own.
import { z } from "zod";
import { PRINCIPAL_KINDS, type Principal } from "../principals/principal.ts";
import { randomSecret } from "../../../secrets/token-secrets.ts";
import { globMatches, type ToolFacts } from "../policy/engine.ts";
import { rateLimited } from "../policy/denials.ts";
import { CachedRead } from "../../../store/cached-read.ts";
import type { Database } from "../../../store/database.ts";
import { secondsUntilRoom, slidingWindow, SLOTS, type SlidingWindow } from "./sliding-window.ts";
import {
  countInWindows,
  countOfWindow,
  deleteLimit,
  insertLimit,
  listLimits,
  pruneRateState,
  releaseLeases,
  slotsOf,
  takeLimitSteps,
  uncount,
  type LimitRow,
  type LimitStep,
} from "../../../store/access/rate-limits.ts";
import type { CreatedAfter } from "../../../store/access/list-cursor.ts";

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

export type { LimitRow };

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
    private readonly now: () => number = Date.now,
  ) {
    this.#cache = new CachedRead(() => listLimits(db), CACHE_MS);
  }

  /**
   * Counts one call by `p` to `t` against every limit that applies, and takes a lease under each
   * concurrency limit. Throws a rate_limited MCP error (with a retry-after hint) when over.
   * Each limit counts each principal on its own: a limit for every client gives each client its quota.
   */
  async acquire(p: Principal, t: ToolFacts): Promise<Release> {
    const applicable = (await this.#cache.get()).filter((l) => limitMatches(l, p, t));
    if (applicable.length === 0) return released;
    const now = this.now();
    const leaseIds = new Map<string, string>();
    // Every count and every lease in one batch: one transaction, one round trip.
    const steps = applicable.flatMap((l) => {
      const key = `${l.id}|${p.id}`;
      const out: { step: LimitStep; check: (rows: { n: number }[]) => Promise<ReturnType<typeof rateLimited> | undefined> }[] = [];
      if (l.maxRequests !== null) {
        const max = l.maxRequests;
        const w = slidingWindow(key, l.windowSeconds, now);
        out.push({
          step: { kind: "count", ...w },
          check: async (rows) => {
            if (rows[0]!.n <= max) return undefined;
            await uncount(this.db, [w]);
            return rateLimited(`at most ${max} calls in any ${l.windowSeconds} s (limit ${l.id})`, await this.#secondsUntilRoom(w, max, now));
          },
        });
      }
      if (l.maxConcurrent !== null) {
        const id = randomSecret(12);
        leaseIds.set(l.id, id);
        out.push({
          step: { kind: "lease", id, key, now, expiresAt: now + this.leaseMs, max: l.maxConcurrent },
          check: async (rows) => (rows.length === 0 ? rateLimited(`at most ${l.maxConcurrent} calls at once (limit ${l.id})`, 1) : undefined),
        });
      }
      return out;
    });
    const results = await takeLimitSteps(this.db, steps.map((x) => x.step));
    const taken = [...leaseIds.values()];
    const release: Release = async () => {
      if (taken.length) await releaseLeases(this.db, taken);
    };
    const refusal = (await Promise.all(steps.map((x, i) => x.check(results[i]!)))).find((e) => e !== undefined);
    if (refusal) {
      await release();
      throw refusal;
    }
    return release;
  }

  /**
   * Counts one event under `key` in its sliding window; the count includes this one. The wait is
   * until every event counted now has left the window (a slot past its length).
   */
  async count(key: string, windowSeconds: number): Promise<{ count: number; retryAfterSeconds: number }> {
    const now = this.now();
    const w = slidingWindow(key, windowSeconds, now);
    const [count] = await countInWindows(this.db, [w]);
    return { count: count!, retryAfterSeconds: Math.ceil((w.at + (SLOTS + 1) * w.slotMs - now) / 1000) };
  }

  /**
   * Counts one event under each key in its sliding window if every window is below its limit, in
   * one round trip; else counts none, and says which window was full and when it has room.
   */
  async countWithin(windows: readonly { key: string; windowSeconds: number; limit: number }[]): Promise<{ full: number; retryAfterSeconds: number } | undefined> {
    const now = this.now();
    const slots = windows.map((w) => slidingWindow(w.key, w.windowSeconds, now));
    // A limit of 0 takes nothing: no statement at all.
    const none = windows.findIndex((w) => w.limit < 1);
    if (none >= 0) return { full: none, retryAfterSeconds: windows[none]!.windowSeconds };
    if (windows.length === 0) return undefined;
    const sums = await countInWindows(this.db, slots);
    const full = sums.findIndex((n, i) => n > windows[i]!.limit);
    if (full < 0) return undefined;
    // Every window counted this refused event: take it back from all of them.
    await uncount(this.db, slots);
    return { full, retryAfterSeconds: await this.#secondsUntilRoom(slots[full]!, windows[full]!.limit, now) };
  }

  /** The events counted under `key` in its sliding window, without counting one. */
  async peek(key: string, windowSeconds: number): Promise<number> {
    return countOfWindow(this.db, slidingWindow(key, windowSeconds, this.now()));
  }

  #secondsUntilRoom(w: SlidingWindow, limit: number, now: number): Promise<number> {
    return slotsOf(this.db, w).then((slots) => secondsUntilRoom(w, slots, limit, now));
  }

  list(limit?: number, after?: CreatedAfter): Promise<LimitRow[]> {
    return listLimits(this.db, limit, after);
  }

  async add(input: z.output<typeof limitInput>): Promise<LimitRow> {
    const row = await insertLimit(this.db, {
      id: `limit_${randomSecret(6)}`,
      subjectKind: input.subjectKind ?? null,
      subjectId: input.subjectId ?? null,
      tool: input.tool ?? null,
      windowSeconds: input.windowSeconds,
      maxRequests: input.maxRequests ?? null,
      maxConcurrent: input.maxConcurrent ?? null,
      createdAt: Date.now(),
    });
    this.#cache.invalidate();
    return row;
  }

  async remove(id: string): Promise<boolean> {
    const removed = await deleteLimit(this.db, id);
    this.#cache.invalidate();
    return removed;
  }

  /** Drops finished windows and expired leases. */
  async prune(): Promise<void> {
    const now = this.now();
    await pruneRateState(this.db, now - 2 * 86_400_000, now);
  }
}
