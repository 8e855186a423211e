// A 2026-07-28 upstream's input_required passed to a 2026-07-28 client as the upstream gave it:
// the conformance fixture (an SDK v2 server) asks, the node returns the same questions under the
// same keys with a state of its own that seals the fixture's, and holds nothing between rounds.
// A counting forwarder in front of the fixture shows that a refused retry never reaches it.
import { Client as V2Client, StreamableHTTPClientTransport as V2Transport } from "@modelcontextprotocol/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { advanceClock, movableClock } from "../support/clock.ts";
import { startConformanceFixture } from "../support/conformance-fixture.ts";
import { rawMcp } from "../support/mcp.ts";
import { bearerFor, loopbackNode, type NodeProc, type Upstream } from "../support/processes.ts";
import { requestCounter, type RequestCounter } from "../support/request-counter.ts";

const ELICIT = "test_input_required_result_elicitation";
const MULTI = "test_input_required_result_multi_round";
const PROMPT = "test_input_required_result_prompt";

let fixture: Upstream;
let counter: RequestCounter;
let node: NodeProc;
let alice: Record<string, string>;
let bob: Record<string, string>;

beforeAll(async () => {
  // The node's clock moves an hour per step: past any state's expiry, well inside the tokens' life.
  [fixture, node] = await Promise.all([startConformanceFixture(), loopbackNode("bravo", movableClock(3600, { AUTHLESS: "false" }))]);
  counter = await requestCounter(fixture.url);
  expect((await node.admin("POST", "/upstreams", { name: "fixture", kind: "http", url: counter.url, prefix: "" })).status).toBe(201);
  [alice, bob] = await Promise.all([bearerFor(node, "alice"), bearerFor(node, "bob")]);
}, 120_000);

