// SEP-2243 custom headers through the node and across the hop: a tool whose inputSchema marks an
// argument with x-mcp-header (the conformance fixture's test_custom_header, an SDK v2 McpServer
// that refuses a call without the matching Mcp-Param-Region header). An SDK v2 client calls it
// through node B that fronts the fixture, and through node A peered with B; each node checks the
// client's headers against the tool's schema as it lists it, and its own call to the upstream
// carries them. A header that disagrees is refused with 400 and -32020, and nothing is called.
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startConformanceFixture } from "../support/conformance-fixture.ts";
import { requestCounter, type RequestCounter } from "../support/request-counter.ts";
import { eventually, json, loopbackNode, type NodeProc, type Upstream } from "../support/processes.ts";

interface Sent {
  headers: Record<string, string>;
  body: { id?: unknown; method?: string; params?: { name?: string } };
}

let fixture: Upstream;
let a: NodeProc;
let b: NodeProc;

/** An SDK v2 client on `node`, and every request it sent, to replay with one header changed. */
async function recordingClient(node: NodeProc): Promise<{ client: Client; sent: Sent[] }> {
  const sent: Sent[] = [];
  const client = new Client({ name: "param-headers-test", version: "0" }, { versionNegotiation: { mode: "auto" } });
  const recording: typeof fetch = async (input, init) => {
    if (typeof init?.body === "string") sent.push({ headers: Object.fromEntries(new Headers(init.headers).entries()), body: JSON.parse(init.body) });
    return fetch(input, init);
  };
  await client.connect(new StreamableHTTPClientTransport(new URL(node.mcpUrl), { fetch: recording }));
  return { client, sent };
}

/** The tools/call requests that reached the fixture, counted as they arrive. */
let counter: RequestCounter;
const upstreamCalls = () => counter.count("tools/call");

const text = (r: { content?: unknown }) => (r.content as { text: string }[])[0]?.text;

beforeAll(async () => {
  [fixture, b, a] = await Promise.all([startConformanceFixture(), loopbackNode("bravo", { env: { PEER_POLICY: "open" } }), loopbackNode("alpha", { env: { PEER_POLICY: "open" } })]);
  counter = await requestCounter(fixture.url);
  const added = await b.admin("POST", "/upstreams", { name: "conformance", kind: "http", url: counter.url, prefix: "" });
  expect(added.status, await added.text()).toBe(201);
  await json(await a.admin("POST", "/peers", { url: b.url }));
  await json(await b.admin("POST", "/shares", { upstream: "conformance", visibility: "peers" }));
  await json(await a.admin("PATCH", `/peers/${b.nodeId}`, { alias: "" }));
}, 60_000);

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop(), fixture?.stop(), counter?.close()]);
});

describe.each([
  ["through node B", () => b],
  ["across the hop, node A peered with B", () => a],
])("%s", (_label, nodeOf) => {
  let client: Client;
  let sent: Sent[];

  beforeAll(async () => {
    ({ client, sent } = await recordingClient(nodeOf()));
    await eventually(async () => expect((await client.listTools()).tools.map((t) => t.name)).toContain("test_custom_header"), 20_000);
  }, 30_000);

  afterAll(async () => {
    await client?.close();
  });

  it("lists the tool with its x-mcp-header declaration, as the upstream declares it", async () => {
    const tool = (await client.listTools()).tools.find((t) => t.name === "test_custom_header");
    expect(tool?.inputSchema.properties?.region).toMatchObject({ type: "string", "x-mcp-header": "Region" });
  });

  it("calls the tool with the client's headers checked and the upstream's carried, plain and Base64", async () => {
    for (const region of ["eu-west1", "zürich ", "=?base64?eA==?="]) {
      const result = await client.callTool({ name: "test_custom_header", arguments: { region } });
      expect(text(result)).toBe(`region ${region}`);
      expect(sent.findLast((r) => r.body.method === "tools/call")?.headers["mcp-param-region"]).toBeDefined();
    }
  });

  it("refuses a header that is missing, badly encoded or different, with 400 and -32020, and calls nothing", async () => {
    const node = nodeOf();
    const start = upstreamCalls();
    await client.callTool({ name: "test_custom_header", arguments: { region: "eu-west1" } });
    expect(upstreamCalls()).toBe(start + 1);
    const { headers, body } = sent.findLast((r) => r.body.method === "tools/call")!;
    expect(headers["mcp-param-region"]).toBe("eu-west1");
    const { "mcp-param-region": _, ...without } = headers;
    const cases: [Record<string, string>, string][] = [
      [without, "missing"],
      [{ ...headers, "mcp-param-region": "=?base64?ZXUtd2VzdDE?=" }, "invalid_encoding"],
      [{ ...headers, "mcp-param-region": "us-east1" }, "mismatch"],
    ];
    for (const [changed, reason] of cases) {
      const res = await fetch(node.mcpUrl, { method: "POST", headers: changed, body: JSON.stringify({ ...body, id: 901 }) });
      expect(res.status).toBe(400);
      expect(upstreamCalls()).toBe(start + 1);
      const answer = (await res.json()) as { id: unknown; error: { code: number; data: { mismatch: { header: string; reason: string } } } };
      expect(answer.id).toBe(901);
      expect(answer.error.code).toBe(-32020);
      expect(answer.error.data.mismatch).toEqual({ header: "Mcp-Param-Region", reason });
    }
    // The header in its Base64 form, and with whitespace around, is the same value: served.
    for (const value of ["=?base64?ZXUtd2VzdDE=?=", "  eu-west1  "]) {
      const res = await fetch(node.mcpUrl, { method: "POST", headers: { ...headers, "mcp-param-region": value }, body: JSON.stringify({ ...body, id: 902 }) });
      expect(res.status).toBe(200);
    }
    expect(upstreamCalls()).toBe(start + 3);
  });
});
