// What crosses the federated hop beyond calls and reads: client → A → B → the conformance fixture.
// B fronts the fixture (no prefix) and shares everything of it; A lists B's items without an alias.
// A missing-capability error keeps its data, and completion/complete reaches a peer's prompts and
// resource templates, for SDK v2 clients on both eras and a v1 client.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startConformanceFixture } from "../support/conformance-fixture.ts";
import { connect, rawMcp } from "../support/mcp.ts";
import { eventually, json, loopbackNode, type NodeProc, type Upstream } from "../support/processes.ts";

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
      expect((await client.listTools()).tools.map((t) => t.name)).toContain("test_missing_capability");
      expect((await client.listPrompts()).prompts.map((p) => p.name)).toContain("test_prompt_with_arguments");
    }, 20_000);
  } finally {
    await client.close();
  }
}, 120_000);

afterAll(async () => {
  await Promise.all([a, b, fixture].map((n) => n?.stop()));
});

const META = {
  "io.modelcontextprotocol/protocolVersion": "2026-07-28",
  "io.modelcontextprotocol/clientCapabilities": {},
  "io.modelcontextprotocol/clientInfo": { name: "raw", version: "0" },
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Answer = { result?: any; error?: { code: number; message: string; data?: any } };

/** One 2026-07-28 request to A, its answer read from JSON or from the SSE stream. */
async function modern(method: string, params: Record<string, unknown>): Promise<Answer & { status: number }> {
  const name = (params as { name?: string }).name;
  const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method, params: { ...params, _meta: META } });
  const res = await rawMcp(a.mcpUrl, body, { "mcp-protocol-version": "2026-07-28", "mcp-method": method, ...(name ? { "mcp-name": name } : {}) });
  const text = await res.text();
  const line = res.headers.get("content-type")?.startsWith("text/event-stream")
    ? text.split("\n").filter((l) => l.startsWith("data: ")).map((l) => JSON.parse(l.slice(6)) as Answer).find((m) => m.result !== undefined || m.error !== undefined)!
    : (JSON.parse(text) as Answer);
  return { ...line, status: res.status };
}

describe("a missing-capability error from B's upstream", () => {
  it("reaches A's 2026-07-28 client with its code, HTTP 400 and data.requiredCapabilities", async () => {
    const r = await modern("tools/call", { name: "test_missing_capability", arguments: {} });
    expect(r.status).toBe(400);
    expect(r.error).toMatchObject({ code: -32021, data: { requiredCapabilities: { sampling: {} }, peer: b.nodeId } });
  });
});
