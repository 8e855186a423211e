// Proxy overhead: tools/call of server-everything's `echo` straight to the upstream, and the same
// call through an mcpfed node (Node runtime, embedded libSQL), on loopback, in the same run.
//
//   npx tsx scripts/bench/proxy.ts
//
// Both paths use one SDK Client over StreamableHTTPClientTransport; concurrency C means C calls
// in flight on that one client (closed loop). Rounds alternate which path goes first, and the
// figures reported are medians over rounds; ratios are taken within each round, then medianed.
import { pathToFileURL } from "node:url";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { rmSync } from "node:fs";
import { startEverything, type NodeProc, type Upstream } from "../../test/support/processes.ts";
import { cpuMsOf, startBenchNode } from "./node-process.ts";
import { closedLoop, connectClient, echo, fmt, intEnv, machine, median, memoryOf, summarize, table, type Stats } from "./lib.ts";

export interface ProxyBenchOptions {
  rounds: number;
  /** Calls per path per round, by concurrency. */
  calls: Record<number, number>;
  warmup: number;
}

export const defaults: ProxyBenchOptions = {
  rounds: intEnv("BENCH_ROUNDS", 3),
  calls: { 1: intEnv("BENCH_CALLS_C1", 2000), 16: intEnv("BENCH_CALLS_C16", 4000) },
  warmup: intEnv("BENCH_WARMUP", 500),
};

type Path = "direct" | "proxied";
/** CPU milliseconds each process spent per call during a run. */
export interface CpuPerCall {
  client: number;
  upstream: number;
  node: number;
}
export type PathStats = Stats & { cpuPerCall: CpuPerCall };
export interface Round {
  round: number;
  concurrency: number;
  direct: PathStats;
  proxied: PathStats;
}

function cpuNow(rig: ProxyRig): CpuPerCall {
  const u = process.cpuUsage();
  return { client: (u.user + u.system) / 1000, upstream: cpuMsOf(rig.upstream.child.pid!), node: cpuMsOf(rig.node.child.pid!) };
}

export interface ProxyRig {
  upstream: Upstream;
  node: NodeProc;
  direct: Client;
  proxied: Client;
  /** The echo tool's name as the node's clients see it. */
  proxiedName: string;
  stop(): Promise<void>;
}

