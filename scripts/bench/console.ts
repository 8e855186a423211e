// Console page cost: each page of /console requested in-process (app.request, no network) from
// one node over its own libSQL file, populated with a 300-tool upstream, 20,000 calls in the last
// hour (invocation-log rows and the metric rollups), 100 API tokens, 100 policy rules, 20 limits
// and their audit entries. A request covers the session check, the page's admin API reads
// (in-process) and the JSX rendering; CPU is the process's user+system time per request,
// the pages' one admin reads and the rendering alone are timed apart, and so is a cold process's
// first view of each rollup page (a new app over the same file, signed in). With --base <dir> (another
// checkout's sources, e.g. `git archive <commit> | tar -x -C <dir>` with node_modules linked in),
// a second node is built from those sources with the same data, and each page is requested from
// both in turn in the same run: before and after under the same load.
//   npm run bench:console [-- --rounds 100] [-- --base <dir>]
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createClient } from "@libsql/client";
import { drizzle } from "drizzle-orm/libsql";
import { localeFor } from "../../src/http/console/i18n/locale.ts";
import { ConsolePage } from "../../src/http/console/layout.tsx";
import { median } from "./lib.ts";

const { values } = parseArgs({ options: { rounds: { type: "string", default: "100" }, base: { type: "string" } } });
const ROUNDS = Number(values.rounds);
const ORIGIN = "http://127.0.0.1:8787";
const ADMIN = "bench-admin-token-0123456789";
const SECTIONS = ["overview", "catalog", "federation", "calls", "ledger", "access", "agents"] as const;
const TOOLS = 300;
const INVOCATIONS = 20_000;

