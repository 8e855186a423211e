// Preloaded into a benchmarked node process (node --expose-gc --import): on SIGUSR2, runs a full
// GC and writes process.memoryUsage() to $BENCH_MEMORY_OUT, so a benchmark can tell retained
// memory from garbage not yet collected.
import { writeFileSync } from "node:fs";

const out = process.env.BENCH_MEMORY_OUT;
if (out) {
  process.on("SIGUSR2", () => {
    globalThis.gc?.();
    writeFileSync(out, JSON.stringify({ gc: typeof globalThis.gc === "function", ...process.memoryUsage() }));
  });
}
