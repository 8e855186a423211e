// A 2026-07-28 client's input across the hop beyond tool calls: client → A → B → the conformance
// fixture (an SDK v2 server whose prompt asks for context). A peer's prompts/get carries the
// client's capabilities and retry to B, and B's input_required back, its state sealing the
// fixture's; a forged or foreign state is refused with nothing recorded; answers sent without a
// state reach the fixture as they are.
import { Client as V2Client, StreamableHTTPClientTransport as V2Transport } from "@modelcontextprotocol/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ledgerRecordCount } from "../support/libsql.ts";
import { startConformanceFixture } from "../support/conformance-fixture.ts";
import { connect, rawMcp } from "../support/mcp.ts";
import { eventually, json, loopbackNode, type NodeProc, type Upstream } from "../support/processes.ts";

const PROMPT = "test_input_required_result_prompt";
const ELICIT = "test_input_required_result_elicitation";

let fixture: Upstream;
let a: NodeProc;
let b: NodeProc;

beforeAll(async () => {
  [fixture, b] = await Promise.all([startConformanceFixture(), loopbackNode("bravo", { env: { PEER_POLICY: "open" } })]);
  a = await loopbackNode("alpha", { env: { PEER_POLICY: "open" } });
  expect((await b.admin("POST", "/upstreams", { name: "conformance", kind: "http", url: fixture.url, prefix: "" })).status).toBe(201);
  await json(await a.admin("POST", "/peers", { url: b.url }));
  await json(await b.admin("POST", "/shares", { upstream: "conformance", visibility: "peers" }));
  await json(await a.admin("PATCH", `/peers/${b.nodeId}`, { alias: "" }));
  const client = await connect(a.mcpUrl);
  try {
    await eventually(async () => {
      expect((await client.listTools()).tools.map((t) => t.name)).toContain(ELICIT);
      expect((await client.listPrompts()).prompts.map((p) => p.name)).toContain(PROMPT);
    }, 20_000);
  } finally {
    await client.close();
  }
}, 120_000);

afterAll(async () => {
  await Promise.all([a, b, fixture].map((n) => n?.stop()));
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Answer = { result?: any; error?: { code: number; message: string; data?: any } };

/** One 2026-07-28 request (to A unless told), declaring elicitation; the answer from JSON or the SSE stream. */
async function modern(method: string, params: Record<string, unknown>, url = a.mcpUrl): Promise<Answer> {
  const meta = {
    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
    "io.modelcontextprotocol/clientCapabilities": { elicitation: {} },
    "io.modelcontextprotocol/clientInfo": { name: "raw", version: "0" },
  };
  const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method, params: { ...params, _meta: meta } });
  const res = await rawMcp(url, body, { "mcp-protocol-version": "2026-07-28", "mcp-method": method, "mcp-name": (params.name ?? params.uri) as string });
  expect(res.status).toBe(200);
  const text = await res.text();
  const data = text.startsWith("{") ? text : text.split("\n").find((l) => l.startsWith("data: ") && /"(result|error)"/.test(l))!.slice(6);
  return JSON.parse(data) as Answer;
}

const records = (n: NodeProc) => ledgerRecordCount(n.dataDir);

const context = (text: string) => ({ user_context: { action: "accept", content: { context: text } } });
const promptText = (r: { messages: { content: { text?: string } }[] }) => r.messages.map((m) => m.content.text ?? "").join("\n");

