// On workerd, where nothing outlives a request, a 2026-07-28 upstream's questions still reach the
// person behind the client: B on workerd fronts the conformance fixture (an SDK v2 server) and
// passes its input_required through with the fixture's state sealed in its own; A on Node, peered
// with B, passes B's on and keeps nothing either. SDK v2 clients answer at B and at A; an SDK v1
// client in a session at A is asked on its stream.
import { Client as V2Client, StreamableHTTPClientTransport as V2Transport } from "@modelcontextprotocol/client";
import { Client as V1Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport as V1Transport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startConformanceFixture } from "../support/conformance-fixture.ts";
import { rawMcp } from "../support/mcp.ts";
import { eventually, json, loopbackNode, type NodeProc, type Upstream } from "../support/processes.ts";
import { startWorkerd } from "../support/runtimes.ts";
import { tick } from "../support/tick.ts";

const ELICIT = "test_input_required_result_elicitation";
const MULTI = "test_input_required_result_multi_round";
const PROMPT = "test_input_required_result_prompt";

let fixture: Upstream;
let a: NodeProc;
let b: NodeProc;

beforeAll(async () => {
  [fixture, b] = await Promise.all([startConformanceFixture(), startWorkerd({ env: { NODE_NAME: "bravo", PEER_POLICY: "open" } })]);
  a = await loopbackNode("alpha", { env: { PEER_POLICY: "open" } });
  expect((await b.admin("POST", "/upstreams", { name: "conformance", kind: "http", url: fixture.url, prefix: "" })).status).toBe(201);
  for (const tool of [ELICIT, MULTI]) await json(await b.admin("POST", "/shares", { tool, visibility: "peers", pricing: { model: "free" } }));
  await json(await a.admin("POST", "/peers", { url: b.url }));
  await eventually(async () => {
    await tick(a);
    const client = await v2Client(a);
    try {
      expect((await client.listTools()).tools.map((t) => t.name)).toEqual(expect.arrayContaining([`bravo_${ELICIT}`, `bravo_${MULTI}`]));
    } finally {
      await client.close();
    }
  }, 30_000);
}, 180_000);

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop(), fixture?.stop()]);
});

const text = (r: unknown) => ((r as { content?: { text?: string }[] }).content ?? []).map((c) => c.text ?? "").join("\n");

/** An SDK v2 client on 2026-07-28 that answers every elicitation, noting what it was asked. */
async function v2Client(n: NodeProc, asked: string[] = []): Promise<V2Client> {
  const client = new V2Client({ name: "v2-asker", version: "0.0.0" }, { capabilities: { elicitation: {} }, versionNegotiation: { mode: "auto" } });
  client.setRequestHandler("elicitation/create", (req) => {
    asked.push(req.params.message);
    return { action: "accept", content: { name: "Ada", color: "green", context: "from workerd" } };
  });
  await client.connect(new V2Transport(new URL(n.mcpUrl)));
  return client;
}

describe("B on workerd, one hop", () => {
  it("passes the fixture's questions to an SDK v2 client, for tools over several rounds and for a prompt", async () => {
    const asked: string[] = [];
    const client = await v2Client(b, asked);
    try {
      expect(client.getNegotiatedProtocolVersion()).toBe("2026-07-28");
      expect(text(await client.callTool({ name: ELICIT, arguments: {} }))).toBe("Hello, Ada!");
      // Round two reaches the fixture with its own round-one state, from whichever isolate serves it.
      expect(text(await client.callTool({ name: MULTI, arguments: {} }))).toBe("Both steps completed");
      expect(JSON.stringify((await client.getPrompt({ name: PROMPT })).messages)).toContain("from workerd");
      expect(asked).toEqual(["What is your name?", "Step 1: What is your name?", "Step 2: What is your favorite color?", "What context should the prompt use?"]);
    } finally {
      await client.close();
    }
  });
});

describe("client → A on Node → B on workerd → fixture", () => {
  it("lets an SDK v2 client at A answer the fixture's questions round by round", async () => {
    const asked: string[] = [];
    const client = await v2Client(a, asked);
    try {
      expect(text(await client.callTool({ name: `bravo_${ELICIT}`, arguments: {} }))).toBe("Hello, Ada!");
      expect(text(await client.callTool({ name: `bravo_${MULTI}`, arguments: {} }))).toBe("Both steps completed");
      expect(asked).toEqual(["What is your name?", "Step 1: What is your name?", "Step 2: What is your favorite color?"]);
    } finally {
      await client.close();
    }
  });

  it("asks an SDK v1 client in a session at A on its stream, and relays its answer back", async () => {
    const client = new V1Client({ name: "v1-asker", version: "0.0.0" }, { capabilities: { elicitation: {} } });
    const asked: string[] = [];
    client.setRequestHandler(ElicitRequestSchema, (req) => {
      asked.push(req.params.message);
      return { action: "accept", content: { name: "Grace" } };
    });
    await client.connect(new V1Transport(new URL(a.mcpUrl)));
    try {
      expect(text(await client.callTool({ name: `bravo_${ELICIT}`, arguments: {} }))).toBe("Hello, Grace!");
      expect(asked).toEqual(["What is your name?"]);
    } finally {
      await client.close();
    }
  });

  it("refuses a retry whose state B did not issue, with -32602", async () => {
    const call = (params: Record<string, unknown>) =>
      rawMcp(
        a.mcpUrl,
        JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: "tools/call",
          params: {
            name: `bravo_${ELICIT}`,
            arguments: {},
            ...params,
            _meta: {
              "io.modelcontextprotocol/protocolVersion": "2026-07-28",
              "io.modelcontextprotocol/clientCapabilities": { elicitation: {} },
              "io.modelcontextprotocol/clientInfo": { name: "raw", version: "0" },
            },
          },
        }),
        { "mcp-protocol-version": "2026-07-28", "mcp-method": "tools/call", "mcp-name": `bravo_${ELICIT}` },
      ).then(async (r) => {
        const body = await r.text();
        return JSON.parse(body.startsWith("{") ? body : body.split("\n").find((l) => l.startsWith("data: ") && /"(result|error)"/.test(l))!.slice(6));
      });
    const first = await call({});
    expect(first.result.inputRequests).toMatchObject({ user_name: { method: "elicitation/create" } });
    const state = first.result.requestState as string;
    expect(state.startsWith(`${b.nodeId}.`)).toBe(true);
    const altered = state.slice(0, -1) + (state.endsWith("A") ? "B" : "A");
    const refused = await call({ requestState: altered, inputResponses: { user_name: { action: "accept", content: { name: "Mallory" } } } });
    expect(refused.error).toMatchObject({ code: -32602 });
    const done = await call({ requestState: state, inputResponses: { user_name: { action: "accept", content: { name: "Rightful" } } } });
    expect(text(done.result)).toBe("Hello, Rightful!");
  });
});
