// What an upstream asks during a call (elicitation, sampling) reaching the person behind the
// client, per era: server-everything (streamable HTTP) asks; a 2025-11-25 SDK v1 client in a
// session answers on its stream; a 2026-07-28 client answers input_required results and retries.
import { Client as V2Client, StreamableHTTPClientTransport as V2Transport } from "@modelcontextprotocol/client";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { CreateMessageRequestSchema, ElicitRequestSchema, type CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rawMcp } from "../support/mcp.ts";
import { startNodeWithEverything } from "../support/node-with-everything.ts";
import { bearerFor, type NodeProc, type Upstream } from "../support/processes.ts";

let upstream: Upstream;
let node: NodeProc;
/** Two principals: everything runs as alice; bob tries alice's session and state. */
let alice: Record<string, string>;
let bob: Record<string, string>;

beforeAll(async () => {
  ({ node, everything: upstream } = await startNodeWithEverything({ env: { AUTHLESS: "false" } }));
  [alice, bob] = await Promise.all([bearerFor(node, "alice"), bearerFor(node, "bob")]);
});

afterAll(async () => {
  await node?.stop();
  await upstream?.stop();
});

const ELICIT = "everything_trigger-elicitation-request";
const SAMPLE = "everything_trigger-sampling-request";

function text(r: { content?: unknown }): string {
  return ((r.content ?? []) as { type: string; text?: string }[]).map((c) => c.text ?? "").join("\n");
}

/** An SDK v1 client that declares elicitation and sampling and answers both, counting the asks. */
async function answeringClient() {
  const asked: string[] = [];
  const client = new Client({ name: "asker", version: "0.0.0" }, { capabilities: { elicitation: {}, sampling: {} } });
  client.setRequestHandler(ElicitRequestSchema, (req) => {
    asked.push(req.params.message);
    return { action: "accept", content: { name: "Ada Lovelace", check: true } };
  });
  client.setRequestHandler(CreateMessageRequestSchema, (req) => {
    asked.push(JSON.stringify(req.params.messages));
    return { model: "test-model", role: "assistant", content: { type: "text", text: "sampled by the test" } };
  });
  const transport = new StreamableHTTPClientTransport(new URL(node.mcpUrl), { requestInit: { headers: alice } });
  await client.connect(transport);
  return { client, asked, transport };
}

describe("2025-11-25 client in a session", () => {
  it("answers the upstream's elicitation and sampling on its stream", async () => {
    const { client, asked, transport } = await answeringClient();
    expect(transport.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining([ELICIT, SAMPLE]));

    const elicited = (await client.callTool({ name: ELICIT, arguments: {} })) as CallToolResult;
    expect(elicited.isError).toBeFalsy();
    expect(text(elicited)).toContain("Ada Lovelace");
    expect(asked[0]).toContain("Please provide inputs");

    const sampled = (await client.callTool({ name: SAMPLE, arguments: { prompt: "say hi", maxTokens: 20 } })) as CallToolResult;
    expect(text(sampled)).toContain("sampled by the test");
    expect(asked[1]).toContain("say hi");
    await client.close();
  });

  it("keeps a session to the principal that opened it", async () => {
    const { client, transport } = await answeringClient();
    const list = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" });
    const headers = { "mcp-session-id": transport.sessionId!, "mcp-protocol-version": "2025-11-25" };
    expect((await rawMcp(node.mcpUrl, list, { ...headers, ...bob })).status).toBe(404);
    const del = await fetch(node.mcpUrl, { method: "DELETE", headers: { ...headers, ...bob } });
    expect(del.status).toBe(404);
    // Still alice's, and still open.
    expect((await client.listTools()).tools.length).toBeGreaterThan(0);
    await client.close();
  });

  it("ends a session on DELETE; the id is then unknown", async () => {
    const { client, transport } = await answeringClient();
    const id = transport.sessionId!;
    await transport.terminateSession();
    const after = await rawMcp(node.mcpUrl, JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }), {
      ...alice,
      "mcp-session-id": id,
      "mcp-protocol-version": "2025-11-25",
    });
    expect(after.status).toBe(404);
    await client.close();
  });

  it("gives a client that declared nothing a session too, and answers the upstream's ask with an error", async () => {
    const plain = new StreamableHTTPClientTransport(new URL(node.mcpUrl), { requestInit: { headers: alice } });
    const transportless = new Client({ name: "plain", version: "0.0.0" });
    await transportless.connect(plain);
    expect(plain.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    const r = (await transportless.callTool({ name: ELICIT, arguments: {} })) as CallToolResult;
    expect(r.isError).toBe(true);
    expect(text(r)).toMatch(/-32601|Method not found/);
    await transportless.close();
  });
});

