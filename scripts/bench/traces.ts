// Traces: what tracing costs a call, on and off, measured in the same run on loopback.
//
//   local      SDK client → node B → upstream                   (B's own everything_echo)
//   federated  SDK client → node A → peer channel → node B → upstream   (A's bravo_everything_echo)
//
// Two rigs from one upstream: A and B with OTEL_EXPORTER_OTLP_ENDPOINT set (spans exported as
// OTLP/HTTP JSON to a receiver in a process of its own, otlp-receiver-process.ts, which parses
// every request), and A0 and B0 without it (tracing off: the baseline). Each round runs every path one
// call at a time, the order alternating between rounds; per path the median latency and the CPU
// the nodes spent per call (from /proc), with the ratio on / off.
//
//   npm run bench:traces        (TRACES_ROUNDS=5 TRACES_CALLS=200 TRACES_WARMUP=50)
import { join } from "node:path";
import { freePort, ROOT, start, startEverything, waitFor, type NodeProc } from "../../test/support/processes.ts";
import { closedLoop, connectClient, echo, fmt, intEnv, machine, median, sleep, table } from "./lib.ts";
import { cpuMsOf, startBenchNode } from "./node-process.ts";

const ROUNDS = intEnv("TRACES_ROUNDS", 5);
const CALLS = intEnv("TRACES_CALLS", 200);
const WARMUP = intEnv("TRACES_WARMUP", 50);

const summaryPort = await freePort();
const receiverProc = start(process.execPath, ["--import", "tsx", join(ROOT, "scripts/bench/otlp-receiver-process.ts")], { PORT: String(summaryPort) });
const summaryUrl = `http://127.0.0.1:${summaryPort}`;
await waitFor(async () => (await fetch(summaryUrl)).ok, "OTLP receiver", receiverProc);
await waitFor(async () => /http:\/\/127\.0\.0\.1:\d+/.test(receiverProc.output()), "the receiver's URL", receiverProc);
const receiver = { url: /http:\/\/127\.0\.0\.1:\d+/.exec(receiverProc.output())![0] };
const upstream = await startEverything();
const nodes: NodeProc[] = [];
const named = async (name: string, tracing: boolean) => {
  const port = await freePort();
  const limits = { FEDERATION_RATE_PER_SOURCE: "1000000", FEDERATION_RATE_PER_SENDER: "1000000", TRUST_DAILY_QUOTAS: "off" };
  const env = { NODE_NAME: name, PUBLIC_URL: `http://127.0.0.1:${port}`, PEER_POLICY: "open", NODE_NO_WARNINGS: "1", ...limits, ...(tracing ? { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url } : {}) };
  const n = await startBenchNode({ port, env });
  nodes.push(n);
  return n;
};

try {
  const rigs = { on: { a: await named("alpha", true), b: await named("bravo", true) }, off: { a: await named("alpha0", false), b: await named("bravo0", false) } };
  for (const { a, b } of Object.values(rigs)) {
    for (const res of [
      await b.admin("POST", "/upstreams", { name: "everything", kind: "http", url: upstream.url }),
      await a.admin("POST", "/peers", { url: b.url }),
      await b.admin("POST", "/shares", { tool: "everything_echo", visibility: "peers", pricing: { model: "free" } }),
    ]) {
      if (!res.ok) throw new Error(`setup: HTTP ${res.status} ${await res.text()}`);
    }
  }
  type Arm = "on" | "off";
  type Path = "local" | "federated";
  const clients = {
    on: { local: await connectClient(rigs.on.b.mcpUrl), federated: await connectClient(rigs.on.a.mcpUrl) },
    off: { local: await connectClient(rigs.off.b.mcpUrl), federated: await connectClient(rigs.off.a.mcpUrl) },
  };
  // B0's tools are listed at A0 under its name: bravo0_everything_echo.
  const tools: Record<Arm, Record<Path, string>> = { on: { local: "everything_echo", federated: "bravo_everything_echo" }, off: { local: "everything_echo", federated: "bravo0_everything_echo" } };
  for (const arm of ["on", "off"] as Arm[]) {
    const until = Date.now() + 20_000;
    while (!(await clients[arm].federated.listTools()).tools.some((t) => t.name === tools[arm].federated)) {
      if (Date.now() > until) throw new Error(`${arm}: the consumer does not list ${tools[arm].federated}`);
      await sleep(200);
    }
  }
  const runs: Record<Arm, Record<Path, { p50: number[]; cpu: number[] }>> = {
    on: { local: { p50: [], cpu: [] }, federated: { p50: [], cpu: [] } },
    off: { local: { p50: [], cpu: [] }, federated: { p50: [], cpu: [] } },
  };
  const cpuOf = (arm: Arm) => cpuMsOf(rigs[arm].a.child.pid!) + cpuMsOf(rigs[arm].b.child.pid!);
  for (const arm of ["on", "off"] as Arm[]) for (const path of ["local", "federated"] as Path[]) await closedLoop(WARMUP, 1, (i) => echo(clients[arm][path], tools[arm][path], i));
  for (let r = 0; r < ROUNDS; r++) {
    const order: Arm[] = r % 2 ? ["off", "on"] : ["on", "off"];
    for (const path of ["local", "federated"] as Path[]) {
      for (const arm of order) {
        const c0 = cpuOf(arm);
        const { samples } = await closedLoop(CALLS, 1, (i) => echo(clients[arm][path], tools[arm][path], i));
        runs[arm][path].cpu.push((cpuOf(arm) - c0) / CALLS);
        runs[arm][path].p50.push(median(samples));
      }
    }
  }
  // The last batch leaves a second after the last call.
  await sleep(2500);
  const { spans, services, malformed } = (await (await fetch(summaryUrl)).json()) as { spans: number; services: Record<string, number>; malformed: string[] };
  if (malformed.length > 0 || services.alpha0 || services.bravo0) throw new Error(`unexpected exports: ${malformed.join("; ")} ${JSON.stringify(services)}`);
  await Promise.all(Object.values(clients).flatMap((c) => Object.values(c)).map((c) => c.close()));
  const rows = (["local", "federated"] as Path[]).flatMap((path) => {
    const [on, off] = [runs.on[path], runs.off[path]];
    return [
      [`${path}: median latency ms, tracing on / off`, `${fmt(median(on.p50))} / ${fmt(median(off.p50))}`, fmt(median(on.p50) / median(off.p50), 3)],
      [`${path}: node CPU ms per call (A + B), on / off`, `${fmt(median(on.cpu))} / ${fmt(median(off.cpu))}`, fmt(median(on.cpu) / median(off.cpu), 3)],
    ];
  });
  console.log(`machine: ${machine()}`);
  console.log(`${ROUNDS} rounds × ${CALLS} calls per path and arm, concurrency 1, after ${WARMUP} warm-up calls; ${spans} spans exported and parsed`);
  console.log(table(["what", "median", "ratio on / off"], rows));
} finally {
  await Promise.allSettled([...nodes, upstream].map((n) => n.stop()));
  await receiverProc.stop();
}
