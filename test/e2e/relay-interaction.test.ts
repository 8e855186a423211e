// What an upstream asks, and what it logs, across a federated hop: client → A → B → upstream.
// A (Node) peers with B (Deno), which fronts server-everything over streamable HTTP and shares
// its elicitation, sampling and logging tools. A 2025-11-25 SDK client in a session at A answers
// on its stream; a 2026-07-28 client at A gets input_required and retries. C, another consumer
// of B, holds a state of its own, which B must refuse when A presents it.
import { Client as V2Client, StreamableHTTPClientTransport as V2Transport } from "@modelcontextprotocol/client";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { CreateMessageRequestSchema, ElicitRequestSchema, LoggingMessageNotificationSchema, type CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ledgerRecordCount } from "../support/libsql.ts";
import { rawMcp } from "../support/mcp.ts";
import { eventually, freePort, json, loopbackNode, type NodeProc, startEverything, type Upstream } from "../support/processes.ts";
import { startDenoNode } from "../support/runtimes.ts";
import { tick } from "../support/tick.ts";

const ELICIT = "bravo_everything_trigger-elicitation-request";
const SAMPLE = "bravo_everything_trigger-sampling-request";
const LOGGING = "bravo_everything_toggle-simulated-logging";

let upstream: Upstream;
let a: NodeProc;
let b: NodeProc;
let c: NodeProc;

beforeAll(async () => {
  const portB = await freePort();
  // Two at a time: the machine is shared, and four starting at once may not be ready in time.
  [upstream, b] = await Promise.all([
    startEverything(),
    startDenoNode({ port: portB, env: { NODE_NAME: "bravo", PUBLIC_URL: `http://127.0.0.1:${portB}`, PEER_POLICY: "open" } }),
  ]);
  [a, c] = await Promise.all([loopbackNode("alpha", { env: { PEER_POLICY: "open" } }), loopbackNode("charlie", { env: { PEER_POLICY: "open" } })]);
  expect((await b.admin("POST", "/upstreams", { name: "everything", kind: "http", url: upstream.url })).status).toBe(201);
  for (const tool of ["trigger-elicitation-request", "trigger-sampling-request", "toggle-simulated-logging"]) {
    await json(await b.admin("POST", "/shares", { tool: `everything_${tool}`, visibility: "peers", pricing: { model: "free" } }));
  }
  for (const consumer of [a, c]) {
    await json(await consumer.admin("POST", "/peers", { url: b.url }));
    // The consumer pulls B's entries on its tick (a share made before peering was pushed to no one).
    await tick(consumer);
    await eventually(async () => {
      const r = await post(consumer, modern(0, "tools/list", {}));
      expect(r.result.tools.map((t: { name: string }) => t.name)).toEqual(expect.arrayContaining([ELICIT, SAMPLE, LOGGING]));
    }, 20_000);
  }
}, 180_000);

afterAll(async () => {
  await Promise.all([a, b, c, upstream].map((n) => n?.stop()));
});

const text = (r: { content?: unknown }) => ((r.content ?? []) as { text?: string }[]).map((x) => x.text ?? "").join("\n");

const recordsAt = (n: NodeProc) => ledgerRecordCount(n.dataDir);

