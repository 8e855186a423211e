// The recorder's flush (src/node/metrics/recorder.ts) against a write still in flight: a reader's
// flush must not settle before the counts an earlier flush took have landed, and a flush ends the
// timer's wait, so shutdown does not sit out FLUSH_AFTER_MS.
import { expect, it } from "vitest";
import { memoryDb } from "../../support/libsql.ts";
import { MetricsRecorder } from "../../../src/node/metrics/recorder.ts";
import { METRICS } from "../../../src/node/metrics/definitions.ts";
import { counterTotals } from "../../../src/store/metrics.ts";
import type { Database } from "../../../src/store/database.ts";

/** The database with its batches held at a gate until `open()`: a write in flight, for as long as the test wants. */
function gated(db: Database): { db: Database; open: () => void } {
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  const held = new Proxy(db, {
    get(target, prop, receiver) {
      if (prop !== "batch") return Reflect.get(target, prop, receiver);
      return async (...args: Parameters<Database["batch"]>) => {
        await gate;
        return target.batch(...args);
      };
    },
  });
  return { db: held, open };
}

const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

it("a flush that finds nothing held still waits for the write an earlier flush began", async () => {
  const base = await memoryDb();
  const { db, open } = gated(base);
  const m = new MetricsRecorder({ db, defer: () => {} });
  m.count(METRICS.calls, { tool: "probe", peer: "", outcome: "ok" }, 4);
  const first = m.flush();
  let settled = false;
  const second = m.flush().then(() => (settled = true));
  await turns(20);
  expect(settled).toBe(false);
  open();
  await Promise.all([first, second]);
  expect((await counterTotals(base, { names: [METRICS.calls.name] })).map((t) => t.value)).toEqual([4]);
});

it("a flush ends the timer's wait: the deferred timed flush settles without the timer", async () => {
  const deferred: Promise<unknown>[] = [];
  const m = new MetricsRecorder({ db: await memoryDb(), defer: (p) => deferred.push(p) });
  m.count(METRICS.calls, { tool: "probe", peer: "", outcome: "ok" });
  expect(deferred).toHaveLength(1);
  let settled = false;
  void deferred[0]!.then(() => (settled = true));
  await m.flush();
  await turns(20);
  expect(settled).toBe(true);
});