/** A 2026-07-28 request, as a modern client sends it (the era and capabilities ride in _meta). */
function modern(id: number, params: Record<string, unknown>, caps: Record<string, unknown> = { elicitation: {}, sampling: {} }) {
  return JSON.stringify({
    jsonrpc: "2.0",
    id,
    method: "tools/call",
    params: {
      ...params,
      _meta: {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": caps,
        "io.modelcontextprotocol/clientInfo": { name: "raw", version: "0" },
      },
    },
  });
}

interface RpcAnswer {
  result?: { resultType?: string; inputRequests?: Record<string, { method: string; params: Record<string, unknown> }>; requestState?: string } & CallToolResult;
  error?: { code: number; message: string; data?: { type?: string } };
}

/** The one question of an input_required result, with its key. */
function onlyRequest(r: RpcAnswer): [string, { method: string; params: Record<string, unknown> }] {
  const entries = Object.entries(r.result?.inputRequests ?? {});
  expect(entries).toHaveLength(1);
  return entries[0]!;
}

async function post(body: string, as: Record<string, string> = alice): Promise<RpcAnswer> {
  // The routing headers a 2026-07-28 client sends beside the body.
  const sent = JSON.parse(body) as { method: string; params: { name: string } };
  const res = await rawMcp(node.mcpUrl, body, { ...as, "mcp-protocol-version": "2026-07-28", "mcp-method": sent.method, "mcp-name": sent.params.name });
  expect(res.status).toBe(200);
  return (await res.json()) as RpcAnswer;
}

describe("2026-07-28 client: input_required and the retry", () => {
  it("turns the upstream's elicitation into input_required, and the retry completes the call", async () => {
    const first = await post(modern(1, { name: ELICIT, arguments: {} }));
    expect(first.result?.resultType).toBe("input_required");
    const [key, request] = onlyRequest(first);
    expect(request).toMatchObject({ method: "elicitation/create", params: { message: expect.stringContaining("Please provide inputs") } });
    const state = first.result!.requestState!;

    const done = await post(
      modern(2, { name: ELICIT, arguments: {}, requestState: state, inputResponses: { [key]: { action: "accept", content: { name: "Grace Hopper" } } } }),
    );
    expect(done.result?.resultType).not.toBe("input_required");
    expect(text(done.result!)).toContain("Grace Hopper");

    // The same state again: the call it named is over, so it is refused and nothing runs.
    const replay = await post(modern(3, { name: ELICIT, arguments: {}, requestState: state, inputResponses: { [key]: { action: "decline" } } }));
    expect(replay.error?.code).toBe(-32602);
  });

  it("passes sampling through the same way", async () => {
    const first = await post(modern(4, { name: SAMPLE, arguments: { prompt: "modern hi", maxTokens: 5 } }));
    const [key, request] = onlyRequest(first);
    expect(request!.method).toBe("sampling/createMessage");
    const done = await post(
      modern(5, {
        name: SAMPLE,
        arguments: { prompt: "modern hi", maxTokens: 5 },
        requestState: first.result!.requestState,
        inputResponses: { [key]: { model: "m", role: "assistant", content: { type: "text", text: "modern sample" } } },
      }),
    );
    expect(text(done.result!)).toContain("modern sample");
  });

  it("asks again for an answer the retry left out", async () => {
    const first = await post(modern(6, { name: ELICIT, arguments: {} }));
    const again = await post(modern(7, { name: ELICIT, arguments: {}, requestState: first.result!.requestState, inputResponses: {} }));
    expect(again.result?.resultType).toBe("input_required");
    expect(Object.keys(again.result!.inputRequests!)).toEqual(Object.keys(first.result!.inputRequests!));
    expect(again.result!.requestState).not.toBe(first.result!.requestState);
    // The first round's state is spent: only the newest one goes on.
    const stale = await post(modern(8, { name: ELICIT, arguments: {}, requestState: first.result!.requestState, inputResponses: {} }));
    expect(stale.error?.code).toBe(-32602);
    const [key] = onlyRequest(again);
    const done = await post(
      modern(9, { name: ELICIT, arguments: {}, requestState: again.result!.requestState, inputResponses: { [key]: { action: "decline" } } }),
    );
    expect(done.result?.resultType).not.toBe("input_required");
  });

  it("refuses a forged, altered or misbound state with -32602 and resumes nothing", async () => {
    const first = await post(modern(10, { name: ELICIT, arguments: {} }));
    const state = first.result!.requestState!;
    const [key] = onlyRequest(first);
    const answer = { [key]: { action: "accept", content: { name: "Mallory" } } };
    const [v, body, mac] = state.split(".");
    const altered = `${v}.${body}.${mac!.startsWith("A") ? "B" : "A"}${mac!.slice(1)}`;
    const forged = `${v}.${Buffer.from(JSON.stringify({ call: "x", round: 0, bind: "0".repeat(64), exp: Date.now() + 60_000 })).toString("base64url")}.${mac}`;
    for (const bad of [altered, forged, "not-a-state"]) {
      const r = await post(modern(11, { name: ELICIT, arguments: {}, requestState: bad, inputResponses: answer }));
      expect(r.error).toMatchObject({ code: -32602, data: { type: "invalid_request_state" } });
    }
    // Not even a string: the SDK refuses it before the node looks.
    expect((await post(modern(11, { name: ELICIT, arguments: {}, requestState: 42, inputResponses: answer }))).error?.code).toBe(-32602);
    // Bound to the principal: bob cannot answer alice's question.
    const foreign = await post(modern(11, { name: ELICIT, arguments: {}, requestState: state, inputResponses: answer }), bob);
    expect(foreign.error).toMatchObject({ code: -32602, data: { type: "invalid_request_state" } });
    // Bound to the request: the same state on a call with other arguments is refused.
    const other = await post(modern(12, { name: ELICIT, arguments: { extra: 1 }, requestState: state, inputResponses: answer }));
    expect(other.error?.code).toBe(-32602);
    // An answer that is not a result object counts as missing: the same question comes back.
    const badAnswers = await post(modern(13, { name: ELICIT, arguments: {}, requestState: state, inputResponses: { [key]: "yes" } }));
    expect(badAnswers.result?.resultType).toBe("input_required");
    expect(onlyRequest(badAnswers)[0]).toBe(key);
    const done = await post(
      modern(14, { name: ELICIT, arguments: {}, requestState: badAnswers.result!.requestState, inputResponses: { [key]: { action: "accept", content: { name: "Rightful" } } } }),
    );
    expect(text(done.result!)).toContain("Rightful");
  });

  it("never asks a client for what it did not declare", async () => {
    // The upstream session declares only what the client did, so server-everything does not even offer the tool.
    const r = await post(modern(15, { name: ELICIT, arguments: {} }, { sampling: {} }));
    expect(r.result?.resultType).not.toBe("input_required");
    expect(r.result?.isError).toBe(true);
  });

  it("passes a URL-mode elicitation to a client that declared URL mode", async () => {
    const args = { url: "https://example.com/consent" };
    const caps = { elicitation: { form: {}, url: {} } };
    const first = await post(modern(16, { name: "everything_trigger-url-elicitation", arguments: args }, caps));
    const [key, request] = onlyRequest(first);
    expect(request).toMatchObject({ method: "elicitation/create", params: { mode: "url", url: args.url } });
    const done = await post(modern(17, { name: "everything_trigger-url-elicitation", arguments: args, requestState: first.result!.requestState, inputResponses: { [key]: { action: "accept" } } }, caps));
    expect(done.result?.resultType).not.toBe("input_required");
    expect(done.result?.isError).toBeFalsy();
  });
});

