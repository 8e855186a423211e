// Preloaded into a benchmarked node process (node --import): times each HTTP request the node
// serves, from its arrival to the end of its answer, in wall time and in the process's CPU time,
// and records GC pauses and the event loop's delay, so a benchmark can tell the node's own work
// from the machine's scheduling. SIGUSR2 writes what was recorded since the last SIGUSR2 to
// $BENCH_TIMING_OUT as JSON and starts afresh.
import { subscribe } from "node:diagnostics_channel";
import { writeFileSync } from "node:fs";
import { constants, monitorEventLoopDelay, PerformanceObserver } from "node:perf_hooks";

const out = process.env.BENCH_TIMING_OUT;
if (out) {
  let requests = [];
  let gcs = [];
  const open = new WeakMap();
  subscribe("http.server.request.start", ({ request }) => {
    open.set(request, { at: performance.now(), cpu: process.cpuUsage() });
  });
  subscribe("http.server.response.finish", ({ request }) => {
    const start = open.get(request);
    if (!start) return;
    const cpu = process.cpuUsage(start.cpu);
    requests.push({ method: request.method, url: request.url, at: start.at, ms: performance.now() - start.at, cpuMs: (cpu.user + cpu.system) / 1000 });
  });
  new PerformanceObserver((list) => {
    // A GC a benchmark forced (memory-hook.mjs) is not the node's.
    for (const e of list.getEntries()) if (!(e.detail?.flags & constants.NODE_PERFORMANCE_GC_FLAGS_FORCED)) gcs.push({ at: e.startTime, ms: e.duration, kind: e.detail?.kind });
  }).observe({ entryTypes: ["gc"] });
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  process.on("SIGUSR2", () => {
    const ms = (ns) => ns / 1e6;
    const loop = { p50: ms(delay.percentile(50)), p99: ms(delay.percentile(99)), max: ms(delay.max) };
    writeFileSync(out, JSON.stringify({ requests, gcs, loop }));
    requests = [];
    gcs = [];
    delay.reset();
  });
}
