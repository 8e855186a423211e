// Catalog scale: a fresh node per size imports a many-tools upstream (scripts/bench/
// many-tools-server.ts) of 1,000, 10,000 and 100,000 tools. Reports the import (refresh) time,
// the node's resident memory (VmRSS from /proc) before and after the import and after a
// tools/list, and search_tools latency per query shape; with BASELINE_ROOT (another checkout,
// e.g. main's), a node run from there answers the same searches, interleaved, for the ratios.
// Each node's own share of a search (its wall and CPU time per request, GC pauses, event-loop
// delay) comes from request-timing-hook.mjs. CATALOG_STORE_<n> (e.g. CATALOG_STORE_100000) names
// the data directory of a node that imported n tools before (its node-seed and node.db): each
// node starts on a copy of it instead of importing, as 100,000 tools take minutes to import on a
// loaded machine; the import, the refresh and the memory figures are then not measured.
//
//   npx tsx scripts/bench/catalog.ts   (CATALOG_SIZES=1000,10000,100000 SEARCH_CALLS=680 BASELINE_ROOT= CATALOG_STORE_<n>=)
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Agent, fetch as undiciFetch } from "undici";
import { freePort, start, waitFor } from "../../test/support/processes.ts";
import { closedLoop, connectClient, fmt, intEnv, memoryOf, percentile, sleep, table } from "./lib.ts";
import { startBenchNode } from "./node-process.ts";

/** What people type into a tool search, by shape (the rare words are vendors that exist only past 20,160 tools). */
export const SEARCH_SHAPES: Record<string, string[]> = {
  "no hits": ["xyzzy frobnicate", "qwertyuiop"],
  "one rare word": ["synchronizes", "markdown", "stasonis"],
  "many common words": ["list create update delete get search issue", "upload file to s3 bucket", "send a slack message to the team channel"],
  "one common word": ["user", "archive", "webhook"],
  prefix: ["github pul", "kuber", "incid"],
  typo: ["kubernets pods", "stirpe invoice", "pagerdtuy incident"],
};
export const SEARCH_QUERIES = Object.values(SEARCH_SHAPES).flat();

export interface CatalogResult {
  tools: number;
  bytesPerTool: number;
  importMs: number;
  unchangedRefreshMs: number;
  rss: { before: number; afterImport: number; afterList: number; peak: number };
  heapAfterGc: { afterList: number; rssAfterGc: number };
  listMs: number;
  listBytes: number;
  search?: SearchFigures;
  /** The same searches on a node of the baseline checkout (BASELINE_ROOT), interleaved with these. */
  baseline?: SearchFigures;
}

interface Percentiles {
  p50: number;
  p99: number;
}

interface SearchFigures extends Percentiles {
  calls: number;
  byShape: Record<string, Percentiles>;
  zeroHitQueries: string[];
  /** The node's own time per search, from its arrival to the end of the answer, and its process CPU over that time. */
  node?: { wall: Percentiles; cpu: Percentiles; gcPauses: number; gcMs: number; gcMaxMs: number; loopDelayP99: number };
}

interface NodeTiming {
  requests: { method: string; ms: number; cpuMs: number }[];
  gcs: { ms: number }[];
  loop: { p99: number };
}

/** What request-timing-hook.mjs recorded since the last call, which starts it afresh. */
async function nodeTiming(file: string, signal: (s: NodeJS.Signals) => void): Promise<NodeTiming> {
  rmSync(file, { force: true });
  signal("SIGUSR2");
  for (let i = 0; i < 100; i++) {
    await sleep(100);
    try {
      return JSON.parse(readFileSync(file, "utf8")) as NodeTiming;
    } catch {
      // not written yet
    }
  }
  throw new Error(`no timing report in ${file}`);
}

/** A fresh data directory holding a copy of a prebuilt one's store and seed. */
function copiedStore(from: string): string {
  const dir = mkdtempSync(join(tmpdir(), "mcpfed-bench-"));
  for (const f of ["node-seed", "node.db"]) cpSync(join(from, f), join(dir, f));
  return dir;
}

function percentiles(samples: number[]): Percentiles {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
}

async function memoryAfterGc(pid: number, file: string, signal: (s: NodeJS.Signals) => void) {
  rmSync(file, { force: true });
  signal("SIGUSR2");
  for (let i = 0; i < 50; i++) {
    await sleep(100);
    try {
      return JSON.parse(readFileSync(file, "utf8")) as { heapUsed: number; rss: number };
    } catch {
      // not written yet
    }
  }
  throw new Error(`no memory report from ${pid}`);
}

/** No wait on the answer's headers: on a crowded machine a 100,000-tool import outlasts fetch's 300 s default. */
const patient = new Agent({ headersTimeout: 0, bodyTimeout: 0 });