describe("a peer's prompt that asks for input, for a 2026-07-28 client at A", () => {
  it("gets the fixture's questions unchanged under a state naming B, and the retry completes with one record", async () => {
    const direct = await modern("prompts/get", { name: PROMPT }, fixture.url);
    const before = [await records(a), await records(b)];
    const first = await modern("prompts/get", { name: PROMPT });
    expect(first.result.resultType).toBe("input_required");
    expect(first.result.inputRequests).toEqual(direct.result.inputRequests);
    expect(first.result.requestState).toMatch(new RegExp(`^${b.nodeId}\\.s1\\.`));
    // A round that did not complete makes no record on either side.
    expect([await records(a), await records(b)]).toEqual(before);

    const done = await modern("prompts/get", { name: PROMPT, requestState: first.result.requestState, inputResponses: context("across the hop") });
    expect(done.result.resultType ?? "complete").toBe("complete");
    expect(promptText(done.result)).toBe("Use this context: across the hop");
    expect(done.result._meta["mcpfed/relay"]).toMatchObject({ provider: b.nodeId });
    expect([await records(a), await records(b)]).toEqual([before[0]! + 1, before[1]! + 1]);
  });

  it("is answered for an SDK v2 client, which retries B's round through A by itself", async () => {
    const asked: string[] = [];
    const client = new V2Client({ name: "new-era", version: "0.0.0" }, { capabilities: { elicitation: {} }, versionNegotiation: { mode: "auto" } });
    client.setRequestHandler("elicitation/create", (req) => {
      asked.push(req.params.message);
      return { action: "accept", content: { context: "from the SDK" } };
    });
    await client.connect(new V2Transport(new URL(a.mcpUrl)));
    try {
      expect(client.getNegotiatedProtocolVersion()).toBe("2026-07-28");
      const got = await client.getPrompt({ name: PROMPT });
      expect(promptText(got as never)).toBe("Use this context: from the SDK");
      expect(asked).toEqual(["What context should the prompt use?"]);
    } finally {
      await client.close();
    }
  });

  it("refuses a forged, foreign or misbound state with -32602, and records nothing", async () => {
    const first = await modern("prompts/get", { name: PROMPT });
    const state = first.result.requestState as string;
    const flip = (s: string) => s.slice(0, -1) + (s.endsWith("A") ? "B" : "A");
    // B's own state, issued for a tool call: bound to another request.
    const forTool = (await modern("tools/call", { name: ELICIT, arguments: {} })).result.requestState as string;
    expect(forTool).toMatch(new RegExp(`^${b.nodeId}\\.`));
    const before = [await records(a), await records(b)];
    for (const bad of [flip(state), `${b.nodeId}.s1.e30.AAAA`, forTool]) {
      const r = await modern("prompts/get", { name: PROMPT, requestState: bad, inputResponses: context("forged") });
      expect(r.error, bad).toMatchObject({ code: -32602 });
    }
    // Bound to the prompt's arguments too.
    const other = await modern("prompts/get", { name: PROMPT, arguments: { extra: "1" }, requestState: state, inputResponses: context("other") });
    expect(other.error?.code).toBe(-32602);
    // A state naming another node than the prompt's origin never leaves A.
    const elsewhere = await modern("prompts/get", { name: PROMPT, requestState: `${a.nodeId}.${state.slice(state.indexOf(".") + 1)}`, inputResponses: context("x") });
    expect(elsewhere.error).toMatchObject({ code: -32602, data: { type: "bad_request_state" } });
    expect([await records(a), await records(b)]).toEqual(before);

    const done = await modern("prompts/get", { name: PROMPT, requestState: state, inputResponses: context("rightful") });
    expect(promptText(done.result)).toBe("Use this context: rightful");
  });
});

describe("a peer's resource, for a 2026-07-28 client at A that can answer", () => {
  it("is read through the same rounds: the client's capabilities reach B, and the read completes with its record", async () => {
    const before = await records(a);
    const r = await modern("resources/read", { uri: "test://static-text" });
    expect(r.result.contents[0]).toMatchObject({ uri: "test://static-text" });
    expect(r.result._meta["mcpfed/relay"]).toMatchObject({ provider: b.nodeId });
    expect(await records(a)).toBe(before + 1);
  });
});

describe("answers sent without a request state, across the hop", () => {
  it("reach B's upstream as they are, extra keys and all, and the call completes", async () => {
    const r = await modern("tools/call", {
      name: ELICIT,
      arguments: {},
      inputResponses: { user_name: { action: "accept", content: { name: "Alice" } }, unknown_key: { action: "accept", content: { x: "y" } } },
    });
    expect(r.result.resultType ?? "complete").toBe("complete");
    expect(r.result.content).toEqual([{ type: "text", text: "Hello, Alice!" }]);
    expect(r.result._meta["mcpfed/relay"]).toMatchObject({ provider: b.nodeId });
  });

  it("of a prompt complete it in one request", async () => {
    const r = await modern("prompts/get", { name: PROMPT, inputResponses: context("stateless") });
    expect(promptText(r.result)).toBe("Use this context: stateless");
  });
});
