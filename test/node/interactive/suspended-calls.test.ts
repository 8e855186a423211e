// Calls held in memory between a 2026-07-28 client's rounds: one turn per round, stale and
// foreign rounds refused, bounds per principal, and an unanswered call ended with its upstream.
import { describe, expect, it } from "vitest";
import { HeldCallError, SuspendedCalls } from "../../../src/node/interactive/suspended-calls.ts";
import type { Ask } from "../../../src/node/interactive/input-requests.ts";

const limits = { ttlMs: 60_000, perPrincipal: 2, total: 10 };
const question = { method: "elicitation/create" as const, params: { message: "name?" } };

/** An upstream call that asks once and answers with what it was told. */
const asksOnce = async (ask: Ask, signal: AbortSignal) => `got ${JSON.stringify(await ask(question, signal))}`;

async function failure(p: Promise<unknown>): Promise<string> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(HeldCallError);
  return (err as HeldCallError).reason;
}

describe("SuspendedCalls", () => {
  it("answers at once when the call asks nothing", async () => {
    const calls = new SuspendedCalls(limits);
    expect(await calls.start("p", async () => "plain")).toEqual({ kind: "done", result: "plain" });
    expect(calls.size).toBe(0);
  });

  it("returns the question, then the result once answered; the round is spent after", async () => {
    const calls = new SuspendedCalls(limits);
    const turn = await calls.start("p", asksOnce);
    expect(turn).toMatchObject({ kind: "input", round: 0, requests: { q1: question } });
    if (turn.kind !== "input") throw new Error("expected a question");
    expect(await calls.resume(turn.call, 0, "p", { q1: { action: "accept" } })).toEqual({ kind: "done", result: 'got {"action":"accept"}' });
    expect(await failure(calls.resume(turn.call, 1, "p", {}))).toBe("unknown");
  });

  it("asks again for a missing answer, and refuses the spent round and another principal", async () => {
    const calls = new SuspendedCalls(limits);
    const turn = await calls.start("p", asksOnce);
    if (turn.kind !== "input") throw new Error("expected a question");
    expect(await calls.resume(turn.call, 0, "p", { other: { x: 1 } })).toMatchObject({ kind: "input", round: 1, requests: { q1: question } });
    expect(await failure(calls.resume(turn.call, 0, "p", { q1: {} }))).toBe("stale");
    expect(await failure(calls.resume(turn.call, 1, "q", { q1: {} }))).toBe("unknown");
    expect(await calls.resume(turn.call, 1, "p", { q1: { ok: true } })).toMatchObject({ kind: "done" });
  });

  it("bounds the calls one principal keeps waiting", async () => {
    const calls = new SuspendedCalls(limits);
    await calls.start("p", asksOnce);
    await calls.start("p", asksOnce);
    expect(await failure(calls.start("p", asksOnce))).toBe("too_many");
    expect((await calls.start("q", asksOnce)).kind).toBe("input");
    calls.closeAll();
  });

  it("ends a call nobody answers in time, aborting the upstream call", async () => {
    const calls = new SuspendedCalls({ ...limits, ttlMs: 20 });
    let aborted: AbortSignal | undefined;
    const turn = await calls.start("p", (ask, signal) => {
      aborted = signal;
      return asksOnce(ask, signal);
    });
    if (turn.kind !== "input") throw new Error("expected a question");
    await new Promise<void>((resolve) => aborted!.addEventListener("abort", () => resolve(), { once: true }));
    expect(calls.size).toBe(0);
    expect(await failure(calls.resume(turn.call, 0, "p", { q1: {} }))).toBe("unknown");
  });
});