/** A 2026-07-28 request: the era, the client's capabilities and its log level ride in _meta. */
function modern(id: number, method: string, params: Record<string, unknown>, meta: Record<string, unknown> = {}) {
  return {
    jsonrpc: "2.0",
    id,
    method,
    params: {
      ...params,
      _meta: {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": { elicitation: {}, sampling: {} },
        "io.modelcontextprotocol/clientInfo": { name: "raw", version: "0" },
        ...meta,
      },
    },
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Answer = { result?: any; error?: { code: number; message: string; data?: { type?: string } } };

/** Posts one request; reads the answer from JSON or from the SSE stream, with the notifications before it. */
async function post(n: NodeProc, body: ReturnType<typeof modern>): Promise<Answer & { notifications: { method: string; params: Record<string, unknown> }[] }> {
  // The routing headers a 2026-07-28 client sends beside the body.
  const name = (body.params as { name?: string }).name;
  const res = await rawMcp(n.mcpUrl, JSON.stringify(body), { "mcp-protocol-version": "2026-07-28", "mcp-method": body.method, ...(name ? { "mcp-name": name } : {}) });
  expect(res.status).toBe(200);
  if (res.headers.get("content-type")?.startsWith("application/json")) return { ...((await res.json()) as Answer), notifications: [] };
  const messages = (await res.text())
    .split("\n")
    .filter((l) => l.startsWith("data: "))
    .map((l) => JSON.parse(l.slice(6)) as Answer & { method?: string; params?: Record<string, unknown> });
  const answer = messages.find((m) => m.result !== undefined || m.error !== undefined)!;
  return { ...answer, notifications: messages.filter((m) => m.method).map((m) => ({ method: m.method!, params: m.params! })) };
}

const call = (id: number, name: string, extra: Record<string, unknown> = {}, meta: Record<string, unknown> = {}) =>
  modern(id, "tools/call", { name, arguments: {}, ...extra }, meta);

describe("2025-11-25 SDK client at A, in a session", () => {
  it("answers B's upstream's elicitation and sampling on its stream, and the call is recorded once", async () => {
    const asked: string[] = [];
    const client = new Client({ name: "old-era", version: "0.0.0" }, { capabilities: { elicitation: {}, sampling: {} } });
    client.setRequestHandler(ElicitRequestSchema, (req) => {
      asked.push(req.params.message);
      return { action: "accept", content: { name: "Ada Lovelace", check: true } };
    });
    client.setRequestHandler(CreateMessageRequestSchema, (req) => {
      asked.push(JSON.stringify(req.params.messages));
      return { model: "test-model", role: "assistant", content: { type: "text", text: "sampled at A" } };
    });
    await client.connect(new StreamableHTTPClientTransport(new URL(a.mcpUrl)));
    const before = await recordsAt(a);

    const elicited = (await client.callTool({ name: ELICIT, arguments: {} })) as CallToolResult;
    expect(elicited.isError).toBeFalsy();
    expect(text(elicited)).toContain("Ada Lovelace");
    expect(asked[0]).toContain("Please provide inputs");
    // Two rounds over the hop, one completed call: one record.
    expect(await recordsAt(a)).toBe(before + 1);

    const sampled = (await client.callTool({ name: SAMPLE, arguments: { prompt: "hop hi", maxTokens: 5 } })) as CallToolResult;
    expect(text(sampled)).toContain("sampled at A");
    expect(asked[1]).toContain("hop hi");
    await client.close();
  });
});

describe("2025-11-25 SDK client at A, in a session, and B's upstream's logs", () => {
  it("receives the log message B's upstream sends during the call as notifications/message on its stream", async () => {
    // A opens a session for the client, where messages during a call can travel.
    const client = new Client({ name: "old-era-logs", version: "0.0.0" }, { capabilities: { elicitation: {} } });
    const logged: { level: string; data: unknown }[] = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void logged.push({ level: n.params.level, data: n.params.data }));
    await client.connect(new StreamableHTTPClientTransport(new URL(a.mcpUrl)));
    try {
      // A session that set no level gets no log messages, at one hop as across it.
      await client.setLoggingLevel("debug");
      // Each relayed call is a session of its own at the upstream: the toggle starts logging, and its first message comes at once.
      const r = (await client.callTool({ name: LOGGING, arguments: {} })) as CallToolResult;
      expect(text(r)).toContain("Started simulated");
      expect(logged).toContainEqual({ level: expect.any(String), data: expect.stringContaining("message") });
    } finally {
      await client.close();
    }
  });
});

describe("SDK v2 client at A, on 2026-07-28", () => {
  it("answers B's upstream's elicitation and sampling: the SDK retries B's input_required rounds through A", async () => {
    const asked: string[] = [];
    const client = new V2Client({ name: "new-era", version: "0.0.0" }, { capabilities: { elicitation: {}, sampling: {} }, versionNegotiation: { mode: "auto" } });
    client.setRequestHandler("elicitation/create", (req) => {
      asked.push(req.params.message);
      return { action: "accept", content: { name: "Katherine Johnson" } };
    });
    client.setRequestHandler("sampling/createMessage", () => {
      asked.push("sampling");
      return { model: "test-model", role: "assistant", content: { type: "text", text: "sampled by v2" } };
    });
    await client.connect(new V2Transport(new URL(a.mcpUrl)));
    expect(client.getNegotiatedProtocolVersion()).toBe("2026-07-28");
    const before = await recordsAt(a);
    expect(text(await client.callTool({ name: ELICIT, arguments: {} }))).toContain("Katherine Johnson");
    expect(text(await client.callTool({ name: SAMPLE, arguments: { prompt: "hi", maxTokens: 5 } }))).toContain("sampled by v2");
    expect(asked).toEqual([expect.stringContaining("Please provide inputs"), "sampling"]);
    expect(await recordsAt(a)).toBe(before + 2);
    await client.close();
  });
});

describe("2026-07-28 client at A", () => {
  it("gets B's input_required, and its retry through A completes the call at B's upstream", async () => {
    const before = await recordsAt(a);
    const first = await post(a, call(1, ELICIT));
    expect(first.result.resultType).toBe("input_required");
    const [key, request] = Object.entries(first.result.inputRequests as Record<string, { method: string; params: { message: string } }>)[0]!;
    expect(request).toMatchObject({ method: "elicitation/create", params: { message: expect.stringContaining("Please provide inputs") } });
    // The state names B, the provider that holds the call.
    expect(first.result.requestState).toMatch(new RegExp(`^${b.nodeId}\\.`));
    // A round that did not complete leaves no record.
    expect(await recordsAt(a)).toBe(before);

    const done = await post(a, call(2, ELICIT, { requestState: first.result.requestState, inputResponses: { [key!]: { action: "accept", content: { name: "Grace Hopper" } } } }));
    expect(done.result.resultType).not.toBe("input_required");
    expect(text(done.result)).toContain("Grace Hopper");
    expect(done.result._meta["mcpfed/relay"]).toMatchObject({ provider: b.nodeId });
    expect(await recordsAt(a)).toBe(before + 1);
  });

  it("refuses a forged, altered, foreign or misbound state with -32602, and the call still waits for its rightful answer", async () => {
    const first = await post(a, call(3, ELICIT));
    const state = first.result.requestState as string;
    const [key] = Object.keys(first.result.inputRequests);
    const answer = { [key!]: { action: "accept", content: { name: "Mallory" } } };
    const flip = (s: string) => s.slice(0, -1) + (s.endsWith("A") ? "B" : "A");
    // C's own state: issued by B to another consumer node.
    const theirs = await post(c, call(4, ELICIT));
    expect(theirs.result.resultType).toBe("input_required");
    const records = await recordsAt(a);

    for (const bad of [flip(state), `${b.nodeId}.s1.e30.AAAA`, `${b.nodeId}.not-a-state`, theirs.result.requestState as string]) {
      const r = await post(a, call(5, ELICIT, { requestState: bad, inputResponses: answer }));
      expect(r.error, bad).toMatchObject({ code: -32602 });
      expect(r.error!.message).toMatch(/request state/);
    }
    // Bound to the call: the same state with other arguments is refused too.
    const other = await post(a, call(6, ELICIT, { arguments: { extra: 1 }, requestState: state, inputResponses: answer }));
    expect(other.error?.code).toBe(-32602);
    // A state that names no provider of the tool never leaves A.
    const nowhere = await post(a, call(7, ELICIT, { requestState: `${c.nodeId}.whatever`, inputResponses: answer }));
    expect(nowhere.error).toMatchObject({ code: -32602, data: { type: "bad_request_state" } });
    expect(await recordsAt(a)).toBe(records);

    const done = await post(a, call(8, ELICIT, { requestState: state, inputResponses: { [key!]: { action: "accept", content: { name: "Rightful" } } } }));
    expect(text(done.result)).toContain("Rightful");
    expect(await recordsAt(a)).toBe(records + 1);
  });

  it("receives B's upstream's log message as notifications/message", async () => {
    // A progress token makes A answer on a stream, where notifications can travel.
    const r = await post(a, call(9, LOGGING, {}, { "io.modelcontextprotocol/logLevel": "debug", progressToken: "p9" }));
    expect(text(r.result)).toContain("Started simulated");
    expect(r.notifications).toContainEqual({ method: "notifications/message", params: expect.objectContaining({ level: expect.any(String), data: expect.stringContaining("message") }) });
  });
});
