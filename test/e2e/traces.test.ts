// Traces of a federated call across real node processes on loopback (issue 19): A relays a
// client's call to B, which fronts server-everything; both export to an OTLP/HTTP receiver in the
// test. C, with tracing off, calls B too: it exports nothing and sends no trace context, so B's
// span of that call starts a trace of its own.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect } from "../support/mcp.ts";
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from "../support/otlp-receiver.ts";
import { eventually, json, loopbackNode, type NodeProc, startEverything, type Upstream } from "../support/processes.ts";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const CLIENT_SPAN = "00f067aa0ba902b7";
/** The client's vendors' state: every span of its trace carries it, on both nodes. */
const STATE = "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE";
const ARGUMENT = "an argument no span may carry";
const SERVER = 2;
const CLIENT = 3;

let receiver: OtlpReceiver;
let up: Upstream;
let a: NodeProc;
let b: NodeProc;
let c: NodeProc;
const clients: Client[] = [];

const text = (r: unknown) => ((r as { content: { type: string; text: string }[] }).content[0]?.text ?? "");
const named = (spans: ReceivedSpan[], service: string, name: string) => spans.filter((s) => s.service === service && s.name === name);

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  up = await startEverything();
  const tracing = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_HEADERS: "x-collector-key=k%3D1" };
  a = await loopbackNode("alpha", { env: { PEER_POLICY: "open", ...tracing } });
  b = await loopbackNode("bravo", { env: { PEER_POLICY: "open", ...tracing, OTEL_SERVICE_NAME: "provider-b" } });
  c = await loopbackNode("charlie", { env: { PEER_POLICY: "open" } });
  expect((await b.admin("POST", "/upstreams", { name: "everything", kind: "http", url: up.url })).status).toBe(201);
  await json(await a.admin("POST", "/peers", { url: b.url }));
  await json(await c.admin("POST", "/peers", { url: b.url }));
  await json(await b.admin("POST", "/shares", { tool: "everything_echo", visibility: "peers", pricing: { model: "free" } }));
  for (const n of [a, c]) {
    const client = await connect(n.mcpUrl, n === a ? { traceparent: `00-${TRACE}-${CLIENT_SPAN}-01`, tracestate: STATE } : {});
    clients.push(client);
    await eventually(async () => expect((await client.listTools()).tools.map((t) => t.name)).toContain("bravo_everything_echo"), 15_000);
  }
}, 180_000);

afterAll(async () => {
  await Promise.all(clients.map((cl) => cl.close()));
  await Promise.all([a, b, c, up].map((n) => n?.stop()));
  await receiver?.close();
});

describe("a trace of a federated call", () => {
  it("has spans on both nodes in the client's trace, B's hop span a child of A's outbound span", async () => {
    const echo = await clients[0]!.callTool({ name: "bravo_everything_echo", arguments: { message: ARGUMENT } });
    expect(text(echo)).toBe(`Echo: ${ARGUMENT}`);
    await eventually(async () => {
      const inTrace = receiver.spans.filter((s) => s.traceId === TRACE);
      expect(named(inTrace, "provider-b", "upstream.call")).toHaveLength(1);
      expect(named(inTrace, "alpha", "catalog.route").filter((s) => s.attributes["mcpfed.route"] === "peer")).toHaveLength(1);
    }, 15_000);
    const spans = receiver.spans.filter((s) => s.traceId === TRACE);
    // A: the /mcp request of the call, its routing, the hop out.
    const route = named(spans, "alpha", "catalog.route").find((s) => s.attributes["mcpfed.route"] === "peer")!;
    expect(route.attributes["mcpfed.tool"]).toBe(`${b.nodeId}/everything/echo`);
    const request = spans.find((s) => s.spanId === route.parentSpanId)!;
    expect(request).toMatchObject({ service: "alpha", name: "mcp.request", kind: SERVER, parentSpanId: CLIENT_SPAN, attributes: { "mcp.method.name": "tools/call" } });
    const [hop] = named(spans, "alpha", "relay.call");
    expect(hop).toMatchObject({ kind: CLIENT, parentSpanId: route.spanId, attributes: { "mcpfed.peer": b.nodeId, "mcpfed.route": "direct", "mcpfed.outcome": "ok" } });
    // B: the inbound hop under A's outbound span, the upstream call under it.
    const [serve] = named(spans, "provider-b", "relay.serve");
    expect(serve).toMatchObject({ kind: SERVER, parentSpanId: hop!.spanId, attributes: { "mcpfed.peer": a.nodeId, "mcpfed.tool": `${b.nodeId}/everything/echo`, "mcpfed.outcome": "ok" } });
    expect(named(spans, "provider-b", "upstream.call")[0]).toMatchObject({ kind: CLIENT, parentSpanId: serve!.spanId, attributes: { "mcpfed.upstream": "everything" } });
    // The client's tracestate went with its trace across the hop, unchanged.
    for (const s of [request, route, hop, serve]) expect(s?.traceState).toBe(STATE);
    // Attributes are limited: no argument, no result, and the collector's header arrived as configured.
    expect(JSON.stringify(receiver.spans)).not.toContain(ARGUMENT);
    expect(receiver.headers.every((h) => h["x-collector-key"] === "k=1")).toBe(true);
    expect(receiver.malformed).toEqual([]);
  });

  it("gives each of a session's overlapping calls its own request's span as parent", async () => {
    const routes = () => named(receiver.spans, "alpha", "catalog.route").filter((s) => s.traceId === TRACE && s.attributes["mcpfed.route"] === "peer");
    const before = routes().length;
    const calls = Array.from({ length: 6 }, (_, i) => clients[0]!.callTool({ name: "bravo_everything_echo", arguments: { message: `overlap ${i}` } }));
    expect((await Promise.all(calls)).map(text)).toEqual(Array.from({ length: 6 }, (_, i) => `Echo: overlap ${i}`));
    await eventually(async () => expect(routes()).toHaveLength(before + 6), 15_000);
    const parents = routes().map((r) => r.parentSpanId);
    expect(new Set(parents).size).toBe(parents.length);
    for (const id of parents) {
      expect(receiver.spans.find((s) => s.spanId === id)).toMatchObject({ service: "alpha", name: "mcp.request", attributes: { "mcp.method.name": "tools/call" } });
    }
  });

  it("with tracing off, exports nothing and sends no trace context: the provider starts a trace of its own", async () => {
    const before = new Set(receiver.spans.map((s) => s.spanId));
    const echo = await clients[1]!.callTool({ name: "bravo_everything_echo", arguments: { message: "from charlie" } });
    expect(text(echo)).toBe("Echo: from charlie");
    await eventually(async () => expect(receiver.spans.some((s) => !before.has(s.spanId) && s.name === "relay.serve" && s.attributes["mcpfed.peer"] === c.nodeId)).toBe(true), 15_000);
    const serve = receiver.spans.find((s) => !before.has(s.spanId) && s.name === "relay.serve" && s.attributes["mcpfed.peer"] === c.nodeId)!;
    // Had C's envelope carried a traceparent, B's span would have a parent in C's trace.
    expect(serve.parentSpanId).toBeUndefined();
    expect(serve.traceId).not.toBe(TRACE);
    expect(serve.traceState).toBeUndefined();
    expect(receiver.spans.filter((s) => s.service === "charlie")).toEqual([]);
  });
});
