// An mcpfed node process for the benchmarks: test/support/processes.ts's startNode, plus extra
// node flags (--cpu-prof) and the per-process CPU time that /proc keeps.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ADMIN_TOKEN, freePort, nodeIdAt, ROOT, start, waitFor, type NodeProc } from "../../test/support/processes.ts";

export async function startBenchNode(opts: { nodeArgs?: string[]; env?: Record<string, string> } = {}): Promise<NodeProc> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), "mcpfed-bench-"));
  const env = { PORT: String(port), DATA_DIR: dataDir, ADMIN_TOKEN, TICK_SECONDS: "3600", ...opts.env };
  const proc = start(process.execPath, [...(opts.nodeArgs ?? []), "--import", "tsx", join(ROOT, "src/runtimes/node.ts")], env);
  const url = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await fetch(`${url}/healthz`)).ok, "mcpfed node", proc);
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
