// Package processes (issue 18): the first call of a package that must be spawned (process start,
// MCP initialize, the call) against a warm call on its running process, and the resident memory
// of one running package, for the sandbox-probe package (an SDK server bundled into its folder)
// under Node 24 and Deno, sandboxed (launchTarget) and not (the same command without permission
// flags: the baseline). Each round uses a fresh pool; processes are this script's children.
//
//   npx tsx scripts/bench/package-processes.ts          (ROUNDS=5 WARM=50)
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/client";
import { launchTarget } from "../../src/node/packages/launch-target.ts";
import { Outbound } from "../../src/node/outbound/outbound.ts";
import { UpstreamPool } from "../../src/node/upstreams/pool.ts";
import type { StdioTarget } from "../../src/node/settings/platform.ts";
import { packageLaunch } from "../../src/protocol/packages/launch.ts";
import { stdioConnector } from "../../src/runtimes/stdio.ts";
import { installProbePackage, toolsRuntimes } from "../../test/support/sandbox-package.ts";
import { removeTempDirs } from "../../test/support/processes.ts";
import { fmt, intEnv, machine, median, memoryOf, table } from "./lib.ts";

const ROUNDS = intEnv("ROUNDS", 5);
const WARM = intEnv("WARM", 50);

const pkg = await installProbePackage();
mkdirSync(join(pkg.dataDir, "notes"));
const NOTE = join(pkg.dataDir, "notes/note.txt");
writeFileSync(NOTE, "a declared file");
const runtimes = toolsRuntimes();

function targets(runtime: "node" | "deno"): { sandboxed: StdioTarget; open: StdioTarget } {
  const launch = packageLaunch.parse({ runtime, entry: "server.mjs", permissions: { read: ["notes"] } });
  const sandboxed = { name: `probe-${runtime}`, ...launchTarget(pkg.installDir, pkg.dataDir, launch, {}, runtimes) };
  const entry = join(pkg.installDir, "server.mjs");
  const open: StdioTarget =
    runtime === "node"
      ? { name: "probe-node", kind: "stdio", command: runtimes.node!.command, args: [entry], env: {} }
      : { name: "probe-deno", kind: "stdio", command: runtimes.deno!.command, args: ["run", "-A", entry], env: {} };
  return { sandboxed, open };
}

/** A declared read: the same work sandboxed or not. */
async function call(c: Client): Promise<void> {
  const r = await c.callTool({ name: "read_file", arguments: { path: NOTE } });
  if (r.isError) throw new Error(`the call failed: ${JSON.stringify(r.content)}`);
}

function childPid(): number {
  const out = execFileSync("ps", ["-o", "pid=,args=", "--ppid", String(process.pid)], { encoding: "utf8" });
  const line = out.split("\n").find((l) => l.includes("server.mjs"));
  if (!line) throw new Error("no package process");
  return Number(line.trim().split(/\s+/)[0]);
}

async function measure(target: StdioTarget) {
  const first: number[] = [];
  const warm: number[] = [];
  const rss: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const pool = new UpstreamPool({
      clientInfo: { name: "bench", version: "0" },
      outbound: new Outbound({ allowPrivate: true }),
      connectTimeoutMs: 60_000,
      stdio: stdioConnector,
      maxPrincipalSessions: 1,
      processes: { max: 4, idleMs: 600_000 },
    });
    let t = performance.now();
    await pool.use(target, call);
    first.push(performance.now() - t);
    for (let i = 0; i < WARM; i++) {
      t = performance.now();
      await pool.use(target, call);
      warm.push(performance.now() - t);
    }
    rss.push(memoryOf(childPid()).rssMiB);
    await pool.closeAll();
    await new Promise((r) => setTimeout(r, 200));
  }
  return { first: median(first), warm: median(warm), rss: median(rss) };
}

const rows: (string | number)[][] = [];
for (const runtime of ["node", "deno"] as const) {
  const { sandboxed, open } = targets(runtime);
  for (const [mode, target] of [["sandboxed", sandboxed], ["no sandbox (baseline)", open]] as const) {
    const m = await measure(target);
    rows.push([runtime === "node" ? "Node 24" : "Deno", mode, fmt(m.first, 1), fmt(m.warm, 2), fmt(m.first / m.warm, 0), fmt(m.rss, 1)]);
  }
}
console.log(machine());
console.log(`rounds ${ROUNDS}, ${WARM} warm calls per round; medians`);
console.log(table(["runtime", "mode", "first call (spawn) ms", "warm call ms", "first / warm", "RSS MiB"], rows));
removeTempDirs();
