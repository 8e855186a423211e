// What one limited check costs in the store: the fixed-window upsert of d2b81f3, the 50-slot
// sliding window of 1fcd996, the same check with its query built per check (02d6199) and the
// store's check as it is now (SLOTS slots, its statement prepared once),
// over one libSQL file opened as a node opens its own (WAL). The checks alternate statement by
// statement on an injected clock, so drift and checkpoints hit every variant alike. Two paces:
// many checks per slot (a busy key) and a new slot at every check (each check inserts a row).
//   npm run bench:rate-limits [-- --checks 6000]
import { createClient } from "@libsql/client";
import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/libsql";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { slidingWindow, SLOTS } from "../../src/node/access/limits/sliding-window.ts";
import { migrate, type Database } from "../../src/store/database.ts";
import { countInWindows } from "../../src/store/access/rate-limits.ts";
import * as schema from "../../src/store/schema/index.ts";
import { rateCounters } from "../../src/store/schema/access.ts";
import { fmt, machine, median, table } from "./lib.ts";

const { values } = parseArgs({ options: { checks: { type: "string", default: "6000" } } });
const CHECKS = Number(values.checks);
const WINDOW_MS = 60_000;
const LIMIT = 1_000_000_000;

type Check = (db: Database, key: string, now: number) => Promise<unknown>;

const variants: Record<string, Check> = {
  // d2b81f3: count in the aligned window, compare afterwards (a burst across a boundary takes twice the limit).
  "fixed window (d2b81f3)": (db, key, now) =>
    db.all(sql`
      INSERT INTO rate_counters (key, window_start, count) VALUES (${key}, ${Math.floor(now / WINDOW_MS) * WINDOW_MS}, 1)
      ON CONFLICT (key, window_start) DO UPDATE SET count = count + 1
      RETURNING count AS n`),
  // 1fcd996: the conditional upsert over 51 slots of 1.2 s.
  "50 slots (1fcd996)": (db, key, now) => {
    const slotMs = WINDOW_MS / 50;
    const at = Math.floor(now / slotMs) * slotMs;
    return db.all(sql`
      INSERT INTO rate_counters (key, window_start, count)
      SELECT ${key}, ${at}, 1
      WHERE (SELECT coalesce(sum(count), 0) FROM rate_counters WHERE key = ${key} AND window_start >= ${at - 50 * slotMs}) < ${LIMIT}
      ON CONFLICT (key, window_start) DO UPDATE SET count = count + 1
      RETURNING 1 AS n`);
  },
  // 02d6199: the same upsert as now, its query builder built for every check.
  [`${SLOTS} slots, built per check (02d6199)`]: (db, key, now) => {
    const w = slidingWindow(key, WINDOW_MS / 1000, now);
    return db
      .insert(rateCounters)
      .values({ key: w.key, windowStart: w.at, count: 1 })
      .onConflictDoUpdate({ target: [rateCounters.key, rateCounters.windowStart], set: { count: sql`${rateCounters.count} + 1` } })
      .returning({ n: sql<number>`(SELECT sum(count) FROM rate_counters WHERE key = ${w.key} AND window_start >= ${w.from})` });
  },
  [`${SLOTS} slots, prepared once (now)`]: (db, key, now) => countInWindows(db, [slidingWindow(key, WINDOW_MS / 1000, now)]),
};

async function openStore(): Promise<{ db: Database; close: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), "mcpfed-bench-limits-"));
  const client = createClient({ url: `file:${join(dir, "node.db")}`, concurrency: 1 });
  await client.execute("PRAGMA journal_mode = WAL");
  await client.execute("PRAGMA synchronous = NORMAL");
  const db = drizzle(client, { schema }) as Database;
  await migrate(db);
  return { db, close: () => (client.close(), rmSync(dir, { recursive: true, force: true })) };
}

/** Per variant: wall µs of each check after the warm-up, and CPU µs of this process per check. */
async function run(db: Database, stepMs: number) {
  const names = Object.keys(variants);
  const wall = Object.fromEntries(names.map((n) => [n, [] as number[]]));
  const cpu = Object.fromEntries(names.map((n) => [n, 0]));
  const warmup = Math.floor(CHECKS / 6);
  let now = 1_800_000_000_000;
  for (let i = 0; i < CHECKS; i++) {
    now += stepMs;
    // Rotate the order so no variant always runs right after another's write.
    for (let j = 0; j < names.length; j++) {
      const name = names[(i + j) % names.length]!;
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await variants[name]!(db, `bench|${stepMs}|${name}`, now);
      const t1 = performance.now();
      const c = process.cpuUsage(c0);
      if (i >= warmup) {
        wall[name]!.push((t1 - t0) * 1000);
        cpu[name] = cpu[name]! + c.user + c.system;
      }
    }
  }
  return names.map((n) => ({ name: n, wallP50: median(wall[n]!), cpu: cpu[n]! / (CHECKS - warmup) }));
}

const store = await openStore();
try {
  const paces = [
    { label: "busy key (40 ms apart)", stepMs: 40 },
    { label: "new slot each check (1.3 s apart)", stepMs: 1300 },
  ];
  const rows: (string | number)[][] = [];
  for (const p of paces) {
    const results = await run(store.db, p.stepMs);
    const base = results[0]!;
    for (const r of results) rows.push([p.label, r.name, fmt(r.wallP50, 0), fmt(r.cpu, 0), fmt(r.cpu / base.cpu)]);
  }
  console.log(`\n${machine()}; ${CHECKS} checks per variant and pace (the first sixth discarded), one 60 s window, limit never reached.\n`);
  console.log(table(["pace", "check", "p50 µs (wall)", "CPU µs per check", "CPU over fixed"], rows));
} finally {
  store.close();
}
