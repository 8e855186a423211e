// Proxy overhead, in each protocol era: tools/call of an `echo` tool straight to the upstream, the
// same call through an mcpfed node (Node runtime, embedded libSQL), and through a bare SDK v2 proxy
// (scripts/bench/bare-proxy-v2.ts: the SDK's own cost, no node logic), on loopback, in one run.
// The upstream is scripts/bench/echo-server-v2.ts (SDK v2, both eras on one URL), so every path
// of one era reaches the same server the same way.
//
//   npx tsx scripts/bench/proxy.ts        BENCH_ERAS=2026-07-28 for one era only
//
// Every path uses one SDK v2 client over streamable HTTP; concurrency C means C calls in flight
// on that one client (closed loop). Rounds alternate which path goes first, and the figures
// reported are medians over rounds; ratios are taken within each round, then medianed.
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { rmSync } from "node:fs";
import { freePort, ROOT, start, waitFor, type NodeProc, type Upstream } from "../../test/support/processes.ts";
import { cpuMsOf, startBenchNode } from "./node-process.ts";
import { closedLoop, connectEraClient, echo, fmt, intEnv, machine, median, memoryOf, summarize, table, type Era, type Stats } from "./lib.ts";

export interface ProxyBenchOptions {
  rounds: number;
  /** Calls per path per round, by concurrency. */
  calls: Record<number, number>;
  warmup: number;
}

const ERAS: Era[] = (process.env.BENCH_ERAS?.split(",") as Era[] | undefined) ?? ["2025-11-25", "2026-07-28"];

export const defaults: ProxyBenchOptions = {
  rounds: intEnv("BENCH_ROUNDS", 3),
  calls: { 1: intEnv("BENCH_CALLS_C1", 2000), 16: intEnv("BENCH_CALLS_C16", 4000) },
  warmup: intEnv("BENCH_WARMUP", 500),
};

type Path = "direct" | "proxied" | "bare";
const PATHS: Path[] = ["direct", "proxied", "bare"];
/** CPU milliseconds each process spent per call during a run; `node` is the proxy in between (the node, or the bare proxy). */
export interface CpuPerCall {
  client: number;
  upstream: number;
  node: number;
}
export type PathStats = Stats & { cpuPerCall: CpuPerCall };
export interface Round {
  era: Era;
  round: number;
  concurrency: number;
  direct: PathStats;
  proxied: PathStats;
  bare: PathStats;
}

function cpuNow(rig: ProxyRig, path: Path): CpuPerCall {
  const u = process.cpuUsage();
  const between = path === "bare" ? rig.bare.child.pid! : rig.node.child.pid!;
  return { client: (u.user + u.system) / 1000, upstream: cpuMsOf(rig.upstream.child.pid!), node: cpuMsOf(between) };
}

type EraClient = Awaited<ReturnType<typeof connectEraClient>>;

export interface ProxyRig {
  upstream: Upstream;
  node: NodeProc;
  bare: Upstream;
  direct: EraClient;
  proxied: EraClient;
  /** A client of the bare SDK proxy. */
  viaBare: EraClient;
  /** The echo tool's name as the node's clients see it. */
  proxiedName: string;
  stop(): Promise<void>;
}

/** The SDK v2 echo upstream, serving both eras. */
async function startEchoUpstream(): Promise<Upstream> {
  const port = await freePort();
  const proc = start(process.execPath, ["--import", "tsx", join(ROOT, "scripts/bench/echo-server-v2.ts")], { PORT: String(port) });
  const url = `http://127.0.0.1:${port}/mcp`;
  await waitFor(async () => (await fetch(url, { method: "GET" })).status > 0, "echo upstream", proc);
  return { ...proc, url, port };
}

