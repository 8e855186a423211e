// 2025-11-25 sessions through a real node in front of the conformance fixture: every client that
// initializes gets one (capabilities or not), bound to its principal and bounded per principal;
// DELETE ends it; a stream it lost is resumed with Last-Event-ID; the level it sets carries the
// upstream's log messages during its calls.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { LoggingMessageNotificationSchema, type CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startConformanceFixture } from "../support/conformance-fixture.ts";
import { rawMcp } from "../support/mcp.ts";
import { bearerFor, eventually, loopbackNode, type NodeProc, type Upstream } from "../support/processes.ts";

let fixture: Upstream;
let node: NodeProc;
let alice: Record<string, string>;
let bob: Record<string, string>;

beforeAll(async () => {
  [fixture, node] = await Promise.all([startConformanceFixture(), loopbackNode("sessions", { env: { AUTHLESS: "false" } })]);
  const res = await node.admin("POST", "/upstreams", { name: "conformance", kind: "http", url: fixture.url, prefix: "" });
  expect(res.status, await res.text()).toBe(201);
  [alice, bob] = await Promise.all([bearerFor(node, "alice"), bearerFor(node, "bob")]);
});

afterAll(async () => {
  await Promise.all([node?.stop(), fixture?.stop()]);
});

/** An SDK v1 client (2025-11-25) that declares nothing, as alice unless told otherwise. */
async function plainClient(headers = alice) {
  const logs: { level: string; data: unknown }[] = [];
  const client = new Client({ name: "plain", version: "0.0.0" });
  client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void logs.push(n.params));
  const transport = new StreamableHTTPClientTransport(new URL(node.mcpUrl), { requestInit: { headers } });
  await client.connect(transport);
  return { client, transport, logs };
}

const session = (id: string) => ({ "mcp-session-id": id, "mcp-protocol-version": "2025-11-25" });
const LIST = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" });

describe("a session for every 2025-11-25 client that initializes", () => {
  it("issues a visible-ASCII session id to a client that declared nothing, and serves its calls in it", async () => {
    const { client, transport } = await plainClient();
    expect(transport.sessionId).toMatch(/^[\x21-\x7e]+$/);
    const r = (await client.callTool({ name: "test_simple_text", arguments: {} })) as CallToolResult;
    expect(r.isError).toBeFalsy();
    expect((await rawMcp(node.mcpUrl, LIST, { ...alice, ...session(transport.sessionId!) })).status).toBe(200);
    await client.close();
  });

  it("ends a session on DELETE (204); the id is then 404 on POST, GET and DELETE", async () => {
    const { client, transport } = await plainClient();
    const id = transport.sessionId!;
    const del = await fetch(node.mcpUrl, { method: "DELETE", headers: { ...alice, ...session(id) } });
    expect(del.status).toBe(204);
    expect((await rawMcp(node.mcpUrl, LIST, { ...alice, ...session(id) })).status).toBe(404);
    expect((await fetch(node.mcpUrl, { headers: { ...alice, ...session(id), accept: "text/event-stream" } })).status).toBe(404);
    expect((await fetch(node.mcpUrl, { method: "DELETE", headers: { ...alice, ...session(id) } })).status).toBe(404);
    await client.close();
  });

  it("answers another principal's session id as unknown (404), and leaves the session open", async () => {
    const { client, transport } = await plainClient();
    const id = transport.sessionId!;
    expect((await rawMcp(node.mcpUrl, LIST, { ...bob, ...session(id) })).status).toBe(404);
    expect((await fetch(node.mcpUrl, { headers: { ...bob, ...session(id), accept: "text/event-stream", "last-event-id": "1.1" } })).status).toBe(404);
    expect((await fetch(node.mcpUrl, { method: "DELETE", headers: { ...bob, ...session(id) } })).status).toBe(404);
    expect((await client.listTools()).tools.length).toBeGreaterThan(0);
    await client.close();
  });

  it("closes a principal's oldest session to open its ninth; another principal's stay", async () => {
    const bobs = await plainClient(bob);
    const opened = [];
    for (let i = 0; i < 9; i++) opened.push(await plainClient());
    const status = async (id: string, who: Record<string, string>) => (await rawMcp(node.mcpUrl, LIST, { ...who, ...session(id) })).status;
    expect(await status(opened[0]!.transport.sessionId!, alice)).toBe(404);
    for (const o of opened.slice(1)) expect(await status(o.transport.sessionId!, alice)).toBe(200);
    expect(await status(bobs.transport.sessionId!, bob)).toBe(200);
    await Promise.all([...opened, bobs].map((o) => o.client.close()));
  });
});

