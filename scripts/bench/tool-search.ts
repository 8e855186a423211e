// search_tools' store-level cost per query shape: the ranking (`rankTools`, which `searchTools` runs) on a libSQL file (opened as a node
// opens its own) holding the synthetic catalog, with the ranking of another checkout
// (BASELINE_ROOT, e.g. main's) run on the same file, query by query interleaved, for the ratios.
// The file is built once per size and kept (TOOL_SEARCH_DIR), as importing 100,000 tools takes
// minutes; the end-to-end figures through /mcp are `npm run bench -- catalog`'s.
//
//   npm run bench:tool-search   (TOOL_SEARCH_SIZES=10000,100000 TOOL_SEARCH_ROUNDS=40 TOOL_SEARCH_EXTRA_TERMS=0 BASELINE_ROOT=)
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { sql } from "drizzle-orm";
import { replaceUpstreamCatalog, type UpstreamSnapshot } from "../../src/store/catalog.ts";
import type { Database } from "../../src/store/database.ts";
import { toolSearchPostings, toolSearchTerms, upstreams } from "../../src/store/schema/index.ts";
import { seeded } from "../../test/support/random.ts";
import { rankTools } from "../../src/store/tool-search-query.ts";
import { openDatabaseFile } from "../../test/support/libsql.ts";
import { SEARCH_SHAPES } from "./catalog.ts";
import { fmt, intEnv, machine, percentile, table } from "./lib.ts";
import { syntheticTools } from "./synthetic-tools.ts";

type Rank = typeof rankTools;
const sizes = (process.env.TOOL_SEARCH_SIZES ?? "10000,100000").split(",").map(Number);
const rounds = intEnv("TOOL_SEARCH_ROUNDS", 40);
const dir = process.env.TOOL_SEARCH_DIR ?? join(tmpdir(), "mcpfed-tool-search-bench");
// Extra distinct words in the vocabulary (each held by one tool), as a catalog of real descriptions has: the
// synthetic catalog's templates hold only a few hundred, so its vocabulary reads are cheaper than a real one's.
const extraTerms = intEnv("TOOL_SEARCH_EXTRA_TERMS", 0);
const LIMIT = 10;
// Tools per upstream when building a file: one import per slice keeps each batch bounded.
const SLICE = 10_000;

async function catalogFile(n: number): Promise<{ db: Database; close: () => void }> {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `catalog-${n}.db`);
  const fresh = !existsSync(file);
  const store = await openDatabaseFile(file);
  if (fresh) {
    const all = syntheticTools(n);
    for (let i = 0; i * SLICE < n; i++) {
      const name = `many${i}`;
      await store.db.insert(upstreams).values({ name, kind: "http", url: `http://127.0.0.1/${name}` });
      const tools = all.slice(i * SLICE, (i + 1) * SLICE) as UpstreamSnapshot["tools"];
      await replaceUpstreamCatalog(store.db, "bench-node", { name, prefix: name, catalogHash: null }, { tools, resources: [], resourceTemplates: [], prompts: [], serverName: name, serverVersion: "1" });
      console.error(`built ${Math.min(n, (i + 1) * SLICE)} of ${n} tools`);
    }
  }
  const [{ count } = { count: 0 }] = await store.db.all<{ count: number }>(sql`SELECT count(*) AS count FROM tools`);
  if (count !== n) throw new Error(`${file} holds ${count} tools, not ${n}: remove it`);
  if (extraTerms === 0) return store;
  const richer = join(dir, `catalog-${n}-plus-${extraTerms}-words.db`);
  if (!existsSync(richer)) {
    await store.db.run(sql`PRAGMA wal_checkpoint(TRUNCATE)`);
    copyFileSync(file, richer);
  }
  store.close();
  const rich = await openDatabaseFile(richer);
  const [{ terms } = { terms: 0 }] = await rich.db.all<{ terms: number }>(sql`SELECT count(*) AS terms FROM tool_search_terms WHERE term GLOB '?zzq*'`);
  if (terms === 0) {
    const random = seeded(20);
    const ids = (await rich.db.all<{ global_id: string }>(sql`SELECT global_id FROM tools`)).map((r) => r.global_id);
    // Words of 5 to 12 letters with the first letters English words have; "zzq" after the first marks them as added.
    const letters = "etaoinshrdlcumwfgypbvkjxqz";
    const word = () => Array.from({ length: 3 + Math.floor(random() * 8) }, () => letters[Math.floor(random() ** 1.5 * 26)]).join("");
    const rows = Array.from({ length: extraTerms }, (_, i) => ({ term: `${letters[Math.floor(random() ** 1.5 * 26)]}zzq${word()}${i}`, weight: 0.5, globalId: ids[i % ids.length]! }));
    for (let i = 0; i < rows.length; i += 1000) {
      const slice = rows.slice(i, i + 1000);
      await rich.db.batch([
        rich.db.insert(toolSearchPostings).values(slice),
        rich.db.insert(toolSearchTerms).values(slice.map((r) => ({ term: r.term, tools: 1 }))),
      ]);
    }
  }
  return rich;
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await run();
  return performance.now() - t0;
}

const figures = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p99: percentile(s, 99) };
};

async function main() {
  const baselineRoot = process.env.BASELINE_ROOT;
  const baseline: Rank | undefined = baselineRoot ? (await import(pathToFileURL(join(baselineRoot, "src/store/tool-search-query.ts")).href)).rankTools : undefined;
  const load = () => loadavg()[0]!.toFixed(1);
  const rows: string[][] = [];
  for (const n of sizes) {
    const store = await catalogFile(n);
    const loadBefore = load();
    const shapes = Object.entries(SEARCH_SHAPES);
    const samples = new Map<string, { now: number[]; base: number[] }>(shapes.map(([s]) => [s, { now: [], base: [] }]));
    const all = { now: [] as number[], base: [] as number[] };
    for (let round = -3; round < rounds; round++) {
      for (const [shape, queries] of shapes) {
        for (const q of queries) {
          // Alternate which goes first, so neither always finds the pages warm.
          const pair: (() => Promise<["now" | "base", number]>)[] = [async () => ["now", await timed(() => rankTools(store.db, q, LIMIT))]];
          if (baseline) pair.push(async () => ["base", await timed(() => baseline(store.db, q, LIMIT))]);
          if (round % 2) pair.reverse();
          for (const run of pair) {
            const [which, ms] = await run();
            if (round < 0) continue; // warm-up
            samples.get(shape)![which].push(ms);
            all[which].push(ms);
          }
        }
      }
    }
    const loadAfter = load();
    for (const [shape, s] of [...samples, ["all", all] as const]) {
      const now = figures(s.now);
      const base = baseline ? figures(s.base) : undefined;
      rows.push([
        n.toLocaleString("en"),
        shape,
        String(s.now.length),
        fmt(now.p50),
        fmt(now.p99),
        base ? fmt(base.p50) : "",
        base ? fmt(base.p99) : "",
        base ? `×${fmt(base.p50 / now.p50, 1)} / ×${fmt(base.p99 / now.p99, 1)}` : "",
      ]);
    }
    console.error(`${n} tools: load average ${loadBefore} before, ${loadAfter} after`);
    store.close();
  }
  console.log(`${machine()}; ${rounds} rounds of every query; ${extraTerms} words added to the vocabulary; rankTools (the ranking; searchTools then reads the ≤ ${LIMIT} tools' rows, the same in both)`);
  console.log(table(["tools", "shape", "queries", "this p50 ms", "this p99 ms", "baseline p50 ms", "baseline p99 ms", "ratio p50 / p99"], rows));
}

await main();
