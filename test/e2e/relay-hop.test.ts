// What crosses the federated hop beyond calls and reads: client → A → B → the conformance fixture.
// B fronts the fixture (no prefix) and an old-era server that logs in a call's later round, and
// shares everything of both; A lists B's items without an alias. A missing-capability error keeps
// its data; completion/complete reaches a peer's prompts and resource templates, for SDK v2
// clients on both eras and a v1 client; B's expired request state is refused with nothing changed;
// log messages of a later round reach the client on that round's stream.
import { Client as V2Client, StreamableHTTPClientTransport as V2Transport } from "@modelcontextprotocol/client";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ledgerRecordCount } from "../support/libsql.ts";
import { startConformanceFixture } from "../support/conformance-fixture.ts";
import { connect, rawMcp } from "../support/mcp.ts";
import { eventually, freePort, json, loopbackNode, ROOT, start, waitFor, type NodeProc, type Upstream } from "../support/processes.ts";

const ROUNDS_TOOL = "rounds_ask_then_log";
/** B's request states expire this soon, so that one can be seen to. */
const STATE_TTL_SECONDS = 3;

let fixture: Upstream;
/** An old-era server that logs after its question is answered (test/fixtures/round-logging-server). */
let rounds: Upstream;
let a: NodeProc;
let b: NodeProc;

beforeAll(async () => {
  const roundsPort = await freePort();
  const roundsProc = start(process.execPath, ["--import", "tsx", join(ROOT, "test/fixtures/round-logging-server/main.ts")], { PORT: String(roundsPort) });
  const roundsUrl = `http://127.0.0.1:${roundsPort}/mcp`;
  await waitFor(async () => (await fetch(roundsUrl, { method: "GET" })).status > 0, "round-logging server", roundsProc);
  rounds = { ...roundsProc, url: roundsUrl, port: roundsPort };
  [fixture, b] = await Promise.all([startConformanceFixture(), loopbackNode("bravo", { env: { PEER_POLICY: "open", INPUT_WAIT_SECONDS: String(STATE_TTL_SECONDS) } })]);
  a = await loopbackNode("alpha", { env: { PEER_POLICY: "open" } });
  expect((await b.admin("POST", "/upstreams", { name: "conformance", kind: "http", url: fixture.url, prefix: "" })).status).toBe(201);
  await json(await a.admin("POST", "/peers", { url: b.url }));
  expect((await b.admin("POST", "/upstreams", { name: "rounds", kind: "http", url: rounds.url })).status).toBe(201);
  await json(await b.admin("POST", "/shares", { upstream: "conformance", visibility: "peers" }));
  await json(await b.admin("POST", "/shares", { upstream: "rounds", visibility: "peers" }));
  await json(await a.admin("PATCH", `/peers/${b.nodeId}`, { alias: "" }));
  const client = await connect(a.mcpUrl);
  try {
    await eventually(async () => {
      expect((await client.listTools()).tools.map((t) => t.name)).toEqual(expect.arrayContaining(["test_missing_capability", ROUNDS_TOOL]));
      expect((await client.listPrompts()).prompts.map((p) => p.name)).toContain("test_prompt_with_arguments");
    }, 20_000);
  } finally {
    await client.close();
  }
}, 120_000);

afterAll(async () => {
  await Promise.all([a, b, fixture, rounds].map((n) => n?.stop()));
});

