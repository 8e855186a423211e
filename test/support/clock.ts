// Moving a node process's clock forward instead of waiting for time to pass (test-clock.mjs).
import { join } from "node:path";
import { eventually, ROOT, type NodeOptions, type Proc } from "./processes.ts";

const PRELOAD = join(ROOT, "test/support/test-clock.mjs");

/** Options for startNode: a Node process whose clock the test moves in steps of `stepSeconds`. */
export function movableClock(stepSeconds: number, env: Record<string, string> = {}): NodeOptions {
  return { env: { ...env, NODE_OPTIONS: `--import=${PRELOAD}`, MCPFED_TEST_CLOCK_STEP_SECONDS: String(stepSeconds) } };
}

/** Moves the clock one step forward and waits until the process has taken it. */
export async function advanceClock(proc: Proc): Promise<void> {
  const before = proc.output().split("test clock: +").length;
  proc.child.kill("SIGUSR2");
  await eventually(async () => {
    if (proc.output().split("test clock: +").length === before) throw new Error("the clock has not moved yet");
  });
}
