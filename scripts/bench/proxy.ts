// Proxy overhead, in each protocol era: tools/call of an `echo` tool straight to the upstream, and
// the same call through an mcpfed node (Node runtime, embedded libSQL), on loopback, in one run.
// The upstream is scripts/bench/echo-server-v2.ts (SDK v2, both eras on one URL), so direct and
// proxied calls of one era reach the same server the same way.
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

type Path = "direct" | "proxied";
/** CPU milliseconds each process spent per call during a run. */
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
}

function cpuNow(rig: ProxyRig): CpuPerCall {
  const u = process.cpuUsage();
  return { client: (u.user + u.system) / 1000, upstream: cpuMsOf(rig.upstream.child.pid!), node: cpuMsOf(rig.node.child.pid!) };
}

type EraClient = Awaited<ReturnType<typeof connectEraClient>>;

export interface ProxyRig {
  upstream: Upstream;
  node: NodeProc;
  direct: EraClient;
  proxied: EraClient;
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

/** Starts the echo upstream and a fresh node, registers the one as an upstream of the other. */
export async function startRig(opts: { nodeArgs?: string[]; env?: Record<string, string>; era?: Era } = {}): Promise<ProxyRig> {
  const era = opts.era ?? "2025-11-25";
  const upstream = await startEchoUpstream();
  const node = await startBenchNode(opts);
  try {
    const res = await node.admin("POST", "/upstreams", { name: "bench", kind: "http", url: upstream.url });
    const body = (await res.json()) as { refresh?: { ok: boolean; error?: string } };
    if (res.status !== 201 || !body.refresh?.ok) throw new Error(`registering the upstream failed: ${res.status} ${JSON.stringify(body)}`);
    const direct = await connectEraClient(upstream.url, era);
    const proxied = await connectEraClient(node.mcpUrl, era);
    const { tools } = await proxied.listTools();
    const proxiedName = tools.find((t) => t._meta?.["mcpfed/upstream"] === "bench" && t.name.endsWith("echo"))?.name;
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
    };
    log(`${era}: warming up (${opts.warmup} calls per path at concurrency 1 and 16)`);
    for (const path of ["direct", "proxied"] as const) {
      await closedLoop(opts.warmup, 1, call[path]);
      await closedLoop(opts.warmup, 16, call[path]);
    }
    const rssStart = memoryOf(rig.node.child.pid!).rssMiB;
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
        const round = { era, round: r + 1, concurrency: c, direct: got.direct!, proxied: got.proxied! };
        rounds.push(round);
        log(
          `${era} round ${round.round} c=${c}: direct p50 ${fmt(round.direct.p50)} p99 ${fmt(round.direct.p99)} ${fmt(round.direct.rps, 0)}/s | ` +
            `proxied p50 ${fmt(round.proxied.p50)} p99 ${fmt(round.proxied.p99)} ${fmt(round.proxied.rps, 0)}/s`,
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

export interface Summary {
  era: Era;
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
  const groups = [...new Set(rounds.map((r) => `${r.era} ${r.concurrency}`))].map((k) => k.split(" ") as [Era, string]);
  return groups.map(([era, cs]) => {
    const c = Number(cs);
    const rs = rounds.filter((r) => r.era === era && r.concurrency === c);
    const m = (f: (r: Round) => number) => median(rs.map(f));
    return {
      era,
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

export function proxyMarkdown(rounds: Round[], opts: ProxyBenchOptions, nodes: Partial<Record<Era, NodeFacts>> = {}): string {
  const sums = summarizeRounds(rounds);
  const rows: (string | number)[][] = [];
  for (const s of sums) {
    rows.push([s.era, s.concurrency, "direct", fmt(s.direct.p50), fmt(s.direct.p99), fmt(s.direct.rps, 0), "1", "1", "1"]);
    rows.push([
      s.era,
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
  const goals = sums.map((s) =>
    s.concurrency === 1
      ? `- ${s.era}, c=1: p50 overhead ${fmt(s.p50Overhead)} ms (goal ≤ 1.0 ms): ${s.p50Overhead <= 1.0 ? "met" : "NOT met"}`
      : `- ${s.era}, c=${s.concurrency}: ${fmt(s.rpsRatio * 100, 0)}% of direct throughput (goal ≥ 70%): ${s.rpsRatio >= 0.7 ? "met" : "NOT met"}; p50 overhead ${fmt(s.p50Overhead)} ms`,
  );
  for (const [era, node] of Object.entries(nodes)) {
    goals.push(
      `- node process (${era}): RSS ${fmt(node.rssStart, 0)} MiB after warm-up, ${fmt(node.rssEnd, 0)} MiB after the rounds (peak ${fmt(node.peak, 0)} MiB); ` +
        `${node.warnings} MaxListenersExceededWarning lines on its stderr`,
    );
  }
  const cpuRows = sums.flatMap((s) => [
    [s.era, s.concurrency, "direct", fmt(s.cpu.direct.client), fmt(s.cpu.direct.upstream), "–"],
    [s.era, s.concurrency, "through node", fmt(s.cpu.proxied.client), fmt(s.cpu.proxied.upstream), fmt(s.cpu.proxied.node)],
  ]);
  return [
    `${machine()}; ${rounds.length / Math.max(1, sums.length)} rounds; calls per path per round: ${Object.entries(opts.calls).map(([c, n]) => `${n} at c=${c}`).join(", ")}; ${opts.warmup} warm-up calls per path and concurrency.`,
    "",
    table(["era", "concurrency", "path", "p50 ms", "p99 ms", "calls/s", "p50 ratio", "p99 ratio", "calls/s ratio"], rows),
    "",
    ...goals,
    "",
    "CPU time per call (ms, user + system, medians over rounds):",
    "",
    table(["era", "concurrency", "path", "bench client", "upstream", "node"], cpuRows),
  ].join("\n");
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { markdown } = await runProxyBench();
  console.log(markdown);
  process.exit(0);
}