async function startManyTools(): Promise<{ url: string; stop: () => void }> {
  const port = 20_000 + Math.floor(Math.random() * 10_000);
  const child = spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "many-tools-server.ts")], { env: { ...process.env, TOOLS: String(TOOLS), PORT: String(port) }, stdio: "ignore" });
  const url = `http://127.0.0.1:${port}/mcp`;
  for (let i = 0; i < 300; i++) {
    try {
      await fetch(url);
      return { url, stop: () => child.kill() };
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error("many-tools-server did not start");
}

/** A node built from the sources under `root` (this checkout, or `--base`'s), over its own file, populated as above, and a signed-in page request. */
async function populatedNode(root: string, upstreamUrl: string) {
  const from = async <T,>(path: string): Promise<T> => (await import(join(root, path))) as T;
  const { createApp } = await from<typeof import("../../src/http/app.ts")>("src/http/app.ts");
  const { METRICS } = await from<typeof import("../../src/node/metrics/definitions.ts")>("src/node/metrics/definitions.ts");
  const { MetricsRecorder } = await from<typeof import("../../src/node/metrics/recorder.ts")>("src/node/metrics/recorder.ts");
  const { loadConfig } = await from<typeof import("../../src/node/settings/config.ts")>("src/node/settings/config.ts");
  const { newSeed } = await from<typeof import("../../src/protocol/identity/seed.ts")>("src/protocol/identity/seed.ts");
  const { insertInvocations } = await from<typeof import("../../src/store/invocations.ts")>("src/store/invocations.ts");
  const { migrate } = await from<typeof import("../../src/store/database.ts")>("src/store/database.ts");
  const schema = await from<typeof import("../../src/store/schema/index.ts")>("src/store/schema/index.ts");
  const { signIn } = await from<typeof import("../../test/support/console.ts")>("test/support/console.ts");
  type Invocation = import("../../src/store/invocations.ts").Invocation;

  const dir = mkdtempSync(join(tmpdir(), "bench-console-"));
  const file = `file:${join(dir, "node.db")}`;
  const db = drizzle(createClient({ url: file }), { schema });
  await migrate(db);
  const config = loadConfig({ ADMIN_TOKEN: ADMIN, NODE_SEED: newSeed(), NODE_NAME: "bench", PUBLIC_URL: ORIGIN, AUTHLESS: "false", ALLOW_PRIVATE_URLS: "true" });
  const platform = { requestScopedIo: false, standingStreams: true, fetch };
  const node = await createApp({ config, db, platform });
  const call = async (url: string, init?: RequestInit) => node.app.request(url, init);
  const admin = async (method: string, path: string, body?: unknown) => {
    const res = await call(`${ORIGIN}/admin${path}`, { method, headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" }, ...(body ? { body: JSON.stringify(body) } : {}) });
    if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status}: ${await res.text()}`);
    return res;
  };

  await admin("POST", "/upstreams", { name: "saas", kind: "http", url: upstreamUrl });
  const now = Date.now();
  const outcomes: Invocation["outcome"][] = ["ok", "ok", "ok", "ok", "tool_error", "timeout"];
  const rows: Invocation[] = Array.from({ length: INVOCATIONS }, (_, i) => ({
    at: now - Math.floor((i / INVOCATIONS) * 3_600_000),
    caller: `api-token:tok_${i % 100}`,
    toolName: `saas_tool_${i % 50}`,
    toolId: null,
    upstream: i % 3 === 0 ? "peer:abcdefghijklmnopqrstuvwxyz234567" : "saas",
    durationMs: 5 + (i % 200),
    outcome: outcomes[i % outcomes.length]!,
    error: null,
  }));
  await insertInvocations(db, rows);
  // The same calls in the metric rollups, as the node's recorder writes them (the overview reads these).
  let at = now;
  const recorder = new MetricsRecorder({ db, defer: () => {}, now: () => at });
  for (const r of rows) {
    at = r.at;
    const peer = r.upstream?.startsWith("peer:") ? r.upstream.slice("peer:".length) : "";
    recorder.count(METRICS.calls, { tool: r.toolName, peer, outcome: r.outcome });
    recorder.observe(METRICS.callDuration, { tool: r.toolName, peer }, r.durationMs);
  }
  await recorder.flush();
  for (let i = 0; i < 100; i++) await admin("POST", "/tokens", { name: `token-${i}`, roles: ["dev"] });
  for (let i = 0; i < 100; i++) await admin("POST", "/policy/rules", { priority: i, effect: i % 2 ? "allow" : "deny", role: `role-${i}`, tool: `saas_tool_${i % 50}` });
  for (let i = 0; i < 20; i++) await admin("POST", "/limits", { tool: `saas_tool_${i}`, windowSeconds: 60, maxRequests: 100 });
  await new Promise((r) => setTimeout(r, 200)); // the audit entries the setup deferred
  // One scheduled tick, as a running node has had: its alert conditions verify the audit chain and keep the head.
  await node.tick();

  const op = await signIn(call, ORIGIN, ADMIN);
  const request = (section: string) => call(`${ORIGIN}/console/${section}`, { headers: { cookie: op.cookie } });
  for (let i = 0; i < 10; i++) for (const s of SECTIONS) await (await request(s)).text();
  /**
   * A cold process or isolate: a new app over a new client of the same file, signed in; the CPU of
   * its first request of `section` (a console page, or with `read`, that admin read alone).
   */
  const coldFirst = async (section: string, read = false): Promise<{ cpu: number; bytes: number }> => {
    const client = createClient({ url: file });
    const fresh = await createApp({ config, db: drizzle(client, { schema }), platform });
    const freshCall = async (url: string, init?: RequestInit) => fresh.app.request(url, init);
    const session = await signIn(freshCall, ORIGIN, ADMIN);
    const c0 = process.cpuUsage();
    const res = read ? await freshCall(`${ORIGIN}/admin${section}`, { headers: { authorization: `Bearer ${ADMIN}` } }) : await freshCall(`${ORIGIN}/console/${section}`, { headers: { cookie: session.cookie } });
    const text = await res.text();
    const c1 = process.cpuUsage(c0);
    if (res.status !== 200) throw new Error(`cold ${section}: HTTP ${res.status}`);
    await fresh.close();
    client.close();
    return { cpu: (c1.user + c1.system) / 1000, bytes: text.length };
  };
  return { admin, request, coldFirst, close: () => node.close() };
}

const upstream = await startManyTools();
const here = await populatedNode(join(import.meta.dirname, "../.."), upstream.url);
const base = values.base ? await populatedNode(values.base, upstream.url) : undefined;
const { admin } = here;

type Arm = { wall: Map<string, number[]>; cpu: Map<string, number[]>; bytes: Map<string, number> };
const arm = (): Arm => ({ wall: new Map(SECTIONS.map((s) => [s, []])), cpu: new Map(SECTIONS.map((s) => [s, []])), bytes: new Map() });
const arms: [Arm, (section: string) => Promise<Response>][] = [[arm(), here.request], ...(base ? [[arm(), base.request] as [Arm, (section: string) => Promise<Response>]] : [])];
for (let r = 0; r < ROUNDS; r++) {
  // With --base, each page is requested from both nodes in turn, the order alternating by round.
  const order = r % 2 ? [...arms].reverse() : arms;
  for (const s of SECTIONS) {
    for (const [m, request] of order) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const res = await request(s);
      const html = await res.text();
      const t1 = performance.now();
      const c1 = process.cpuUsage(c0);
      if (res.status !== 200) throw new Error(`${s}: HTTP ${res.status}`);
      m.wall.get(s)!.push(t1 - t0);
      m.cpu.get(s)!.push((c1.user + c1.system) / 1000);
      m.bytes.set(s, html.length);
    }
  }
}
const [now, before] = [arms[0]![0], arms[1]?.[0]];

// Each page's one admin read alone (overview, federation, catalog, ledger, access, calls), each an in-process admin request.
const READS = ["/overview?minutes=60", "/federation?minutes=60", "/catalog?limit=25", "/ledger/summary?limit=50", "/access?limit=25", "/invocations/summary?limit=50&minutes=60"];
const readCpu = new Map<string, number[]>(READS.map((p) => [p, []]));
for (let r = 0; r < ROUNDS; r++) {
  for (const path of READS) {
    const c0 = process.cpuUsage();
    await (await admin("GET", path)).text();
    const c1 = process.cpuUsage(c0);
    readCpu.get(path)!.push((c1.user + c1.system) / 1000);
  }
}

// A cold process's first view of each rollup page, and its first overview read alone: a new app
// over the same file per sample, the arms alternating.
const COLD = ["overview", "federation", "calls", "/overview?minutes=60"] as const;
const COLD_SAMPLES = Math.max(3, Math.min(10, Math.floor(ROUNDS / 10)));
const coldArms = [here, ...(base ? [base] : [])].map((node) => ({ node, cpu: new Map<string, number[]>(COLD.map((c) => [c, []])) }));
for (let r = 0; r < COLD_SAMPLES; r++) {
  for (const c of COLD) {
    for (const a of r % 2 ? [...coldArms].reverse() : coldArms) a.cpu.get(c)!.push((await a.node.coldFirst(c, c.startsWith("/"))).cpu);
  }
}

// Rendering alone: the shell around a 100-row table's worth of content, JSX to string.
const l = localeFor("en");
const renderMs: number[] = [];
for (let i = 0; i < 500; i++) {
  const t0 = performance.now();
  const page = ConsolePage({ l, section: "overview", nodeName: "bench", csrf: "x", back: "/console/overview", children: Array.from({ length: 100 }, (_, j) => `row ${j}`) });
  await page.toString();
  renderMs.push(performance.now() - t0);
}

console.log(`console pages, ${ROUNDS} rounds, Node ${process.version}, ${cpus()[0]?.model ?? "?"} x${cpus().length}`);
if (before) {
  console.log(`base: ${values.base}`);
  console.log("| page | HTML KiB, base | HTML KiB, now | CPU p50 ms, base | CPU p50 ms, now | ratio |");
  console.log("| --- | --- | --- | --- | --- | --- |");
  for (const s of SECTIONS) {
    const [b, n] = [median(before.cpu.get(s)!), median(now.cpu.get(s)!)];
    console.log(`| ${s} | ${(before.bytes.get(s)! / 1024).toFixed(1)} | ${(now.bytes.get(s)! / 1024).toFixed(1)} | ${b.toFixed(2)} | ${n.toFixed(2)} | ${(n / b).toFixed(2)} |`);
  }
} else {
  console.log("| page | HTML KiB | wall p50 ms | CPU p50 ms |");
  console.log("| --- | --- | --- | --- |");
  for (const s of SECTIONS) console.log(`| ${s} | ${(now.bytes.get(s)! / 1024).toFixed(1)} | ${median(now.wall.get(s)!).toFixed(2)} | ${median(now.cpu.get(s)!).toFixed(2)} |`);
}
console.log(`admin reads alone, CPU p50 ms: ${READS.map((p) => `${p} ${median(readCpu.get(p)!).toFixed(2)}`).join(", ")}`);
console.log(
  `cold first view (a new app over the same file, signed in), CPU p50 ms over ${COLD_SAMPLES}: ` +
    COLD.map((c) => `${c} ${[...coldArms].reverse().map((a) => median(a.cpu.get(c)!).toFixed(2)).join(" → ")}`).join(", ") +
    (base ? " (base → now)" : ""),
);
console.log(`shell render alone (JSX to string): p50 ${median(renderMs).toFixed(3)} ms`);
await here.close();
await base?.close();
upstream.stop();
process.exit(0);
