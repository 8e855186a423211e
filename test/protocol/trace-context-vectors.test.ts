// The trace context vectors (test/vectors/tracing/trace-context.json, docs/protocol.md §5.7): each
// traceparent parses to the recorded parts or to nothing, each tracestate is taken or refused, and
// a call keeps a valid value and drops a malformed one while it still parses.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { callRequest } from "../../src/protocol/messages/relay.ts";
import { formatTraceparent, parseTraceparent, tracestate } from "../../src/protocol/tracing/trace-context.ts";

interface Vectors {
  traceparents: { name: string; value: unknown; parsed: { traceId: string; parentId: string; sampled: boolean } | null }[];
  tracestates: { name: string; value: string; valid: boolean }[];
  calls: { name: string; message: unknown; traceparent: string | null; tracestate: string | null }[];
}
const v = JSON.parse(readFileSync(new URL("../vectors/tracing/trace-context.json", import.meta.url), "utf8")) as Vectors;

describe("trace context vectors", () => {
  it.each(v.traceparents.map((t) => [t.name, t] as const))("traceparent: %s", (_n, t) => {
    expect(parseTraceparent(t.value) ?? null).toEqual(t.parsed);
    if (t.parsed && (t.value as string).endsWith(t.parsed.sampled ? "01" : "00")) expect(formatTraceparent(t.parsed.traceId, t.parsed.parentId, t.parsed.sampled)).toBe(t.value);
  });
  it.each(v.tracestates.map((t) => [t.name, t] as const))("tracestate: %s", (_n, t) => expect(tracestate.safeParse(t.value).success).toBe(t.valid));
  it.each(v.calls.map((c) => [c.name, c] as const))("call: %s", (_n, c) => {
    const parsed = callRequest.parse(c.message);
    expect(parsed.traceparent ?? null).toBe(c.traceparent);
    expect(parsed.tracestate ?? null).toBe(c.tracestate);
  });
  it("holds negatives of each kind", () => {
    expect(v.traceparents.filter((t) => t.parsed === null).length).toBeGreaterThanOrEqual(8);
    expect(v.tracestates.filter((t) => !t.valid).length).toBeGreaterThanOrEqual(6);
  });
});

describe("a traceparent read with its tracestate", () => {
  const parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  it("keeps a valid tracestate beside a valid traceparent, unchanged", () => {
    expect(parseTraceparent(parent, "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE")).toEqual({
      traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
      parentId: "00f067aa0ba902b7",
      sampled: true,
      tracestate: "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE",
    });
  });
  it("drops a malformed tracestate and keeps the parent; drops a tracestate without a valid traceparent", () => {
    expect(parseTraceparent(parent, "Not A Member")).toEqual({ traceId: "4bf92f3577b34da6a3ce929d0e0e4736", parentId: "00f067aa0ba902b7", sampled: true });
    expect(parseTraceparent("00-bad", "rojo=1")).toBeUndefined();
  });
});