describe("log messages during a call", () => {
  it("reach a session's client at the level it set, and not below it", async () => {
    const { client, logs } = await plainClient();
    await client.setLoggingLevel("debug");
    await client.callTool({ name: "test_tool_with_logging", arguments: {} });
    expect(logs.map((l) => l.data)).toEqual(["Tool execution started", "Tool processing data", "Tool execution completed"]);
    expect(logs.every((l) => l.level === "info")).toBe(true);

    logs.length = 0;
    await client.setLoggingLevel("warning");
    const r = (await client.callTool({ name: "test_tool_with_logging", arguments: {} })) as CallToolResult;
    expect(r.isError).toBeFalsy();
    expect(logs).toEqual([]);
    await client.close();
  });
});

interface SseEvent {
  id?: string;
  retry?: number;
  data: string;
}

/** Reads SSE events from a response until `until` says stop; the reader is returned to cancel. */
async function readEvents(res: Response, until: (e: SseEvent) => boolean): Promise<SseEvent[]> {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  const events: SseEvent[] = [];
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return events;
    buffer += value;
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const e: SseEvent = { data: "" };
      for (const line of block.split("\n")) {
        const at = line.indexOf(":");
        if (at <= 0) continue;
        const [field, val] = [line.slice(0, at), line.slice(at + 1).trimStart()];
        if (field === "id") e.id = val;
        else if (field === "retry") e.retry = Number(val);
        else if (field === "data") e.data += val;
      }
      events.push(e);
      if (until(e)) {
        await reader.cancel();
        return events;
      }
    }
  }
}

const isResult = (id: number) => (e: SseEvent) => e.data !== "" && (JSON.parse(e.data) as { id?: unknown }).id === id;

describe("resumable streams", () => {
  it("primes a POST's stream with an event id and a retry field; a client that drops it gets what it missed with Last-Event-ID", async () => {
    const { client, transport } = await plainClient();
    await client.setLoggingLevel("info");
    const headers = { ...alice, ...session(transport.sessionId!) };
    const call = JSON.stringify({ jsonrpc: "2.0", id: 7, method: "tools/call", params: { name: "test_tool_with_logging", arguments: {} } });
    const res = await rawMcp(node.mcpUrl, call, headers);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    // Hang up right after the priming event, before any log message or the result.
    const [priming] = await readEvents(res, () => true);
    expect(priming!.id).toMatch(/^\S+$/);
    expect(priming!.data).toBe("");
    expect(priming!.retry).toBeGreaterThan(0);

    const resumed = await eventually(async () => {
      const r = await fetch(node.mcpUrl, { headers: { ...headers, accept: "text/event-stream", "last-event-id": priming!.id! } });
      // 409 while the node has not yet seen the first stream go.
      if (r.status !== 200) throw new Error(`HTTP ${r.status}`);
      return r;
    });
    const events = await readEvents(resumed, isResult(7));
    const messages = events.filter((e) => e.data !== "").map((e) => JSON.parse(e.data) as { method?: string; params?: { data?: unknown }; result?: CallToolResult });
    expect(messages.filter((m) => m.method === "notifications/message").map((m) => m.params?.data)).toEqual([
      "Tool execution started",
      "Tool processing data",
      "Tool execution completed",
    ]);
    expect(messages.at(-1)?.result?.content).toEqual([{ type: "text", text: "Tool with logging executed successfully" }]);
    // An id the session never issued cannot be resumed.
    const bogus = await fetch(node.mcpUrl, { headers: { ...headers, accept: "text/event-stream", "last-event-id": "999.999" } });
    expect(bogus.status).toBe(400);
    await client.close();
  });
});

describe("log messages during a stateless call", () => {
  it("ride the POST's stream when the client asked for one, at every level", async () => {
    // No initialize, no session: a progress token makes the answer a stream.
    const call = JSON.stringify({ jsonrpc: "2.0", id: 3, method: "tools/call", params: { name: "test_tool_with_logging", arguments: {}, _meta: { progressToken: "p" } } });
    const res = await rawMcp(node.mcpUrl, call, { ...alice, "mcp-protocol-version": "2025-11-25" });
    expect(res.status).toBe(200);
    expect(res.headers.get("mcp-session-id")).toBeNull();
    const events = await readEvents(res, isResult(3));
    const logs = events.filter((e) => e.data !== "").map((e) => JSON.parse(e.data) as { method?: string; params?: { data?: unknown } }).filter((m) => m.method === "notifications/message");
    expect(logs.map((m) => m.params?.data)).toEqual(["Tool execution started", "Tool processing data", "Tool execution completed"]);
  });
});
