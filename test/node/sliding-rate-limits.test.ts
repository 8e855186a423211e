// Rate limits in sliding windows over a real libSQL store, on an injected clock: a limit holds in
// every window of its length (a burst straddling an aligned boundary included), a refusal says
// when there is room again, and checks from two clients on one database file never take a window
// past its limit.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RateLimiter } from "../../src/node/access/limits/limiter.ts";
import type { Principal } from "../../src/node/access/principals/principal.ts";
import type { ToolFacts } from "../../src/node/access/policy/engine.ts";
import { memoryDb, openDatabaseFile, type TestDatabase } from "../support/libsql.ts";
import { seeded } from "../support/random.ts";

const alice: Principal = { kind: "client", id: "client:alice", subject: "alice", name: "alice", scopes: ["mcp:call"], roles: [] };
const echo: ToolFacts = { id: "n/everything/echo", name: "everything_echo", upstream: "everything", tags: [], visibility: "listed" };

/** A clock the test moves; starts on an aligned minute so "just before the boundary" means what it says. */
function clock(start = 1_800_000_000_000) {
  const c = { t: start, now: () => c.t };
  return c;
}

async function admitted(limiter: RateLimiter): Promise<boolean> {
  try {
    await limiter.acquire(alice, echo);
    return true;
  } catch (e) {
    if ((e as { data?: { type?: string } }).data?.type !== "rate_limited") throw e;
    return false;
  }
}

async function retryAfter(limiter: RateLimiter): Promise<number> {
  const e = await limiter.acquire(alice, echo).then(
    () => undefined,
    (err: { data: { retryAfterSeconds: number } }) => err,
  );
  expect(e).toBeDefined();
  return e!.data.retryAfterSeconds;
}

describe("a request limit in a sliding window", () => {
  it("holds a burst straddling an aligned window boundary to the limit", async () => {
    const c = clock();
    const limiter = new RateLimiter(await memoryDb(), 60_000, c.now);
    await limiter.add({ windowSeconds: 60, maxRequests: 10 });
    // Ten just before a whole minute, then ten more tried just after it: a fixed window would take all twenty.
    c.t += 59_900;
    for (let i = 0; i < 10; i++) expect(await admitted(limiter)).toBe(true);
    c.t += 200;
    const after = [];
    for (let i = 0; i < 10; i++) after.push(await admitted(limiter));
    expect(after.filter(Boolean)).toHaveLength(0);
    // Room again once the burst's slot (1.2 s of a 60 s window) has left: 60 s plus at most one slot later.
    const wait = await retryAfter(limiter);
    expect(wait).toBeGreaterThanOrEqual(60);
    expect(wait).toBeLessThanOrEqual(62);
    c.t += (wait - 1) * 1000;
    expect(await admitted(limiter)).toBe(false);
    c.t += 1000;
    expect(await admitted(limiter)).toBe(true);
  });

  it("never admits more than the limit in any window of its length, whatever the arrivals", async () => {
    const c = clock();
    const limiter = new RateLimiter(await memoryDb(), 60_000, c.now);
    const [limit, windowMs] = [7, 10_000];
    await limiter.add({ windowSeconds: windowMs / 1000, maxRequests: limit });
    const random = seeded(14);
    const times: number[] = [];
    // Bursts and lulls across many aligned boundaries.
    for (let i = 0; i < 400; i++) {
      c.t += random() < 0.7 ? Math.floor(random() * 300) : Math.floor(random() * 6000);
      if (await admitted(limiter)) times.push(c.t);
    }
    let most = 0;
    for (let i = 0; i < times.length; i++) {
      const inWindow = times.filter((t) => t >= times[i]! && t < times[i]! + windowMs).length;
      most = Math.max(most, inWindow);
    }
    expect(most).toBe(limit);
    // And it is no fixed window in disguise: more than the limit were admitted over the run.
    expect(times.length).toBeGreaterThan(5 * limit);
  });

  it("counts per window in every window or in none, and a refusal waits for the full one", async () => {
    const c = clock();
    const limiter = new RateLimiter(await memoryDb(), 60_000, c.now);
    const windows = [
      { key: "q|a", windowSeconds: 3600, limit: 5 },
      { key: "r|a", windowSeconds: 60, limit: 3 },
    ];
    c.t += 59_000;
    for (let i = 0; i < 3; i++) expect(await limiter.countWithin(windows)).toBeUndefined();
    // Across the minute's boundary the rate still holds, and its refusal counted nothing in the hour.
    c.t += 2000;
    expect(await limiter.countWithin(windows)).toMatchObject({ full: 1 });
    expect(await limiter.peek("q|a", 3600)).toBe(3);
    c.t += 60_000;
    for (let i = 0; i < 2; i++) expect(await limiter.countWithin(windows)).toBeUndefined();
    const full = await limiter.countWithin(windows);
    expect(full).toMatchObject({ full: 0 });
    // The hour has room once its first three left: an hour (plus a slot) after 59 s.
    expect(full!.retryAfterSeconds).toBeGreaterThan(3600 - 62 - 60);
    expect(full!.retryAfterSeconds).toBeLessThanOrEqual(3600 + 72 - 62);
    expect(await limiter.peek("r|a", 60)).toBe(2);
  });
});

describe("two clients on one libSQL file", () => {
  let dir: string;
  let stores: TestDatabase[];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "mcpfed-limits-"));
    const first = await openDatabaseFile(join(dir, "node.db"));
    stores = [first, await openDatabaseFile(join(dir, "node.db"))];
  });
  afterAll(() => {
    for (const s of stores) s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("never admit more than the limit between them, on either side of a boundary", async () => {
    const c = clock();
    const [one, two] = stores.map((s) => new RateLimiter(s.db, 60_000, c.now));
    await one!.add({ windowSeconds: 60, maxRequests: 10 });
    c.t += 59_500;
    const before = await Promise.all(Array.from({ length: 16 }, (_, i) => admitted(i % 2 ? one! : two!)));
    expect(before.filter(Boolean)).toHaveLength(10);
    c.t += 1000;
    const after = await Promise.all(Array.from({ length: 16 }, (_, i) => admitted(i % 2 ? one! : two!)));
    expect(after.filter(Boolean)).toHaveLength(0);
  });

  it("count a two-window check in both or neither under concurrent checks", async () => {
    const c = clock();
    const [one, two] = stores.map((s) => new RateLimiter(s.db, 60_000, c.now));
    const windows = [
      { key: "trust-quota|p", windowSeconds: 86_400, limit: 6 },
      { key: "trust-rate|p", windowSeconds: 60, limit: 4 },
    ];
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? one! : two!).countWithin(windows)));
    expect(answers.filter((a) => a === undefined)).toHaveLength(4);
    expect(await one!.peek("trust-rate|p", 60)).toBe(4);
    expect(await two!.peek("trust-quota|p", 86_400)).toBe(4);
  });
});