/** Starts server-everything and a fresh node, registers the one as an upstream of the other. */
export async function startRig(opts: { nodeArgs?: string[]; env?: Record<string, string> } = {}): Promise<ProxyRig> {
  const upstream = await startEverything();
  const node = await startBenchNode(opts);
  try {
    const res = await node.admin("POST", "/upstreams", { name: "everything", kind: "http", url: upstream.url });
    const body = (await res.json()) as { refresh?: { ok: boolean; error?: string } };
    if (res.status !== 201 || !body.refresh?.ok) throw new Error(`registering the upstream failed: ${res.status} ${JSON.stringify(body)}`);
    const direct = await connectClient(upstream.url);
    const proxied = await connectClient(node.mcpUrl);
    const { tools } = await proxied.listTools();
    const proxiedName = tools.find((t) => t._meta?.["mcpfed/upstream"] === "everything" && t.name.endsWith("echo"))?.name;
    if (!proxiedName) throw new Error(`the node does not list the upstream's echo tool: ${tools.map((t) => t.name).join(", ")}`);
    return {
      upstream,
      node,
      direct,
      proxied,
      proxiedName,
      async stop() {
        await Promise.allSettled([direct.close(), proxied.close()]);
        await Promise.allSettled([node.stop(), upstream.stop()]);
        rmSync(node.dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await Promise.allSettled([node.stop(), upstream.stop()]);
    rmSync(node.dataDir, { recursive: true, force: true });
    throw err;
  }
}

export async function runProxyBench(opts: ProxyBenchOptions = defaults, log = (m: string) => console.error(m)) {
  const rig = await startRig();
  try {
    const call: Record<Path, (i: number) => Promise<void>> = {
      direct: (i) => echo(rig.direct, "echo", i),
      proxied: (i) => echo(rig.proxied, rig.proxiedName, i),
    };
    log(`warming up (${opts.warmup} calls per path at concurrency 1 and 16)`);
    for (const path of ["direct", "proxied"] as const) {
      await closedLoop(opts.warmup, 1, call[path]);
      await closedLoop(opts.warmup, 16, call[path]);
    }
    const rssStart = memoryOf(rig.node.child.pid!).rssMiB;
    const rounds: Round[] = [];
    for (let r = 0; r < opts.rounds; r++) {
      for (const [c, n] of Object.entries(opts.calls).map(([c, n]) => [Number(c), n] as const)) {
        const order: Path[] = r % 2 === 0 ? ["direct", "proxied"] : ["proxied", "direct"];
        const got: Partial<Record<Path, PathStats>> = {};
        for (const path of order) {
          const cpu0 = cpuNow(rig);
          const { samples, wallMs } = await closedLoop(n, c, call[path]);
          const cpu1 = cpuNow(rig);
          got[path] = {
            ...summarize(samples, wallMs),
            cpuPerCall: {
              client: (cpu1.client - cpu0.client) / n,
              upstream: (cpu1.upstream - cpu0.upstream) / n,
              node: (cpu1.node - cpu0.node) / n,
            },
          };
        }
        const round = { round: r + 1, concurrency: c, direct: got.direct!, proxied: got.proxied! };
        rounds.push(round);
        log(
          `round ${round.round} c=${c}: direct p50 ${fmt(round.direct.p50)} p99 ${fmt(round.direct.p99)} ${fmt(round.direct.rps, 0)}/s | ` +
            `proxied p50 ${fmt(round.proxied.p50)} p99 ${fmt(round.proxied.p99)} ${fmt(round.proxied.rps, 0)}/s`,
        );
      }
    }
    const end = memoryOf(rig.node.child.pid!);
    const node: NodeFacts = {
      rssStart,
      rssEnd: end.rssMiB,
      peak: end.hwmMiB,
      warnings: (rig.node.output().match(/MaxListenersExceededWarning/g) ?? []).length,
    };
    return { rounds, node, markdown: proxyMarkdown(rounds, opts, node) };
  } finally {
    await rig.stop();
  }
}

export interface Summary {
  concurrency: number;
  direct: { p50: number; p99: number; rps: number };
  proxied: { p50: number; p99: number; rps: number };
  /** Medians over rounds of the within-round figures. */
  p50Overhead: number;
  p50Ratio: number;
  p99Ratio: number;
  rpsRatio: number;
  cpu: { direct: CpuPerCall; proxied: CpuPerCall };
}

export function summarizeRounds(rounds: Round[]): Summary[] {
  const cs = [...new Set(rounds.map((r) => r.concurrency))];
  return cs.map((c) => {
    const rs = rounds.filter((r) => r.concurrency === c);
    const m = (f: (r: Round) => number) => median(rs.map(f));
    return {
      concurrency: c,
      direct: { p50: m((r) => r.direct.p50), p99: m((r) => r.direct.p99), rps: m((r) => r.direct.rps) },
      proxied: { p50: m((r) => r.proxied.p50), p99: m((r) => r.proxied.p99), rps: m((r) => r.proxied.rps) },
      p50Overhead: m((r) => r.proxied.p50 - r.direct.p50),
      p50Ratio: m((r) => r.proxied.p50 / r.direct.p50),
      p99Ratio: m((r) => r.proxied.p99 / r.direct.p99),
      rpsRatio: m((r) => r.proxied.rps / r.direct.rps),
      cpu: {
        direct: { client: m((r) => r.direct.cpuPerCall.client), upstream: m((r) => r.direct.cpuPerCall.upstream), node: 0 },
        proxied: {
          client: m((r) => r.proxied.cpuPerCall.client),
          upstream: m((r) => r.proxied.cpuPerCall.upstream),
          node: m((r) => r.proxied.cpuPerCall.node),
        },
      },
    };
  });
}

export interface NodeFacts {
  rssStart: number;
  rssEnd: number;
  peak: number;
  warnings: number;
}

export function proxyMarkdown(rounds: Round[], opts: ProxyBenchOptions, node?: NodeFacts): string {
  const sums = summarizeRounds(rounds);
  const rows: (string | number)[][] = [];
  for (const s of sums) {
    rows.push([s.concurrency, "direct", fmt(s.direct.p50), fmt(s.direct.p99), fmt(s.direct.rps, 0), "1", "1", "1"]);
    rows.push([
      s.concurrency,
      "through node",
      fmt(s.proxied.p50),
      fmt(s.proxied.p99),
      fmt(s.proxied.rps, 0),
      `${fmt(s.p50Ratio)} (+${fmt(s.p50Overhead)} ms)`,
      fmt(s.p99Ratio),
      fmt(s.rpsRatio),
    ]);
  }
  const c1 = sums.find((s) => s.concurrency === 1);
  const worstRps = Math.min(...sums.map((s) => s.rpsRatio));
  const goals = [
    c1 ? `- p50 overhead at concurrency 1: ${fmt(c1.p50Overhead)} ms (goal ≤ 1.5 ms): ${c1.p50Overhead <= 1.5 ? "met" : "NOT met"}` : "",
    ...sums.filter((s) => s.concurrency !== 1).map((s) => `- p50 overhead at concurrency ${s.concurrency}: ${fmt(s.p50Overhead)} ms`),
    `- throughput: ${sums.map((s) => `${fmt(s.rpsRatio * 100, 0)}% of direct at c=${s.concurrency}`).join(", ")} (goal ≥ 70%): ${worstRps >= 0.7 ? "met" : "NOT met"}`,
    node ? `- node process: RSS ${fmt(node.rssStart, 0)} MiB after warm-up, ${fmt(node.rssEnd, 0)} MiB after the rounds (peak ${fmt(node.peak, 0)} MiB); ` +
      `${node.warnings} MaxListenersExceededWarning lines on its stderr` : "",
  ].filter(Boolean);
  const cpuRows = sums.flatMap((s) => [
    [s.concurrency, "direct", fmt(s.cpu.direct.client), fmt(s.cpu.direct.upstream), "–"],
    [s.concurrency, "through node", fmt(s.cpu.proxied.client), fmt(s.cpu.proxied.upstream), fmt(s.cpu.proxied.node)],
  ]);
  return [
    `${machine()}; ${rounds.length / sums.length} rounds; calls per path per round: ${Object.entries(opts.calls).map(([c, n]) => `${n} at c=${c}`).join(", ")}; ${opts.warmup} warm-up calls per path and concurrency.`,
    "",
    table(["concurrency", "path", "p50 ms", "p99 ms", "calls/s", "p50 ratio", "p99 ratio", "calls/s ratio"], rows),
    "",
    ...goals,
    "",
    "CPU time per call (ms, user + system, medians over rounds):",
    "",
    table(["concurrency", "path", "bench client", "upstream", "node"], cpuRows),
  ].join("\n");
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { markdown } = await runProxyBench();
  console.log(markdown);
  process.exit(0);
}