/** An SDK v2 client that answers elicitation and sampling; `auto` negotiates 2026-07-28 with the node. */
async function v2Client(mode: "auto" | "legacy") {
  const asked: string[] = [];
  const client = new V2Client({ name: "v2-asker", version: "0.0.0" }, { capabilities: { elicitation: {}, sampling: {} }, versionNegotiation: { mode } });
  client.setRequestHandler("elicitation/create", (req) => {
    asked.push(req.params.message);
    return { action: "accept", content: { name: `v2 ${mode}` } };
  });
  client.setRequestHandler("sampling/createMessage", () => {
    asked.push("sampling");
    return { model: "test-model", role: "assistant", content: { type: "text", text: `v2 ${mode} sample` } };
  });
  await client.connect(new V2Transport(new URL(node.mcpUrl), { requestInit: { headers: alice } }));
  return { client, asked };
}

describe("SDK v2 client", () => {
  for (const mode of ["auto", "legacy"] as const) {
    it(`answers elicitation and sampling through the node (${mode === "auto" ? "2026-07-28, input_required rounds" : "2025-11-25, a session"})`, async () => {
      const { client, asked } = await v2Client(mode);
      expect(client.getNegotiatedProtocolVersion()).toBe(mode === "auto" ? "2026-07-28" : "2025-11-25");
      const elicited = await client.callTool({ name: ELICIT, arguments: {} });
      expect(text(elicited)).toContain(`v2 ${mode}`);
      const sampled = await client.callTool({ name: SAMPLE, arguments: { prompt: "hi", maxTokens: 5 } });
      expect(text(sampled)).toContain(`v2 ${mode} sample`);
      expect(asked).toEqual([expect.stringContaining("Please provide inputs"), "sampling"]);
      await client.close();
    });
  }
});
