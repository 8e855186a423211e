// A metrics write-out's CPU: one recorder flush (src/node/metrics/recorder.ts) over an embedded
// libSQL file whose hour of call sums is kept, with one calls counter and one latency histogram
// series per tool, a third of the tools through a peer. On Workers each tools/call request writes
// its own, so this is on the request's CPU. With --base <dir> (another checkout with its
// node_modules, e.g. a worktree of an earlier commit) the same flushes run through that tree's
// recorder over its own file, alternating with this tree's flush by flush, so both arms share the
// machine's load.
//
//   npm run bench:metrics-flush [-- --flushes 200] [-- --tools 1,10,50] [-- --base <dir>]
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createClient } from "@libsql/client";
import { drizzle } from "drizzle-orm/libsql";
import { fmt, machine, median, table } from "./lib.ts";

const { values } = parseArgs({ options: { flushes: { type: "string", default: "200" }, tools: { type: "string", default: "1,10,50" }, base: { type: "string" } } });
const FLUSHES = Number(values.flushes);
const TOOLS = values.tools.split(",").map(Number);
const MINUTE = 60_000;

/** A flush function built from the sources under `root`, over its own file with the hour's sums kept. */
async function flusher(root: string) {
  const from = async <T,>(path: string): Promise<T> => (await import(join(root, path))) as T;
  const { METRICS } = await from<typeof import("../../src/node/metrics/definitions.ts")>("src/node/metrics/definitions.ts");
  const { MetricsRecorder } = await from<typeof import("../../src/node/metrics/recorder.ts")>("src/node/metrics/recorder.ts");
  const { RollupFigures } = await from<typeof import("../../src/node/metrics/overview.ts")>("src/node/metrics/overview.ts");
  const { migrate } = await from<typeof import("../../src/store/database.ts")>("src/store/database.ts");
  const schema = await from<typeof import("../../src/store/schema/index.ts")>("src/store/schema/index.ts");
  const client = createClient({ url: `file:${join(mkdtempSync(join(tmpdir(), "mcpfed-bench-flush-")), "node.db")}` });
  const db = drizzle(client, { schema });
  await migrate(db);
  const start = Date.now();
  // The hour's sums are kept, as once any view or the tick has run.
  await new RollupFigures(db).calls(start, 60);
  let at = start;
  return {
    close: () => client.close(),
    async flush(tools: number): Promise<number> {
      // Each flush a few seconds on, so that the minutes fill as on a busy node.
      at += 2_000;
      const r = new MetricsRecorder({ db, defer: () => {}, now: () => at });
      for (let k = 0; k < tools; k++) {
        const labels = { tool: `tool_${k}`, peer: k % 3 ? "" : `peer_${k % 2}` };
        r.count(METRICS.calls, { ...labels, outcome: k % 7 ? "ok" : "timeout" });
        r.observe(METRICS.callDuration, labels, 5 + ((k * 37) % 400));
      }
      const c0 = process.cpuUsage();
      await r.flush();
      const c = process.cpuUsage(c0);
      if (at - start > 50 * MINUTE) throw new Error("the run left the kept hour: fewer flushes");
      return (c.user + c.system) / 1000;
    },
  };
}

const here = await flusher(join(import.meta.dirname, "../.."));
const base = values.base ? await flusher(values.base) : undefined;
const rows: (string | number)[][] = [];
try {
  for (const tools of TOOLS) {
    const cpu = { here: [] as number[], base: [] as number[] };
    for (let i = 0; i < 20; i++) await Promise.all([here.flush(tools), base?.flush(tools)]);
    for (let i = 0; i < FLUSHES; i++) {
      // The order alternates, so that neither arm always runs first.
      if (i % 2 || !base) cpu.here.push(await here.flush(tools));
      if (base) cpu.base.push(await base.flush(tools));
      if (!(i % 2) && base) cpu.here.push(await here.flush(tools));
    }
    const [now, before] = [median(cpu.here), base ? median(cpu.base) : NaN];
    rows.push([tools, fmt(before), fmt(now), fmt(now / before)]);
  }
} finally {
  here.close();
  base?.close();
}
console.log(machine());
if (base) console.log(`base: ${values.base}`);
console.log(`${FLUSHES} flushes per arm and tool count, CPU (user+system) of the flush in ms`);
console.log(table(["tools in the flush", "CPU p50 ms, base", "CPU p50 ms, now", "ratio"], rows));
