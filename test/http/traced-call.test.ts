// A 2025-11-25 session's server is built once with one caller, and its requests may overlap: each
// tools/call's routing span must go under the /mcp request that carried it, whichever request set
// the caller's span last.
import { describe, expect, it } from "vitest";
import { awaitDispatch, tracedToolCall } from "../../src/http/mcp/traced-call.ts";
import type { Caller } from "../../src/node/access/principals/caller.ts";
import { Tracer, type FinishedSpan } from "../../src/node/tracing/tracer.ts";

function setup() {
  const ended: FinishedSpan[] = [];
  const tracer = new Tracer({ add: (s) => ended.push(s), flush: async () => {}, afterRequest: async () => {} });
  const caller: Caller = { id: "p", principal: { kind: "anonymous", id: "p" } as never, defer: () => {} };
  const call = tracedToolCall({ tracer }, caller, async () => ({ content: [] }));
  const request = (name: string) => tracer.start("mcp.request", "server", undefined, { name });
  return { ended, caller, call, request };
}

const toolsCall = (id: number) => ({ jsonrpc: "2.0", id, method: "tools/call", params: { name: "t" } });

describe("a session's tools/call spans", () => {
  it("go under the request that carried each call, even when another request came in between", async () => {
    const { ended, caller, call, request } = setup();
    const first = request("first");
    const second = request("second");
    caller.span = first;
    awaitDispatch(caller, [toolsCall(1)], first);
    caller.span = second;
    awaitDispatch(caller, [toolsCall(2), { jsonrpc: "2.0", id: 3, method: "tools/list" }], second);
    await call({ params: { name: "t" } }, { mcpReq: { id: 1 } });
    await call({ params: { name: "t" } }, { mcpReq: { id: 2 } });
    expect(ended.map((s) => s.parentSpanId)).toEqual([first.spanId, second.spanId]);
    // Each was taken when its call started; a call the session never noted goes under the caller's span.
    expect(caller.spans?.size).toBe(0);
    await call({ params: { name: "t" } }, { mcpReq: { id: 9 } });
    expect(ended[2]!.parentSpanId).toBe(second.spanId);
  });

  it("keeps at most 64 calls waiting for dispatch, the oldest giving way", () => {
    const { caller, request } = setup();
    const span = request("many");
    awaitDispatch(caller, Array.from({ length: 70 }, (_, i) => toolsCall(i)), span);
    expect(caller.spans?.size).toBe(64);
    expect(caller.spans?.has(5)).toBe(false);
    expect(caller.spans?.has(6)).toBe(true);
  });
});
