// Catalog scale: a fresh node per size imports a many-tools upstream (scripts/bench/
// many-tools-server.ts) of 1,000 and 10,000 tools. Reports the import (refresh) time, the node's
// resident memory (VmRSS from /proc) before and after the import and after a tools/list, and
// search_tools latency over a mix of queries.
//
//   npx tsx scripts/bench/catalog.ts          (CATALOG_SIZES=1000,10000 SEARCH_CALLS=600)
import { readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { freePort, start, waitFor } from "../../test/support/processes.ts";
import { closedLoop, connectClient, fmt, intEnv, memoryOf, percentile, sleep, table } from "./lib.ts";
import { startBenchNode } from "./node-process.ts";

/** What people type into a tool search: topics, verbs, product names, one-word and misses. */
export const SEARCH_QUERIES = [
  "create issue",
  "github pull request",
  "send a slack message",
  "list kubernetes pods",
  "delete customer",
  "stripe invoice",
  "search email",
  "calendar event",
  "export dashboard metrics",
  "update jira ticket",
  "reopen",
  "upload file to s3 bucket",
  "postgres query table rows",
  "comment on zendesk ticket",
  "archive",
  "user",
  "webhook",
  "pagerduty incident alert",
  "notion page database",
  "deploy container",
  "close",
  "xyzzy frobnicate",
];

export interface CatalogResult {
  tools: number;
  bytesPerTool: number;
  importMs: number;
  unchangedRefreshMs: number;
  rss: { before: number; afterImport: number; afterList: number; peak: number };
  heapAfterGc: { afterList: number; rssAfterGc: number };
  listMs: number;
  listBytes: number;
  search?: { calls: number; p50: number; p99: number; mean: number; zeroHitQueries: string[]; slowest: [string, number][] };
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

export async function runCatalogSize(n: number, searchCalls: number, log = (m: string) => console.error(m)): Promise<CatalogResult> {
  const port = await freePort();
  const upstream = start(process.execPath, ["--import", "tsx", join(import.meta.dirname, "many-tools-server.ts")], {
    TOOLS: String(n),
    PORT: String(port),
  });
  const memFile = join(tmpdir(), `mcpfed-bench-mem-${process.pid}-${n}.json`);
  const hook = pathToFileURL(join(import.meta.dirname, "memory-hook.mjs")).href;
  const node = await startBenchNode({ nodeArgs: ["--expose-gc", "--import", hook], env: { BENCH_MEMORY_OUT: memFile } });
  try {
    await waitFor(async () => upstream.output().includes("many-tools:"), "many-tools server", upstream);
    const bytesPerTool = Number(/\((\d+) bytes each/.exec(upstream.output())?.[1] ?? NaN);
    const pid = node.child.pid!;
    await sleep(1000); // the start-up tick and module loading settle
    const before = memoryOf(pid).rssMiB;

    let t0 = performance.now();
    const res = await node.admin("POST", "/upstreams", { name: "many", kind: "http", url: `http://127.0.0.1:${port}/mcp` });
    const importMs = performance.now() - t0;
    const body = (await res.json()) as { upstream?: { tools: number }; refresh?: { ok: boolean; error?: string } };
    if (res.status !== 201 || !body.refresh?.ok || body.upstream?.tools !== n) {
      throw new Error(`import of ${n} tools failed: ${res.status} ${JSON.stringify(body).slice(0, 500)}`);
    }
    log(`${n} tools: imported in ${fmt(importMs, 0)} ms`);
    await sleep(1000);
    const afterImport = memoryOf(pid).rssMiB;

    t0 = performance.now();
    const again = await node.admin("POST", "/upstreams/many/refresh");
    const unchangedRefreshMs = performance.now() - t0;
    const againBody = (await again.json()) as { refresh?: { ok: boolean; changed: boolean } };
    if (!againBody.refresh?.ok || againBody.refresh.changed) throw new Error(`unexpected refresh: ${JSON.stringify(againBody)}`);

    const client = await connectClient(node.mcpUrl);
    t0 = performance.now();
    const listed = await client.listTools();
    const listMs = performance.now() - t0;
    if (listed.tools.length !== n + 2) throw new Error(`tools/list gave ${listed.tools.length} tools, expected ${n + 2}`);
    const listBytes = Buffer.byteLength(JSON.stringify(listed));
    await sleep(1000);
    const afterList = memoryOf(pid);
    const gc = await memoryAfterGc(pid, memFile, (s) => node.child.kill(s));
    log(`${n} tools: RSS ${fmt(before, 0)} → ${fmt(afterImport, 0)} → ${fmt(afterList.rssMiB, 0)} MiB (peak ${fmt(afterList.hwmMiB, 0)})`);

    let search: CatalogResult["search"];
    if (searchCalls > 0) {
      const zero = new Set<string>();
      const perQuery = new Map<string, number[]>();
      const ask = async (i: number) => {
        const query = SEARCH_QUERIES[i % SEARCH_QUERIES.length]!;
        const t = performance.now();
        const r = await client.callTool({ name: "search_tools", arguments: { query } });
        if (r.isError) throw new Error(`search_tools failed: ${JSON.stringify(r.content)}`);
        const hits = (r.structuredContent as { results: unknown[] }).results.length;
        if (hits === 0) zero.add(query);
        perQuery.set(query, [...(perQuery.get(query) ?? []), performance.now() - t]);
      };
      await closedLoop(SEARCH_QUERIES.length * 5, 1, ask); // warm-up
      zero.clear();
      perQuery.clear();
      const { samples } = await closedLoop(searchCalls, 1, ask);
      const sorted = [...samples].sort((a, b) => a - b);
      search = {
        calls: searchCalls,
        p50: percentile(sorted, 50),
        p99: percentile(sorted, 99),
        mean: sorted.reduce((a, b) => a + b, 0) / sorted.length,
        zeroHitQueries: [...zero],
        slowest: [...perQuery.entries()]
          .map(([q, xs]): [string, number] => [q, percentile([...xs].sort((a, b) => a - b), 50)])
          .sort((a, b) => b[1] - a[1])
          .slice(0, 3),
      };
      log(`${n} tools: search_tools p50 ${fmt(search.p50)} ms, p99 ${fmt(search.p99)} ms`);
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
    };
  } finally {
    await Promise.allSettled([node.stop(), upstream.stop()]);
    rmSync(node.dataDir, { recursive: true, force: true });
    rmSync(memFile, { force: true });
  }
}

export async function runCatalogBench(
  sizes = (process.env.CATALOG_SIZES ?? "1000,10000").split(",").map(Number),
  searchCalls = intEnv("SEARCH_CALLS", 660),
) {
  const results: CatalogResult[] = [];
  // search_tools is measured at the largest size only.
  const largest = Math.max(...sizes);
  for (const n of sizes) results.push(await runCatalogSize(n, n === largest ? searchCalls : 0));
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
  const s = results.find((r) => r.search)!;
  const search = s?.search
    ? [
        `search_tools at ${s.tools.toLocaleString("en-US")} tools: ${s.search.calls} calls at concurrency 1 over ${SEARCH_QUERIES.length} queries ` +
          `(limit 10, end to end through /mcp with the SDK client): p50 ${fmt(s.search.p50)} ms, p99 ${fmt(s.search.p99)} ms, mean ${fmt(s.search.mean)} ms. ` +
          `Goal p50 ≤ 10 ms: ${s.search.p50 <= 10 ? "met" : "NOT met"}.` +
          ` Slowest queries by their own p50: ${s.search.slowest.map(([q, ms]) => `"${q}" ${fmt(ms)} ms`).join(", ")}.` +
          (s.search.zeroHitQueries.length ? ` Queries with no hits: ${s.search.zeroHitQueries.map((q) => `"${q}"`).join(", ")}.` : ""),
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
