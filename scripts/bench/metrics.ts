// Metrics: what instrumentation adds to one proxied tools/call, and how long GET /metrics takes to
// render. The node's app (src/http/app.ts over an embedded libSQL file) calls the SDK v2 echo
// upstream (another process) on loopback, one call at a time, in alternating rounds with the
// recorder on and with its count/observe replaced by no-ops (the uninstrumented baseline, the
// same process and store). Then the rollups are filled with a day of minutes and rendered, from the
// running totals as shipped and, in the same run, by summing every kept minute (the render before
// the totals, the baseline).
//
//   npx tsx scripts/bench/metrics.ts          (METRICS_CALLS=1000 METRICS_ROUNDS=5 METRICS_SERIES=50)
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp } from "../../src/http/app.ts";
import { startLocal } from "../../src/runtimes/local.ts";
import { outboundFetch } from "../../src/runtimes/node-outbound.ts";
import { METRICS } from "../../src/node/metrics/definitions.ts";
import { MetricsRecorder } from "../../src/node/metrics/recorder.ts";
import { exposition, renderExposition } from "../../src/node/metrics/exposition.ts";
import { counterTotals, histogramTotals } from "../../src/store/metrics.ts";
import { freePort, ROOT, start, waitFor } from "../../test/support/processes.ts";
import { fmt, intEnv, machine, median, table } from "./lib.ts";

const CALLS = intEnv("METRICS_CALLS", 1000);
const ROUNDS = intEnv("METRICS_ROUNDS", 5);
const SERIES = intEnv("METRICS_SERIES", 50);
const MINUTES = 24 * 60;
const TOKEN = "bench-admin-token-0123456789";

const port = await freePort();
const echo = start(process.execPath, ["--import", "tsx", join(ROOT, "scripts/bench/echo-server-v2.ts")], { PORT: String(port) });
const upstreamUrl = `http://127.0.0.1:${port}/mcp`;
await waitFor(async () => (await fetch(upstreamUrl, { method: "GET" })).status > 0, "echo upstream", echo);
const print = console.log;
console.log = () => {};
const local = await startLocal({ DATA_DIR: mkdtempSync(join(tmpdir(), "mcpfed-bench-metrics-")), ADMIN_TOKEN: TOKEN, PORT: "8787", ALLOW_PRIVATE_URLS: "1" }).finally(() => (console.log = print));
const platform = { requestScopedIo: false, standingStreams: true, fetch: outboundFetch(local.config.allowPrivateUrls) };
const { app, services: s, close } = await createApp({ config: local.config, db: local.db, platform });

try {
  const reg = await app.request("/admin/upstreams", { method: "POST", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" }, body: JSON.stringify({ name: "bench", kind: "http", url: upstreamUrl }) });
  if (reg.status !== 201) throw new Error(`register: ${reg.status} ${await reg.text()}`);
  const call = async (i: number) => {
    const res = await app.request("/mcp", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: i, method: "tools/call", params: { name: "bench_echo", arguments: { message: `m${i}` } } }),
    });
    if (!(await res.text()).includes(`Echo: m${i}`)) throw new Error(`unexpected answer ${res.status}`);
  };
  const { count, observe } = s.metrics;
  const arms = {
    instrumented: () => {
      s.metrics.count = count;
      s.metrics.observe = observe;
    },
    uninstrumented: () => {
      s.metrics.count = () => {};
      s.metrics.observe = () => {};
    },
  };
  const perCall: Record<keyof typeof arms, number[]> = { instrumented: [], uninstrumented: [] };
  for (let i = 0; i < 300; i++) await call(i);
  for (let r = 0; r < ROUNDS; r++) {
    for (const arm of (r % 2 ? ["uninstrumented", "instrumented"] : ["instrumented", "uninstrumented"]) as (keyof typeof arms)[]) {
      arms[arm]();
      const c0 = process.cpuUsage();
      for (let i = 0; i < CALLS; i++) await call(i);
      const c = process.cpuUsage(c0);
      perCall[arm].push((c.user + c.system) / CALLS);
    }
    await s.metrics.flush();
  }
  arms.instrumented();

  // A day of minutes, SERIES label sets of the call counter and of the latency histogram each minute.
  const now = Date.now();
  for (let m = 0; m < MINUTES; m++) {
    const filler = new MetricsRecorder({ db: s.db, defer: () => {}, now: () => now - m * 60_000 });
    for (let k = 0; k < SERIES; k++) {
      filler.count(METRICS.calls, { tool: `tool_${k}`, peer: k % 5 ? "" : "peer", outcome: "ok" }, 3);
      filler.observe(METRICS.callDuration, { tool: `tool_${k}`, peer: k % 5 ? "" : "peer" }, 10 + k);
    }
    await filler.flush();
  }
  const render: number[] = [];
  const summed: number[] = [];
  let bytes = 0;
  const sumMinutes = async () => exposition(await counterTotals(s.db), await histogramTotals(s.db));
  if ((await sumMinutes()) !== (await renderExposition(s.db))) throw new Error("the totals and the minutes' sums disagree");
  // Alternating, so that both see the same machine.
  for (let r = 0; r < 15; r++) {
    let t0 = performance.now();
    bytes = (await renderExposition(s.db)).length;
    render.push(performance.now() - t0);
    t0 = performance.now();
    await sumMinutes();
    summed.push(performance.now() - t0);
  }
  const [on, off] = [median(perCall.instrumented), median(perCall.uninstrumented)];
  console.log(`machine: ${machine()}`);
  console.log(
    table(
      ["what", "median"],
      [
        [`tools/call CPU µs, instrumented (${ROUNDS} rounds × ${CALLS} calls)`, fmt(on, 0)],
        ["tools/call CPU µs, uninstrumented (count/observe no-ops)", fmt(off, 0)],
        ["ratio instrumented / uninstrumented", fmt(on / off, 3)],
        [`GET /metrics render ms from the running totals (${MINUTES} minutes × ${SERIES} counter + ${SERIES} histogram series, ${bytes} bytes)`, fmt(median(render), 1)],
        ["the same text by summing every kept minute (the render before), ms", fmt(median(summed), 1)],
        ["ratio totals / summed minutes", fmt(median(render) / median(summed), 3)],
      ],
    ),
  );
} finally {
  await close();
  await echo.stop();
}