/** Registers the many-tools upstream; the node answers once it has imported the catalog. */
function importUpstream(node: { url: string; adminToken: string }, port: number) {
  return undiciFetch(`${node.url}/admin/upstreams`, {
    method: "POST",
    dispatcher: patient,
    headers: { authorization: `Bearer ${node.adminToken}`, "content-type": "application/json" },
    body: JSON.stringify({ name: "many", kind: "http", url: `http://127.0.0.1:${port}/mcp` }),
  });
}

export async function runCatalogSize(n: number, searchCalls: number, log = (m: string) => console.error(m), baselineRoot = process.env.BASELINE_ROOT): Promise<CatalogResult> {
  const port = await freePort();
  const upstream = start(process.execPath, ["--import", "tsx", join(import.meta.dirname, "many-tools-server.ts")], {
    TOOLS: String(n),
    PORT: String(port),
    // The node's MCP client follows at most 64 pages of a list (a bound against servers whose
    // pagination never ends): a server this large pages bigger, ~2 MiB a page at 100,000 tools.
    PAGE_SIZE: String(Math.max(1000, Math.ceil(n / 50))),
  });
  const memFile = join(tmpdir(), `mcpfed-bench-mem-${process.pid}-${n}.json`);
  const timingFiles = [0, 1].map((k) => join(tmpdir(), `mcpfed-bench-timing-${process.pid}-${n}-${k}.json`));
  const hook = pathToFileURL(join(import.meta.dirname, "memory-hook.mjs")).href;
  const timingHook = pathToFileURL(join(import.meta.dirname, "request-timing-hook.mjs")).href;
  const prebuilt = process.env[`CATALOG_STORE_${n}`];
  const node = await startBenchNode({
    nodeArgs: ["--expose-gc", "--import", hook, "--import", timingHook],
    env: { BENCH_MEMORY_OUT: memFile, BENCH_TIMING_OUT: timingFiles[0]! },
    ...(prebuilt ? { dataDir: copiedStore(prebuilt) } : {}),
  });
  const base =
    searchCalls > 0 && baselineRoot
      ? await startBenchNode({ root: baselineRoot, nodeArgs: ["--import", timingHook], env: { BENCH_TIMING_OUT: timingFiles[1]! }, ...(prebuilt ? { dataDir: copiedStore(prebuilt) } : {}) })
      : undefined;
  try {
    await waitFor(async () => upstream.output().includes("many-tools:"), "many-tools server", upstream);
    const bytesPerTool = Number(/\((\d+) bytes each/.exec(upstream.output())?.[1] ?? NaN);
    const pid = node.child.pid!;
    await sleep(1000); // the start-up tick and module loading settle
    const before = memoryOf(pid).rssMiB;

    let t0 = performance.now();
    let importMs = NaN;
    let unchangedRefreshMs = NaN;
    if (!prebuilt) {
      const res = await importUpstream(node, port);
      importMs = performance.now() - t0;
      const body = (await res.json()) as { upstream?: { tools: number }; refresh?: { ok: boolean; error?: string } };
      if (res.status !== 201 || !body.refresh?.ok || body.upstream?.tools !== n) {
        throw new Error(`import of ${n} tools failed: ${res.status} ${JSON.stringify(body).slice(0, 500)}`);
      }
      log(`${n} tools: imported in ${fmt(importMs, 0)} ms`);
    } else log(`${n} tools: started on a copy of ${prebuilt}`);
    await sleep(1000);
    const afterImport = memoryOf(pid).rssMiB;

    if (!prebuilt) {
      t0 = performance.now();
      const again = await node.admin("POST", "/upstreams/many/refresh");
      unchangedRefreshMs = performance.now() - t0;
      const againBody = (await again.json()) as { refresh?: { ok: boolean; changed: boolean } };
      if (!againBody.refresh?.ok || againBody.refresh.changed) throw new Error(`unexpected refresh: ${JSON.stringify(againBody)}`);
    }

    const client = await connectClient(node.mcpUrl);
    t0 = performance.now();
    // Past 20,000 tools the listing (over 17 MiB) is not what is measured here.
    const listed = n <= 20_000 && !prebuilt ? await client.listTools() : { tools: [] };
    const listMs = performance.now() - t0;
    if (n <= 20_000 && !prebuilt && listed.tools.length < n) throw new Error(`tools/list gave ${listed.tools.length} tools, expected ${n} and the node's own`);
    const listBytes = Buffer.byteLength(JSON.stringify(listed));
    await sleep(1000);
    const afterList = memoryOf(pid);
    const gc = await memoryAfterGc(pid, memFile, (s) => node.child.kill(s));
    log(`${n} tools: RSS ${fmt(before, 0)} → ${fmt(afterImport, 0)} → ${fmt(afterList.rssMiB, 0)} MiB (peak ${fmt(afterList.hwmMiB, 0)})`);

    let search: SearchFigures | undefined;
    let baseline: SearchFigures | undefined;
    if (searchCalls > 0) {
      if (base && !prebuilt) {
        const imported = await importUpstream(base, port);
        if (imported.status !== 201) throw new Error(`baseline import failed: ${imported.status}`);
        log(`${n} tools: baseline node imported`);
      }
      const clients = [client, ...(base ? [await connectClient(base.mcpUrl)] : [])];
      const samples = clients.map(() => new Map<string, number[]>());
      const zero = clients.map(() => new Set<string>());
      // Each query on each node in turn, so both see the same machine load.
      const ask = async (i: number) => {
        const query = SEARCH_QUERIES[i % SEARCH_QUERIES.length]!;
        for (const [k, c] of clients.entries()) {
          const t = performance.now();
          const r = await c.callTool({ name: "search_tools", arguments: { query } });
          const ms = performance.now() - t;
          if (r.isError) throw new Error(`search_tools failed: ${JSON.stringify(r.content)}`);
          if ((r.structuredContent as { results: unknown[] }).results.length === 0) zero[k]!.add(query);
          samples[k]!.set(query, [...(samples[k]!.get(query) ?? []), ms]);
        }
      };
      const procs = [node, ...(base ? [base] : [])];
      await closedLoop(SEARCH_QUERIES.length * 3, 1, ask); // warm-up
      for (const m of samples) m.clear();
      for (const [k, p] of procs.entries()) await nodeTiming(timingFiles[k]!, (s) => p.child.kill(s));
      await closedLoop(searchCalls, 1, ask);
      const timings = await Promise.all(procs.map((p, k) => nodeTiming(timingFiles[k]!, (s) => p.child.kill(s))));
      const figures = (k: number): SearchFigures => {
        const byQuery = samples[k]!;
        const all = [...byQuery.values()].flat();
        const byShape = Object.fromEntries(Object.entries(SEARCH_SHAPES).map(([shape, qs]) => [shape, percentiles(qs.flatMap((q) => byQuery.get(q) ?? []))]));
        const t = timings[k]!;
        const posts = t.requests.filter((r) => r.method === "POST");
        const node = {
          wall: percentiles(posts.map((r) => r.ms)),
          cpu: percentiles(posts.map((r) => r.cpuMs)),
          gcPauses: t.gcs.length,
          gcMs: t.gcs.reduce((a, g) => a + g.ms, 0),
          gcMaxMs: Math.max(0, ...t.gcs.map((g) => g.ms)),
          loopDelayP99: t.loop.p99,
        };
        return { calls: all.length, ...percentiles(all), byShape, zeroHitQueries: [...zero[k]!], node };
      };
      search = figures(0);
      baseline = base ? figures(1) : undefined;
      log(`${n} tools: search_tools p50 ${fmt(search.p50)} ms, p99 ${fmt(search.p99)} ms${baseline ? ` (baseline p50 ${fmt(baseline.p50)}, p99 ${fmt(baseline.p99)})` : ""}`);
      for (const [k, f] of [search, ...(baseline ? [baseline] : [])].entries()) {
        const t = f.node!;
        log(`${n} tools: ${k ? "baseline" : "this"} node's own time per search p50 ${fmt(t.wall.p50)} / p99 ${fmt(t.wall.p99)} ms, CPU p50 ${fmt(t.cpu.p50)} / p99 ${fmt(t.cpu.p99)} ms; GC ${t.gcPauses} pauses, ${fmt(t.gcMs)} ms in all, longest ${fmt(t.gcMaxMs)}; event-loop delay p99 ${fmt(t.loopDelayP99)} ms`);
      }
      for (const [shape, p] of Object.entries(search.byShape)) {
        const b = baseline?.byShape[shape];
        log(`${n} tools:   ${shape}: p50 ${fmt(p.p50)} ms, p99 ${fmt(p.p99)} ms${b ? ` (baseline p50 ${fmt(b.p50)}, p99 ${fmt(b.p99)})` : ""}`);
      }
      if (clients[1]) await clients[1].close();
    }
    await client.close();
    return {
      tools: n,
      bytesPerTool,
      importMs,
      unchangedRefreshMs,
      rss: { before, afterImport, afterList: afterList.rssMiB, peak: afterList.hwmMiB },
      heapAfterGc: { afterList: gc.heapUsed / 2 ** 20, rssAfterGc: gc.rss / 2 ** 20 },
      listMs,
      listBytes,
      search,
      ...(baseline ? { baseline } : {}),
    };
  } finally {
    await Promise.allSettled([node.stop(), upstream.stop(), ...(base ? [base.stop()] : [])]);
    if (base) rmSync(base.dataDir, { recursive: true, force: true });
    rmSync(node.dataDir, { recursive: true, force: true });
    rmSync(memFile, { force: true });
    for (const f of timingFiles) rmSync(f, { force: true });
  }
}

export async function runCatalogBench(
  sizes = (process.env.CATALOG_SIZES ?? "1000,10000,100000").split(",").map(Number),
  searchCalls = intEnv("SEARCH_CALLS", 680),
) {
  const results: CatalogResult[] = [];
  // search_tools is measured from 10,000 tools up.
  for (const n of sizes) results.push(await runCatalogSize(n, n >= 10_000 ? searchCalls : 0));
  return { results, markdown: catalogMarkdown(results) };
}

export function catalogMarkdown(results: CatalogResult[]): string {
  const mem = table(
    ["catalog tools", "RSS before import", "after import", "after tools/list", "peak (VmHWM)", "after a full GC: RSS / V8 heap used", "import (refresh) time", "unchanged refresh", "tools/list (client)"],
    results.map((r) => [
      r.tools.toLocaleString("en-US"),
      `${fmt(r.rss.before, 0)} MiB`,
      `${fmt(r.rss.afterImport, 0)} MiB`,
      `${fmt(r.rss.afterList, 0)} MiB`,
      `${fmt(r.rss.peak, 0)} MiB`,
      `${fmt(r.heapAfterGc.rssAfterGc, 0)} / ${fmt(r.heapAfterGc.afterList, 0)} MiB`,
      `${fmt(r.importMs / 1000, 2)} s`,
      `${fmt(r.unchangedRefreshMs, 0)} ms`,
      `${fmt(r.listMs, 0)} ms, ${fmt(r.listBytes / 2 ** 20, 1)} MiB`,
    ]),
  );
  const searched = results.filter((r) => r.search);
  const ratio = (now: number, then: number | undefined) => (then === undefined ? "" : ` (${fmt(then)} ms, ×${fmt(then / now, 1)})`);
  const search = searched.length
    ? [
        `search_tools, end to end through /mcp with the SDK client, concurrency 1, limit 10; per shape p50 and p99 in ms, ` +
          `and in parentheses the baseline node's (BASELINE_ROOT) and how many times faster this one is:`,
        "",
        table(
          ["tools", "shape", "queries", "p50", "p99"],
          searched.flatMap((r) =>
            [...Object.entries(r.search!.byShape), ["all", r.search!] as const].map(([shape, p]) => [
              r.tools.toLocaleString("en-US"),
              shape,
              shape === "all" ? String(r.search!.calls) : (SEARCH_SHAPES[shape] ?? []).map((q) => `"${q}"`).join(", "),
              `${fmt(p.p50)}${ratio(p.p50, shape === "all" ? r.baseline?.p50 : r.baseline?.byShape[shape]?.p50)}`,
              `${fmt(p.p99)}${ratio(p.p99, shape === "all" ? r.baseline?.p99 : r.baseline?.byShape[shape]?.p99)}`,
            ]),
          ),
        ),
        "",
        ...searched.map((r) => {
          const own = (f: SearchFigures) => `p50 ${fmt(f.node!.wall.p50)} / p99 ${fmt(f.node!.wall.p99)} ms (CPU p50 ${fmt(f.node!.cpu.p50)} / p99 ${fmt(f.node!.cpu.p99)} ms; GC ${f.node!.gcPauses} pauses, longest ${fmt(f.node!.gcMaxMs)} ms)`;
          return `The node's own time per search at ${r.tools.toLocaleString("en-US")}: ${own(r.search!)}${r.baseline ? `; baseline: ${own(r.baseline)}` : ""}.`;
        }),
        "",
        ...searched.map((r) => `Queries with no hits at ${r.tools.toLocaleString("en-US")}: ${r.search!.zeroHitQueries.map((q) => `"${q}"`).join(", ") || "none"}` + (r.baseline ? `; baseline: ${r.baseline.zeroHitQueries.map((q) => `"${q}"`).join(", ") || "none"}.` : ".")),
      ]
    : [];
  return [
    `Synthetic tools average ${fmt(results[0]?.bytesPerTool ?? NaN, 0)} bytes of JSON each; a quarter carry an outputSchema.`,
    "",
    mem,
    "",
    ...search,
  ].join("\n");
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { markdown } = await runCatalogBench();
  console.log(markdown);
  process.exit(0);
}
