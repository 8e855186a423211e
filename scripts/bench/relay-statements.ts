// SQL statements per relayed call at each node, counted around the embedded libSQL client
// (statement-count-hook.mjs): a channel call (A → B), an envelope call (A0 → B) and a local call
// at B, each over sequential calls after a warm-up, with the work deferred past the answer (the
// countersignature A pushes, last-seen updates) included: it waits until the counts settle.
//
//   npm run bench:relay-statements        noble path; RELAY_PATHS=native for Node 24
//
// Knobs: STATEMENT_CALLS (20), STATEMENT_WARMUP (20); STATEMENT_BASELINE_ROOT=<checkout> counts
// that checkout's nodes first (e.g. main's tree, from `git archive`, with this node_modules linked);
// STATEMENT_DAILY_QUOTAS sets TRUST_DAILY_QUOTAS (the rig turns quotas off, which leaves the
// sliding-window counters out of a peer's call; "newcomer:5000,known:50000" is the default).
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { FLUSH_AFTER_MS } from "../../src/node/metrics/recorder.ts";
import { echo, intEnv, sleep, table } from "./lib.ts";
import { RUNTIMES, startRelayRig, type RelayRig } from "./relay.ts";

type CallPath = "local" | "channel" | "envelope";
const PATHS: CallPath[] = ["local", "channel", "envelope"];

interface Counted {
  /** Round trips to the database: single statements and batches. */
  rounds: number;
  statements: number;
  /** Statement text (literals as they are) → times seen. */
  byText: Map<string, number>;
}

function parse(log: string): Counted {
  const counted: Counted = { rounds: 0, statements: 0, byText: new Map() };
  for (const line of log.split("\n")) {
    if (!line) continue;
    if (line.startsWith("\t")) {
      counted.statements++;
      const t = `(batched) ${line.slice(1)}`;
      counted.byText.set(t, (counted.byText.get(t) ?? 0) + 1);
    } else if (line.startsWith("execute\t")) {
      counted.rounds++;
      counted.statements++;
      const t = line.slice("execute\t".length);
      counted.byText.set(t, (counted.byText.get(t) ?? 0) + 1);
    } else if (line.startsWith("batch ") || line.startsWith("transaction ")) {
      counted.rounds++;
    }
  }
  return counted;
}

/** Counts at B and at the path's consumer over `calls` sequential calls, waiting for deferred work. */
async function count(rig: RelayRig, logs: { b: string; a: string; a0: string }, path: CallPath, calls: number) {
  const consumerLog = path === "envelope" ? logs.a0 : path === "channel" ? logs.a : undefined;
  const files = [logs.b, ...(consumerLog ? [consumerLog] : [])];
  for (const f of files) writeFileSync(f, "");
  for (let i = 0; i < calls; i++) await echo(rig.clients[path], rig.names[path], i);
  // Deferred work (the countersignature push, peer last-seen, the metrics rollups held up to
  // FLUSH_AFTER_MS) lands after the answers: wait until both logs stop growing for longer than that.
  let sizes = "";
  for (;;) {
    await sleep(FLUSH_AFTER_MS + 500);
    const now = files.map((f) => readFileSync(f, "utf8").length).join();
    if (now === sizes) break;
    sizes = now;
  }
  const read = (f: string) => {
    const text = readFileSync(f, "utf8");
    rmSync(f);
    return parse(text);
  };
  return { b: read(logs.b), consumer: consumerLog ? read(consumerLog) : undefined };
}

function perCall(c: Counted, calls: number) {
  return { rounds: c.rounds / calls, statements: c.statements / calls };
}

function topStatements(c: Counted, calls: number, limit = 40): string[][] {
  return [...c.byText]
    .sort((x, y) => y[1] - x[1])
    .slice(0, limit)
    .map(([text, n]) => [(n / calls).toFixed(2), text.length > 150 ? `${text.slice(0, 150)}…` : text]);
}

export async function runStatementCount(node: string, calls: number, warmup: number, root?: string) {
  const dir = mkdtempSync(join(tmpdir(), "mcpfed-sql-"));
  const logs = { a: join(dir, "alpha.sql"), a0: join(dir, "alpha0.sql"), b: join(dir, "bravo.sql") };
  const hook = ["--import", pathToFileURL(join(import.meta.dirname, "statement-count-hook.mjs")).href];
  const quotas = process.env.STATEMENT_DAILY_QUOTAS;
  const env = { BENCH_SQL_DIR: dir, ...(quotas ? { TRUST_DAILY_QUOTAS: quotas } : {}) };
  const rig = await startRelayRig(node, { nodeArgs: hook, env, ...(root ? { root } : {}) });
  try {
    for (const p of PATHS) for (let i = 0; i < warmup; i++) await echo(rig.clients[p], rig.names[p], i);
    const out: Record<CallPath, Awaited<ReturnType<typeof count>>> = {} as never;
    for (const p of PATHS) out[p] = await count(rig, logs, p, calls);
    return out;
  } finally {
    await rig.stop();
    if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const paths = (process.env.RELAY_PATHS ?? "noble").split(",") as (keyof typeof RUNTIMES)[];
  const calls = intEnv("STATEMENT_CALLS", 20);
  const warmup = intEnv("STATEMENT_WARMUP", 20);
  const baseline = process.env.STATEMENT_BASELINE_ROOT;
  const trees: [string, string | undefined][] = [...(baseline ? [["baseline", baseline] as [string, string]] : []), ["this tree", undefined]];
  for (const path of paths) {
    const rows: string[][] = [];
    for (const [tree, root] of trees) {
      const res = await runStatementCount(RUNTIMES[path].node, calls, warmup, root);
      for (const p of PATHS) {
        const b = perCall(res[p].b, calls);
        const c = res[p].consumer && perCall(res[p].consumer, calls);
        rows.push([tree, p, b.rounds.toFixed(2), b.statements.toFixed(2), c ? c.rounds.toFixed(2) : "–", c ? c.statements.toFixed(2) : "–"]);
      }
      console.log(`\n${tree}: B's statements per channel call (${path} path):\n`);
      console.log(table(["per call", "statement"], topStatements(res.channel.b, calls)));
      console.log(`\n${tree}: B's statements per local call:\n`);
      console.log(table(["per call", "statement"], topStatements(res.local.b, calls)));
      console.log(`\n${tree}: A's statements per channel call:\n`);
      console.log(table(["per call", "statement"], topStatements(res.channel.consumer!, calls)));
    }
    console.log(`\n#### SQL per call, ${path} path (${calls} sequential calls after ${warmup} warm-up calls per path)\n`);
    console.log(table(["tree", "path", "B: round trips", "B: statements", "consumer: round trips", "consumer: statements"], rows));
  }
}