const META = {
  "io.modelcontextprotocol/protocolVersion": "2026-07-28",
  "io.modelcontextprotocol/clientCapabilities": {},
  "io.modelcontextprotocol/clientInfo": { name: "raw", version: "0" },
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Answer = { result?: any; error?: { code: number; message: string; data?: any } };

/** One 2026-07-28 request to A, its answer read from JSON or from the SSE stream. */
async function modern(
  method: string,
  params: Record<string, unknown>,
  capabilities: Record<string, unknown> = {},
  meta: Record<string, unknown> = {},
): Promise<Answer & { status: number; notifications: { method: string; params: { level: string; data: unknown } }[] }> {
  const name = (params as { name?: string }).name;
  const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method, params: { ...params, _meta: { ...META, "io.modelcontextprotocol/clientCapabilities": capabilities, ...meta } } });
  const res = await rawMcp(a.mcpUrl, body, { "mcp-protocol-version": "2026-07-28", "mcp-method": method, ...(name ? { "mcp-name": name } : {}) });
  const text = await res.text();
  if (!res.headers.get("content-type")?.startsWith("text/event-stream")) return { ...(JSON.parse(text) as Answer), status: res.status, notifications: [] };
  const messages = text
    .split("\n")
    .filter((l) => l.startsWith("data: "))
    .map((l) => JSON.parse(l.slice(6)) as Answer & { method?: string; params?: { level: string; data: unknown } });
  const answer = messages.find((m) => m.result !== undefined || m.error !== undefined)!;
  return { ...answer, status: res.status, notifications: messages.filter((m) => m.method).map((m) => ({ method: m.method!, params: m.params! })) };
}

describe("a missing-capability error from B's upstream", () => {
  it("reaches A's 2026-07-28 client with its code, HTTP 400 and data.requiredCapabilities", async () => {
    const r = await modern("tools/call", { name: "test_missing_capability", arguments: {} });
    expect(r.status).toBe(400);
    expect(r.error).toMatchObject({ code: -32021, data: { requiredCapabilities: { sampling: {} }, peer: b.nodeId } });
  });
});

describe("completion/complete on B's prompt and resource template", () => {
  const promptRef = { type: "ref/prompt" as const, name: "test_prompt_with_arguments" };
  const templateRef = { type: "ref/resource" as const, uri: "test://template/{id}/data" };

  it("answers a v1 client on 2025-11-25 as the fixture itself does", async () => {
    const [atA, direct] = await Promise.all([connect(a.mcpUrl), connect(fixture.url)]);
    try {
      const asked = { ref: promptRef, argument: { name: "arg1", value: "par" } };
      const expected = await direct.complete(asked);
      expect(expected.completion.values).toEqual(["paris", "park", "party"]);
      expect((await atA.complete(asked)).completion).toEqual(expected.completion);
      expect((await atA.complete({ ref: promptRef, argument: { name: "arg1", value: "park" } })).completion.values).toEqual(["park"]);
      const template = { ref: templateRef, argument: { name: "id", value: "4" } };
      expect((await atA.complete(template)).completion).toEqual((await direct.complete(template)).completion);
    } finally {
      await Promise.all([atA.close(), direct.close()]);
    }
  });

  it("answers an SDK v2 client on 2026-07-28", async () => {
    const client = new V2Client({ name: "new-era", version: "0.0.0" }, { versionNegotiation: { mode: "auto" } });
    await client.connect(new V2Transport(new URL(a.mcpUrl)));
    try {
      expect(client.getNegotiatedProtocolVersion()).toBe("2026-07-28");
      const r = await client.complete({ ref: promptRef, argument: { name: "arg1", value: "pa" }, context: { arguments: { arg2: "x" } } });
      expect(r.completion.values).toEqual(["paris", "park", "party"]);
    } finally {
      await client.close();
    }
  });

  it("is refused by B when B's policy denies A the prompt, and A's client gets B's refusal", async () => {
    const rule = await json<{ rule: { id: string } }>(await b.admin("POST", "/policy/rules", { effect: "deny", subjectKind: "peer", subjectId: a.nodeId, tool: "*test_prompt_with_arguments" }));
    const atA = await connect(a.mcpUrl);
    try {
      await expect(atA.complete({ ref: promptRef, argument: { name: "arg1", value: "par" } })).rejects.toMatchObject({ data: { type: "peer_forbidden", peer: b.nodeId } });
    } finally {
      await b.admin("DELETE", `/policy/rules/${rule.rule.id}`);
      await atA.close();
    }
    // An item no peer lists stays A's own "unknown prompt", and nothing is sent.
    const again = await connect(a.mcpUrl);
    try {
      await expect(again.complete({ ref: { type: "ref/prompt", name: "no_such_prompt" }, argument: { name: "x", value: "" } })).rejects.toMatchObject({ code: -32602 });
      expect((await again.complete({ ref: promptRef, argument: { name: "arg1", value: "par" } })).completion.values).toHaveLength(3);
    } finally {
      await again.close();
    }
  });
});

