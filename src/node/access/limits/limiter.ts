// Rate limits and quotas per client, peer and tool, counted in the store so that they hold across
// processes and isolates: fixed-window request counts with one atomic upsert, and concurrency as
// leases taken by one conditional insert. A lease whose holder died expires on its own.
import { z } from "zod";
import { PRINCIPAL_KINDS, type Principal } from "../principals/principal.ts";
import { randomSecret } from "../../../secrets/token-secrets.ts";
import { globMatches, type ToolFacts } from "../policy/engine.ts";
import { rateLimited } from "../policy/denials.ts";
import { CachedRead } from "../../../store/cached-read.ts";
import type { Database } from "../../../store/database.ts";
import {
  countBelowLimits,
  countInWindow,
  countOfWindow,
  deleteLimit,
  insertLimit,
  listLimits,
  pruneRateState,
  releaseLeases,
  takeLimitSteps,
  uncount,
  type LimitRow,
  type LimitStep,
} from "../../../store/access/rate-limits.ts";

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
    const now = Date.now();
    const leaseIds = new Map<string, string>();
    // Every count and every lease in one batch: one transaction, one round trip.
    const steps = applicable.flatMap((l) => {
      const key = `${l.id}|${p.id}`;
      const out: { step: LimitStep; check: (rows: { n: number }[]) => ReturnType<typeof rateLimited> | undefined }[] = [];
      if (l.maxRequests !== null) {
        const windowMs = l.windowSeconds * 1000;
        const windowStart = Math.floor(now / windowMs) * windowMs;
        const retryAfterSeconds = Math.max(1, Math.ceil((windowStart + windowMs - now) / 1000));
        out.push({
          step: { kind: "count", key, windowStart },
          check: (rows) =>
            rows[0]!.n > l.maxRequests! ? rateLimited(`at most ${l.maxRequests} calls per ${l.windowSeconds} s (limit ${l.id})`, retryAfterSeconds) : undefined,
        });
      }
      if (l.maxConcurrent !== null) {
        const id = randomSecret(12);
        leaseIds.set(l.id, id);
        out.push({
          step: { kind: "lease", id, key, now, expiresAt: now + this.leaseMs, max: l.maxConcurrent },
          check: (rows) => (rows.length === 0 ? rateLimited(`at most ${l.maxConcurrent} calls at once (limit ${l.id})`, 1) : undefined),
        });
      }
      return out;
    });
    const results = await takeLimitSteps(this.db, steps.map((x) => x.step));
    const taken = [...leaseIds.values()];
    const release: Release = async () => {
      if (taken.length) await releaseLeases(this.db, taken);
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
    const count = await countInWindow(this.db, key, windowStart);
    return { count, retryAfterSeconds: Math.max(1, Math.ceil((windowStart + windowMs - now) / 1000)) };
  }

  /**
   * Counts one event under each key in its current fixed window if every window is below its
   * limit, in one round trip; else counts none, and says which window was full and when it ends.
   */
  async countWithin(windows: readonly { key: string; windowSeconds: number; limit: number }[]): Promise<{ full: number; retryAfterSeconds: number } | undefined> {
    const now = Date.now();
    const starts = windows.map((w) => Math.floor(now / (w.windowSeconds * 1000)) * w.windowSeconds * 1000);
    const fullAt = (i: number) => ({ full: i, retryAfterSeconds: Math.max(1, Math.ceil((starts[i]! + windows[i]!.windowSeconds * 1000 - now) / 1000)) });
    // A limit of 0 takes nothing: no statement at all.
    const none = windows.findIndex((w) => w.limit < 1);
    if (none >= 0) return fullAt(none);
    if (windows.length === 0) return undefined;
    const counts = await countBelowLimits(this.db, windows.map((w, i) => ({ key: w.key, windowStart: starts[i]!, limit: w.limit })));
    const full = counts.findIndex((n) => n === undefined);
    if (full < 0) return undefined;
    // Another window counted this refused event: take it back.
    await uncount(this.db, windows.flatMap((w, i) => (counts[i] === undefined ? [] : [{ key: w.key, windowStart: starts[i]! }])));
    return fullAt(full);
  }

  /** The events counted under `key` in the current window, without counting one. */
  async peek(key: string, windowSeconds: number): Promise<number> {
    const windowMs = windowSeconds * 1000;
    const windowStart = Math.floor(Date.now() / windowMs) * windowMs;
    return countOfWindow(this.db, key, windowStart);
  }

  list(limit?: number): Promise<LimitRow[]> {
    return listLimits(this.db, limit);
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
    const now = Date.now();
    await pruneRateState(this.db, now - 2 * 86_400_000, now);
  }
}
