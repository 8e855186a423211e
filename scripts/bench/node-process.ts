// An mcpfed node process for the benchmarks: test/support/processes.ts's startNode, plus extra
// node flags (--cpu-prof), another Node binary, and the per-process and per-thread CPU time
// that /proc keeps.
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ADMIN_TOKEN, freePort, nodeIdAt, ROOT, start, waitFor, type NodeProc } from "../../test/support/processes.ts";

export interface BenchNodeOptions {
  nodeArgs?: string[];
  env?: Record<string, string>;
  /** Another Node binary, e.g. Node 24 from tools/ for the native crypto path. */
  node?: string;
  /** Chosen in advance when the node must know its own URL (PUBLIC_URL). */
  port?: number;
  /** Another checkout to run the node from, e.g. main's, for a baseline measured in the same run. */
  root?: string;
  /** A data directory made beforehand (e.g. holding a prebuilt store), instead of a fresh one. */
  dataDir?: string;
}

export async function startBenchNode(opts: BenchNodeOptions = {}): Promise<NodeProc> {
  const port = opts.port ?? (await freePort());
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), "mcpfed-bench-"));
  const env = { PORT: String(port), DATA_DIR: dataDir, ADMIN_TOKEN, TICK_SECONDS: "3600", ...opts.env };
  const proc = start(opts.node ?? process.execPath, [...(opts.nodeArgs ?? []), "--import", "tsx", join(opts.root ?? ROOT, "src/runtimes/node.ts")], env);
  const url = `http://127.0.0.1:${port}`;
  // On a crowded machine a node's start can take longer than waitFor's default (BENCH_READY_MS, ms).
  await waitFor(async () => (await fetch(`${url}/healthz`)).ok, "mcpfed node", proc, Number(process.env.BENCH_READY_MS ?? 30_000));
  const admin = (method: string, path: string, body?: unknown) =>
    fetch(`${url}/admin${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  return { ...proc, nodeId: await nodeIdAt(url), port, url, mcpUrl: `${url}/mcp`, dataDir, adminToken: ADMIN_TOKEN, admin };
}

/** User + system CPU time of a process so far, in ms, from /proc/<pid>/stat (all its threads). */
export function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name, which sits in parentheses and may contain spaces.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
  return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
}

/** CPU time so far of each thread of a process, in ms, by thread id, with the thread's name. */
export function threadCpuOf(pid: number): Map<number, { name: string; ms: number }> {
  const out = new Map<number, { name: string; ms: number }>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      out.set(Number(tid), { name, ms: ((Number(fields[11]) + Number(fields[12])) * 1000) / 100 });
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return out;
}