afterAll(async () => {
  await Promise.all([node?.stop(), fixture?.stop(), counter?.close()]);
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Answer = { result?: any; error?: { code: number; message: string; data?: { type?: string } } };

/** One 2026-07-28 request, to the node (as `who`) or to the fixture directly. */
async function post(method: string, params: Record<string, unknown>, who = alice, url = node.mcpUrl): Promise<Answer> {
  const body = {
    jsonrpc: "2.0",
    id: 1,
    method,
    params: {
      ...params,
      _meta: {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": { elicitation: {} },
        "io.modelcontextprotocol/clientInfo": { name: "raw", version: "0" },
      },
    },
  };
  const name = params.name as string;
  const res = await rawMcp(url, JSON.stringify(body), { ...who, "mcp-protocol-version": "2026-07-28", "mcp-method": method, "mcp-name": name });
  expect(res.status).toBe(200);
  const text = await res.text();
  const data = text.startsWith("{") ? text : text.split("\n").find((l) => l.startsWith("data: ") && /"(result|error)"/.test(l))!.slice(6);
  return JSON.parse(data) as Answer;
}

const text = (r: { content?: { text?: string }[] }) => (r.content ?? []).map((c) => c.text ?? "").join("\n");
const accept = (content: Record<string, string>) => ({ action: "accept" as const, content });

describe("a 2026-07-28 client, a 2026-07-28 upstream, one hop", () => {
  it("gets the upstream's questions unchanged, and its retry completes the call", async () => {
    const direct = await post("tools/call", { name: ELICIT, arguments: {} }, {}, fixture.url);
    const first = await post("tools/call", { name: ELICIT, arguments: {} });
    expect(first.result.resultType).toBe("input_required");
    // The upstream's keys and contents, as the upstream gave them.
    expect(first.result.inputRequests).toEqual(direct.result.inputRequests);
    expect(Object.keys(first.result.inputRequests)).toEqual(["user_name"]);
    expect(first.result.requestState).toMatch(/^s1\./);
    const done = await post("tools/call", { name: ELICIT, arguments: {}, requestState: first.result.requestState, inputResponses: { user_name: accept({ name: "Ada" }) } });
    expect(done.result.resultType).not.toBe("input_required");
    expect(text(done.result)).toBe("Hello, Ada!");
  });

  it("carries the upstream's own signed state through every round", async () => {
    const direct = await post("tools/call", { name: MULTI, arguments: {} }, {}, fixture.url);
    const first = await post("tools/call", { name: MULTI, arguments: {} });
    expect(first.result.inputRequests).toEqual(direct.result.inputRequests);
    // The node's state is its own, not the upstream's.
    expect(first.result.requestState).not.toBe(direct.result.requestState);
    const second = await post("tools/call", { name: MULTI, arguments: {}, requestState: first.result.requestState, inputResponses: { step1: accept({ name: "Ada" }) } });
    expect(Object.keys(second.result.inputRequests)).toEqual(["step2"]);
    const done = await post("tools/call", { name: MULTI, arguments: {}, requestState: second.result.requestState, inputResponses: { step2: accept({ color: "green" }) } });
    expect(done.result.resultType).not.toBe("input_required");
    // The fixture completes only on its own round-2 state: the node forwarded it byte for byte.
    expect(text(done.result)).toBe("Both steps completed");
  });

  it("passes a prompt's input_required the same way", async () => {
    const first = await post("prompts/get", { name: PROMPT });
    expect(first.result).toMatchObject({ resultType: "input_required", inputRequests: { user_context: { method: "elicitation/create" } } });
    const done = await post("prompts/get", { name: PROMPT, requestState: first.result.requestState, inputResponses: { user_context: accept({ context: "the node" }) } });
    expect(done.result.messages[0].content.text).toContain("the node");
  });

  it("passes answers the upstream did not ask for on to it, which ignores them", async () => {
    const done = await post("tools/call", { name: ELICIT, arguments: {}, inputResponses: { user_name: accept({ name: "Ada" }), extra: accept({ foo: "bar" }) } });
    expect(text(done.result)).toBe("Hello, Ada!");
  });

  it("lets an SDK v2 client answer the elicitation by itself, for a tool and for a prompt", async () => {
    const asked: string[] = [];
    const client = new V2Client({ name: "v2-asker", version: "0.0.0" }, { capabilities: { elicitation: {} }, versionNegotiation: { mode: "auto" } });
    client.setRequestHandler("elicitation/create", (req) => {
      asked.push(req.params.message);
      return req.params.message.includes("context") ? accept({ context: "from v2" }) : accept({ name: "V2" });
    });
    await client.connect(new V2Transport(new URL(node.mcpUrl), { requestInit: { headers: alice } }));
    try {
      expect(client.getNegotiatedProtocolVersion()).toBe("2026-07-28");
      expect(text((await client.callTool({ name: ELICIT, arguments: {} })) as { content: { text?: string }[] })).toBe("Hello, V2!");
      const prompt = await client.getPrompt({ name: PROMPT });
      expect(JSON.stringify(prompt.messages)).toContain("from v2");
      expect(asked).toEqual(["What is your name?", "What context should the prompt use?"]);
    } finally {
      await client.close();
    }
  });
});

describe("a retry the node cannot accept", () => {
  it("is refused with -32602 when its state is forged, altered, foreign or for another request, and never reaches the upstream", async () => {
    const first = await post("tools/call", { name: MULTI, arguments: {} });
    const state = first.result.requestState as string;
    const answers = { step1: accept({ name: "Mallory" }) };
    const [v, body, mac] = state.split(".") as [string, string, string];
    const payload = JSON.parse(Buffer.from(body, "base64url").toString()) as Record<string, unknown>;
    const reseal = (p: Record<string, unknown>) => `${v}.${Buffer.from(JSON.stringify(p)).toString("base64url")}.${mac}`;
    const prompt = await post("prompts/get", { name: PROMPT });
    const calls = counter.count("tools/call");
    const refusals: [string, Answer][] = [
      ["forged MAC", await post("tools/call", { name: MULTI, arguments: {}, requestState: `${v}.${body}.${mac.startsWith("A") ? "B" : "A"}${mac.slice(1)}`, inputResponses: answers })],
      ["another upstream", await post("tools/call", { name: MULTI, arguments: {}, requestState: reseal({ ...payload, upstream: "other" }), inputResponses: answers })],
      ["longer life", await post("tools/call", { name: MULTI, arguments: {}, requestState: reseal({ ...payload, exp: Number(payload.exp) + 3_600_000 }), inputResponses: answers })],
      ["not a state", await post("tools/call", { name: MULTI, arguments: {}, requestState: "s1.e30.AAAA", inputResponses: answers })],
      ["bob's", await post("tools/call", { name: MULTI, arguments: {}, requestState: state, inputResponses: answers }, bob)],
      ["another tool", await post("tools/call", { name: ELICIT, arguments: {}, requestState: state, inputResponses: { user_name: accept({ name: "Mallory" }) } })],
      ["other arguments", await post("tools/call", { name: MULTI, arguments: { extra: 1 }, requestState: state, inputResponses: answers })],
      ["a prompt's", await post("tools/call", { name: MULTI, arguments: {}, requestState: prompt.result.requestState, inputResponses: answers })],
    ];
    for (const [what, r] of refusals) expect(r.error, what).toMatchObject({ code: -32602, data: { type: "invalid_request_state" } });
    expect(counter.count("tools/call")).toBe(calls);
    // The state a refusal met is still good for its rightful retry.
    const next = await post("tools/call", { name: MULTI, arguments: {}, requestState: state, inputResponses: { step1: accept({ name: "Rightful" }) } });
    expect(Object.keys(next.result.inputRequests)).toEqual(["step2"]);
  });

  it("is refused once its state expired, without reaching the upstream", async () => {
    const first = await post("tools/call", { name: ELICIT, arguments: {} });
    const calls = counter.count("tools/call");
    await advanceClock(node);
    const late = await post("tools/call", { name: ELICIT, arguments: {}, requestState: first.result.requestState, inputResponses: { user_name: accept({ name: "Late" }) } });
    expect(late.error).toMatchObject({ code: -32602, data: { type: "invalid_request_state" } });
    expect(counter.count("tools/call")).toBe(calls);
    expect(node.output()).toContain('"reason":"expired"');
  });

  it("is refused when the tool has moved to another upstream since the state was issued", async () => {
    const first = await post("tools/call", { name: ELICIT, arguments: {} });
    // The same server under another name: the tool keeps its name, but its upstream is not the one the state names.
    expect((await node.admin("DELETE", "/upstreams/fixture")).ok).toBe(true);
    expect((await node.admin("POST", "/upstreams", { name: "fixture-again", kind: "http", url: counter.url, prefix: "" })).status).toBe(201);
    const calls = counter.count("tools/call");
    const moved = await post("tools/call", { name: ELICIT, arguments: {}, requestState: first.result.requestState, inputResponses: { user_name: accept({ name: "Moved" }) } });
    expect(moved.error).toMatchObject({ code: -32602, data: { type: "invalid_request_state" } });
    expect(counter.count("tools/call")).toBe(calls);
  });
});