const records = (n: NodeProc) => ledgerRecordCount(n.dataDir);

describe("a request state of B's that expired", () => {
  const ELICIT = "test_input_required_result_elicitation";
  // Keyed as B asked: its keys, not the upstream's.
  const answer = (asked: { requestState: string; inputRequests: object }, name: string) => ({
    name: ELICIT,
    arguments: {},
    requestState: asked.requestState,
    inputResponses: Object.fromEntries(Object.keys(asked.inputRequests).map((k) => [k, { action: "accept", content: { name } }])),
  });

  it("is refused across the hop with -32602, and nothing is run or recorded on either side", async () => {
    const first = await modern("tools/call", { name: ELICIT, arguments: {} }, { elicitation: {} });
    expect(first.result?.resultType).toBe("input_required");
    const state = first.result.requestState as string;
    // A's state is B's node id, a dot, then B's own state, whose payload says when it expires.
    expect(state.startsWith(`${b.nodeId}.`)).toBe(true);
    const payload = JSON.parse(Buffer.from(state.slice(b.nodeId.length + 1).split(".")[1]!, "base64url").toString("utf8")) as { exp: number };
    expect(payload.exp - Date.now()).toBeLessThanOrEqual(STATE_TTL_SECONDS * 1000);
    const before = await Promise.all([records(a), records(b)]);

    await eventually(async () => expect(Date.now()).toBeGreaterThan(payload.exp), (STATE_TTL_SECONDS + 2) * 1000);
    const late = await modern("tools/call", answer(first.result, "Too Late"), { elicitation: {} });
    expect(late.error).toMatchObject({ code: -32602, data: { type: "peer_bad_request_state", peer: b.nodeId } });
    expect(late.error!.message).toMatch(/expired/);
    expect(await Promise.all([records(a), records(b)])).toEqual(before);

    // A fresh round still completes, answered in time: the refusal left nothing behind.
    const again = await modern("tools/call", { name: ELICIT, arguments: {} }, { elicitation: {} });
    const done = await modern("tools/call", answer(again.result, "On Time"), { elicitation: {} });
    expect(done.result?.content?.[0]?.text).toBe("Hello, On Time!");
    expect(await Promise.all([records(a), records(b)])).toEqual(before.map((n) => n + 1));
  });
});

describe("log messages of a call held across rounds at B", () => {
  it("reach A's 2026-07-28 client on the stream of the round they happen in", async () => {
    const logs = { "io.modelcontextprotocol/logLevel": "debug", progressToken: "rounds" };
    const first = await modern("tools/call", { name: ROUNDS_TOOL, arguments: {} }, { elicitation: {} }, logs);
    expect(first.result?.resultType).toBe("input_required");
    const data = (r: typeof first) => r.notifications.filter((n) => n.method === "notifications/message").map((n) => n.params.data);
    expect(data(first)).toEqual(["before the question"]);
    const [key] = Object.keys(first.result.inputRequests as object);
    const retry = { name: ROUNDS_TOOL, arguments: {}, requestState: first.result.requestState, inputResponses: { [key!]: { action: "accept", content: { name: "Ada" } } } };
    const done = await modern("tools/call", retry, { elicitation: {} }, { ...logs, progressToken: "rounds-2" });
    expect(done.result?.content?.[0]?.text).toBe("Hello, Ada!");
    expect(data(done)).toEqual(["after the answer: Ada"]);
  });
});
