// The Deno entry's scheduled hook under real Deno: Deno.cron (enabled by deno.json's
// `unstable: ["cron"]`) runs the node's tick. Cron fires at most once a minute, on the minute, so
// this waits for up to a minute and a bit: the tick at start, then one from the cron.
import { afterAll, beforeAll, expect, test } from "vitest";
import { eventually, type NodeProc } from "../support/processes.ts";
import { startDenoNode } from "../support/runtimes.ts";

let node: NodeProc;

beforeAll(async () => {
  node = await startDenoNode({ env: { TICK_SECONDS: "60" } });
});

afterAll(async () => {
  await node?.stop();
});

/** The ticks the node has logged so far (one `tick` line at the end of each). */
const ticks = () =>
  node
    .output()
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as { event: string; t: string })
    .filter((l) => l.event === "tick");

test("runs the tick from Deno.cron, on the minute", async () => {
  await eventually(async () => expect(ticks()).toHaveLength(1), 30_000); // the one at start
  const started = Date.now();
  await eventually(async () => expect(ticks()).toHaveLength(2), 75_000);
  // Not before the next whole minute after the first tick: that is when the cron first fires.
  const cron = Date.parse(ticks()[1]!.t);
  expect(cron).toBeGreaterThanOrEqual(Math.floor(started / 60_000) * 60_000 + 60_000);
  expect(node.output()).not.toContain("tick failed");
}, 120_000);
