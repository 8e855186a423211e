// Where a held relayed call's log messages go between rounds: only the peer that holds the state
// moves them, once, and the waiting calls are bounded.
import { describe, expect, it } from "vitest";
import { HeldCallLogs, logSinksOf, type LogSink } from "../../src/node/relay/held-call-logs.ts";

const sink = (): LogSink => ({ onlog: undefined, level: "info" });

describe("HeldCallLogs", () => {
  it("gives a call's sink to the peer it was given out to, for that state, once", () => {
    const logs = new HeldCallLogs();
    const s = sink();
    logs.put("peer:a", "state-1", s);
    expect(logs.take("peer:c", "state-1")).toBeUndefined();
    expect(logs.take("peer:a", "state-2")).toBeUndefined();
    expect(logs.take("peer:a", "state-1")).toBe(s);
    expect(logs.take("peer:a", "state-1")).toBeUndefined();
  });

  it("keeps at most 1024 waiting calls, dropping the oldest", () => {
    const logs = new HeldCallLogs();
    for (let i = 0; i < 1100; i++) logs.put("peer:a", `state-${i}`, sink());
    expect(logs.take("peer:a", "state-0")).toBeUndefined();
    expect(logs.take("peer:a", "state-75")).toBeUndefined();
    expect(logs.take("peer:a", "state-76")).toBeDefined();
    expect(logs.take("peer:a", "state-1099")).toBeDefined();
  });

  it("is one per node: two held-call stores never share sinks", () => {
    const one = {};
    const other = {};
    logSinksOf(one).put("peer:a", "s", sink());
    expect(logSinksOf(one)).toBe(logSinksOf(one));
    expect(logSinksOf(other).take("peer:a", "s")).toBeUndefined();
  });
});