/** The bare SDK v2 proxy in front of the echo upstream. */
async function startBareProxy(upstreamUrl: string): Promise<Upstream> {
  const port = await freePort();
  const proc = start(process.execPath, ["--import", "tsx", join(ROOT, "scripts/bench/bare-proxy-v2.ts")], { PORT: String(port), UPSTREAM_URL: upstreamUrl });
  const url = `http://127.0.0.1:${port}/mcp`;
  await waitFor(async () => (await fetch(url, { method: "GET" })).status > 0, "bare SDK proxy", proc);
  return { ...proc, url, port };
}

/** Starts the echo upstream and a fresh node, registers the one as an upstream of the other. */
export async function startRig(opts: { nodeArgs?: string[]; env?: Record<string, string>; era?: Era } = {}): Promise<ProxyRig> {
  const era = opts.era ?? "2025-11-25";
  const upstream = await startEchoUpstream();
  const node = await startBenchNode(opts);
  const bare = await startBareProxy(upstream.url);
  try {
    const res = await node.admin("POST", "/upstreams", { name: "bench", kind: "http", url: upstream.url });
    const body = (await res.json()) as { refresh?: { ok: boolean; error?: string } };
    if (res.status !== 201 || !body.refresh?.ok) throw new Error(`registering the upstream failed: ${res.status} ${JSON.stringify(body)}`);
    const direct = await connectEraClient(upstream.url, era);
    const proxied = await connectEraClient(node.mcpUrl, era);
    const viaBare = await connectEraClient(bare.url, era);
    const { tools } = await proxied.listTools();
    const proxiedName = tools.find((t) => t._meta?.["mcpfed/upstream"] === "bench" && t.name.endsWith("echo"))?.name;
    if (!proxiedName) throw new Error(`the node does not list the upstream's echo tool: ${tools.map((t) => t.name).join(", ")}`);
    return {
      upstream,
      node,
      bare,
      direct,
      proxied,
      viaBare,
      proxiedName,
      async stop() {
        await Promise.allSettled([direct.close(), proxied.close(), viaBare.close()]);
        await Promise.allSettled([node.stop(), bare.stop(), upstream.stop()]);
        rmSync(node.dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await Promise.allSettled([node.stop(), bare.stop(), upstream.stop()]);
    rmSync(node.dataDir, { recursive: true, force: true });
    throw err;
  }
}

export async function runProxyBench(opts: ProxyBenchOptions = defaults, log = (m: string) => console.error(m)) {
  const rounds: Round[] = [];
  const nodes: Partial<Record<Era, NodeFacts>> = {};
  for (const era of ERAS) nodes[era] = await runEra(era, opts, rounds, log);
  return { rounds, nodes, markdown: proxyMarkdown(rounds, opts, nodes) };
}

async function runEra(era: Era, opts: ProxyBenchOptions, rounds: Round[], log: (m: string) => void): Promise<NodeFacts> {
  const rig = await startRig({ era });
  try {
    const call: Record<Path, (i: number) => Promise<void>> = {
      direct: (i) => echo(rig.direct, "echo", i),
      proxied: (i) => echo(rig.proxied, rig.proxiedName, i),
      bare: (i) => echo(rig.viaBare, "echo", i),
    };
    log(`${era}: warming up (${opts.warmup} calls per path at concurrency 1 and 16)`);
    for (const path of PATHS) {
      await closedLoop(opts.warmup, 1, call[path]);
      await closedLoop(opts.warmup, 16, call[path]);
    }
    const rssStart = memoryOf(rig.node.child.pid!).rssMiB;
    for (let r = 0; r < opts.rounds; r++) {
      for (const [c, n] of Object.entries(opts.calls).map(([c, n]) => [Number(c), n] as const)) {
        const order: Path[] = r % 2 === 0 ? PATHS : [...PATHS].reverse();
        const got: Partial<Record<Path, PathStats>> = {};
        for (const path of order) {
          const cpu0 = cpuNow(rig, path);
          const { samples, wallMs } = await closedLoop(n, c, call[path]);
          const cpu1 = cpuNow(rig, path);
          got[path] = {
            ...summarize(samples, wallMs),
            cpuPerCall: {
              client: (cpu1.client - cpu0.client) / n,
              upstream: (cpu1.upstream - cpu0.upstream) / n,
              node: (cpu1.node - cpu0.node) / n,
            },
          };
        }
        const round = { era, round: r + 1, concurrency: c, direct: got.direct!, proxied: got.proxied!, bare: got.bare! };
        rounds.push(round);
        log(
          `${era} round ${round.round} c=${c}: direct p50 ${fmt(round.direct.p50)} p99 ${fmt(round.direct.p99)} ${fmt(round.direct.rps, 0)}/s | ` +
            `proxied p50 ${fmt(round.proxied.p50)} p99 ${fmt(round.proxied.p99)} ${fmt(round.proxied.rps, 0)}/s | ` +
            `bare SDK proxy p50 ${fmt(round.bare.p50)} p99 ${fmt(round.bare.p99)} ${fmt(round.bare.rps, 0)}/s`,
        );
      }
    }
    const end = memoryOf(rig.node.child.pid!);
    return {
      rssStart,
      rssEnd: end.rssMiB,
      peak: end.hwmMiB,
      warnings: (rig.node.output().match(/MaxListenersExceededWarning/g) ?? []).length,
    };
  } finally {
    await rig.stop();
  }
}

type Latency = { p50: number; p99: number; rps: number };
/** Within-round comparison of one path against another, medianed over rounds. */
export interface Versus {
  p50Overhead: number;
  p50Ratio: number;
  p99Ratio: number;
  rpsRatio: number;
}

export interface Summary {
  era: Era;
  concurrency: number;
  direct: Latency;
  proxied: Latency;
  bare: Latency;
  /** The node against direct calls. */
  p50Overhead: number;
  p50Ratio: number;
  p99Ratio: number;
  rpsRatio: number;
  /** The bare SDK proxy against direct calls, and the node against the bare SDK proxy. */
  bareVsDirect: Versus;
  nodeVsBare: Versus;
  cpu: { direct: CpuPerCall; proxied: CpuPerCall; bare: CpuPerCall };
}

export function summarizeRounds(rounds: Round[]): Summary[] {
  const groups = [...new Set(rounds.map((r) => `${r.era} ${r.concurrency}`))].map((k) => k.split(" ") as [Era, string]);
  return groups.map(([era, cs]) => {
    const c = Number(cs);
    const rs = rounds.filter((r) => r.era === era && r.concurrency === c);
    const m = (f: (r: Round) => number) => median(rs.map(f));
    const latency = (p: Path): Latency => ({ p50: m((r) => r[p].p50), p99: m((r) => r[p].p99), rps: m((r) => r[p].rps) });
    const versus = (a: Path, b: Path): Versus => ({
      p50Overhead: m((r) => r[a].p50 - r[b].p50),
      p50Ratio: m((r) => r[a].p50 / r[b].p50),
      p99Ratio: m((r) => r[a].p99 / r[b].p99),
      rpsRatio: m((r) => r[a].rps / r[b].rps),
    });
    const cpu = (p: Path): CpuPerCall => ({
      client: m((r) => r[p].cpuPerCall.client),
      upstream: m((r) => r[p].cpuPerCall.upstream),
      node: p === "direct" ? 0 : m((r) => r[p].cpuPerCall.node),
    });
    return {
      era,
      concurrency: c,
      direct: latency("direct"),
      proxied: latency("proxied"),
      bare: latency("bare"),
      ...versus("proxied", "direct"),
      bareVsDirect: versus("bare", "direct"),
      nodeVsBare: versus("proxied", "bare"),
      cpu: { direct: cpu("direct"), proxied: cpu("proxied"), bare: cpu("bare") },
    };
  });
}

export interface NodeFacts {
  rssStart: number;
  rssEnd: number;
  peak: number;
  warnings: number;
}

const signed = (x: number) => `${x >= 0 ? "+" : ""}${fmt(x)}`;

export function proxyMarkdown(rounds: Round[], opts: ProxyBenchOptions, nodes: Partial<Record<Era, NodeFacts>> = {}): string {
  const sums = summarizeRounds(rounds);
  const rows: (string | number)[][] = [];
  for (const s of sums) {
    const row = (path: string, l: Latency, vsDirect: Versus | undefined, vsBare: Versus | undefined) => [
      s.era,
      s.concurrency,
      path,
      fmt(l.p50),
      fmt(l.p99),
      fmt(l.rps, 0),
      vsDirect ? `${fmt(vsDirect.p50Ratio)} (${signed(vsDirect.p50Overhead)} ms)` : "1",
      vsDirect ? fmt(vsDirect.rpsRatio) : "1",
      vsBare ? `${signed(vsBare.p50Overhead)} ms, calls/s ${fmt(vsBare.rpsRatio)}` : "–",
    ];
    const self = { p50Overhead: s.p50Overhead, p50Ratio: s.p50Ratio, p99Ratio: s.p99Ratio, rpsRatio: s.rpsRatio };
    rows.push(row("direct", s.direct, undefined, undefined));
    rows.push(row("bare SDK v2 proxy", s.bare, s.bareVsDirect, undefined));
    rows.push(row("through node", s.proxied, self, s.nodeVsBare));
  }
  const goals = sums.map((s) =>
    s.concurrency === 1
      ? `- ${s.era}, c=1: p50 overhead ${fmt(s.p50Overhead)} ms (goal ≤ 1.0 ms): ${s.p50Overhead <= 1.0 ? "met" : "NOT met"}; the bare SDK proxy's ${fmt(s.bareVsDirect.p50Overhead)} ms`
      : `- ${s.era}, c=${s.concurrency}: ${fmt(s.rpsRatio * 100, 0)}% of direct throughput (goal ≥ 70%): ${s.rpsRatio >= 0.7 ? "met" : "NOT met"}; ` +
        `the bare SDK proxy's ${fmt(s.bareVsDirect.rpsRatio * 100, 0)}%; p50 overhead ${fmt(s.p50Overhead)} ms`,
  );
  for (const [era, node] of Object.entries(nodes)) {
    goals.push(
      `- node process (${era}): RSS ${fmt(node.rssStart, 0)} MiB after warm-up, ${fmt(node.rssEnd, 0)} MiB after the rounds (peak ${fmt(node.peak, 0)} MiB); ` +
        `${node.warnings} MaxListenersExceededWarning lines on its stderr`,
    );
  }
  const cpuRows = sums.flatMap((s) => [
    [s.era, s.concurrency, "direct", fmt(s.cpu.direct.client), fmt(s.cpu.direct.upstream), "–"],
    [s.era, s.concurrency, "bare SDK v2 proxy", fmt(s.cpu.bare.client), fmt(s.cpu.bare.upstream), fmt(s.cpu.bare.node)],
    [s.era, s.concurrency, "through node", fmt(s.cpu.proxied.client), fmt(s.cpu.proxied.upstream), fmt(s.cpu.proxied.node)],
  ]);
  return [
    `${machine()}; ${rounds.length / Math.max(1, sums.length)} rounds; calls per path per round: ${Object.entries(opts.calls).map(([c, n]) => `${n} at c=${c}`).join(", ")}; ${opts.warmup} warm-up calls per path and concurrency.`,
    "",
    table(["era", "c", "path", "p50 ms", "p99 ms", "calls/s", "p50 vs direct", "calls/s vs direct", "vs bare SDK proxy"], rows),
    "",
    ...goals,
    "",
    "CPU time per call (ms, user + system, medians over rounds; the proxy column is the node or the bare SDK proxy):",
    "",
    table(["era", "c", "path", "bench client", "upstream", "proxy"], cpuRows),
  ].join("\n");
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { markdown } = await runProxyBench();
  console.log(markdown);
  process.exit(0);
}
