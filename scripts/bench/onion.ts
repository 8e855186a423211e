// Per-hop CPU of the onion route (issue 15): one layer processed (decapsulate, MAC, streams) and
// one reply layer, per bucket, on Node 24 (tools/, native ML-KEM and X25519) and on this Node
// (20: noble ML-KEM, and all-noble), one runtime at a time, the streams and hash on node:crypto
// (as the Node entry point passes them) and on WebCrypto; plus the 3-hop header's size.
//   npx tsx scripts/bench/onion.ts          BENCH_ITERATIONS (200) per figure
import { execFileSync } from "node:child_process";
import { loadavg } from "node:os";
import { join } from "node:path";
import { ROOT, TOOLS } from "../../test/support/processes.ts";
import { machine } from "./lib.ts";

interface Run {
  runtime: string;
  crypto: string;
  headerBytes: number;
  perBucket: Record<string, { relayLayerMs: number; replyLayerMs: number; buildMs: number }>;
}

const RUN = join(ROOT, "scripts/bench/onion-layer-run.ts");
const child = (cmd: string, env: Record<string, string> = {}): Run => {
  const out = execFileSync(cmd, ["--import", "tsx", RUN], { cwd: ROOT, encoding: "utf8", env: { ...process.env, ...env, NODE_NO_WARNINGS: "1" } });
  return JSON.parse(out.trim().split("\n").pop()!) as Run;
};

const loadAtStart = loadavg()[0]!;
const here = `Node ${process.versions.node.split(".")[0]}`;
const web = { MCPFED_ONION_CIPHER: "webcrypto" };
const runs: [string, Run][] = [
  ["Node 24, native", child(join(TOOLS, "node"))],
  ["Node 24, native", child(join(TOOLS, "node"), web)],
  [`${here}, runtime choice`, child(process.execPath)],
  [`${here}, runtime choice`, child(process.execPath, web)],
  [`${here}, all noble`, child(process.execPath, { MCPFED_ONION_NOBLE: "1" })],
  [`${here}, all noble`, child(process.execPath, { MCPFED_ONION_NOBLE: "1", ...web })],
];
const f = (ms: number) => ms.toFixed(3);
console.log(`${new Date().toISOString()}; ${machine()}; load average ${loadAtStart.toFixed(2)} at start, ${loadavg()[0]!.toFixed(2)} at the end.\n`);
console.log(`3-hop header: ${runs[0]![1].headerBytes} bytes (forward packet = header + bucket; reply = bucket).\n`);
console.log("| runtime | crypto | bucket | one hop layer (CPU ms) | reply layer (CPU ms) | build 3-hop packet (CPU ms) |");
console.log("|---|---|---:|---:|---:|---:|");
for (const [label, run] of runs) {
  for (const [bucket, c] of Object.entries(run.perBucket)) {
    console.log(`| ${label} | ${run.crypto} | ${Number(bucket) / 1024} KiB | ${f(c.relayLayerMs)} | ${f(c.replyLayerMs)} | ${f(c.buildMs)} |`);
  }
}
