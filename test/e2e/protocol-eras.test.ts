// Both protocol eras on one /mcp, against a node fronting server-everything: an SDK v2 client
// negotiating 2026-07-28 (server/discover, per-request _meta) and an SDK v1 client on 2025-11-25
// (initialize). Bad routing headers and protocol versions get the spec's errors and reach nothing.
import { Client as V1Client } from "@modelcontextprotocol/sdk/client/index.js";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { answerOf, connect, rawMcp } from "../support/mcp.ts";
import { startNodeWithEverything } from "../support/node-with-everything.ts";
import { join } from "node:path";
import { eventually, freePort, json, ROOT, start, waitFor, type NodeProc, type Proc, type Upstream } from "../support/processes.ts";

interface Sent {
  headers: Record<string, string>;
  body: { method?: string; params?: Record<string, unknown> };
}

let node: NodeProc;
let everything: Upstream;
/** An SDK v2 upstream that reflects the arguments of a call. */
let reflecting: Proc;
let modern: Client;
let legacy: V1Client;
/** Every request the v2 client sent, to replay with one thing changed. */
const sent: Sent[] = [];

beforeAll(async () => {
  ({ node, everything } = await startNodeWithEverything());
  const port = await freePort();
  reflecting = start(process.execPath, ["--import", "tsx", join(ROOT, "test/support/arguments-upstream.ts")], { PORT: String(port) });
  await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/mcp`, { method: "GET" })).status > 0, "arguments upstream", reflecting);
  const added = await node.admin("POST", "/upstreams", { name: "args", kind: "http", url: `http://127.0.0.1:${port}/mcp` });
  expect(added.status, await added.clone().text()).toBe(201);
  modern = new Client({ name: "eras-test", version: "0" }, { versionNegotiation: { mode: "auto" } });
  const recording: typeof fetch = async (input, init) => {
    if (typeof init?.body === "string") sent.push({ headers: Object.fromEntries(new Headers(init.headers).entries()), body: JSON.parse(init.body) });
    return fetch(input, init);
  };
  await modern.connect(new StreamableHTTPClientTransport(new URL(node.mcpUrl), { fetch: recording }));
  legacy = await connect(node.mcpUrl);
});

afterAll(async () => {
  await modern?.close();
  await legacy?.close();
  await node?.stop();
  await everything?.stop();
  await reflecting?.stop();
});

/** The last request the v2 client sent for `method`. */
function lastSent(method: string): Sent {
  const found = sent.findLast((r) => r.body.method === method);
  if (!found) throw new Error(`the client sent no ${method}`);
  return found;
}

async function invocationCount(): Promise<number> {
  return (await json<{ invocations: unknown[] }>(await node.admin("GET", "/invocations?limit=1000"))).invocations.length;
}

describe("negotiation", () => {
  it("serves a 2026-07-28 client after server/discover, without initialize", () => {
    expect(modern.getProtocolEra()).toBe("modern");
    expect(modern.getNegotiatedProtocolVersion()).toBe("2026-07-28");
    expect(modern.getServerVersion()?.name).toBe("mcpfed");
    const methods = sent.map((r) => r.body.method);
    expect(methods).toContain("server/discover");
    expect(methods).not.toContain("initialize");
    expect(modern.getServerCapabilities()).toMatchObject({ tools: {}, resources: {}, prompts: {}, completions: {} });
  });

  it("serves a 2025-11-25 client after initialize", async () => {
    expect(legacy.getServerVersion()?.name).toBe("mcpfed");
    const res = await rawMcp(
      node.mcpUrl,
      JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "0" } } }),
    );
    expect(res.status).toBe(200);
    expect((await answerOf(res)).result).toMatchObject({ protocolVersion: "2025-11-25", serverInfo: { name: "mcpfed" } });
  });
});

describe.each([
  ["2026-07-28", () => modern as unknown as V1Client],
  ["2025-11-25", () => legacy],
])("through the node on %s", (_era, client) => {
  it("lists and calls tools, with text and image content unchanged", async () => {
    const { tools } = await client().listTools();
    expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(["everything_echo", "everything_get-tiny-image"]));
    const echo = await client().callTool({ name: "everything_echo", arguments: { message: "hi" } });
    expect(echo.content).toEqual([{ type: "text", text: "Echo: hi" }]);
    const image = await client().callTool({ name: "everything_get-tiny-image", arguments: {} });
    expect(image.content).toEqual(expect.arrayContaining([expect.objectContaining({ type: "image", mimeType: "image/png", data: expect.any(String) })]));
  });

  it("passes progress and cancellation through", async () => {
    const longCall = (args: Record<string, unknown>, options: { signal?: AbortSignal; onprogress: (p: { progress: number }) => void }) => {
      const params = { name: "everything_trigger-long-running-operation", arguments: args };
      return _era === "2026-07-28" ? modern.callTool(params, options) : legacy.callTool(params, undefined, options);
    };
    const progress: number[] = [];
    const done = await longCall({ duration: 1, steps: 2 }, { onprogress: (p) => progress.push(p.progress) });
    expect(done.isError ?? false).toBe(false);
    expect(progress).toEqual([1, 2]);
    const cancelled = async () =>
      (await json<{ invocations: { outcome: string }[] }>(await node.admin("GET", "/invocations?limit=1000"))).invocations.filter((x) => x.outcome === "cancelled").length;
    const before = await cancelled();
    const controller = new AbortController();
    await expect(longCall({ duration: 10, steps: 10 }, { signal: controller.signal, onprogress: () => controller.abort("changed my mind") })).rejects.toThrow();
    await eventually(async () => expect(await cancelled()).toBe(before + 1), 5000);
  });

  it("reads resources and gets prompts", async () => {
    const { resources } = await client().listResources();
    expect(resources.length).toBeGreaterThan(0);
    const read = await client().readResource({ uri: resources[0]!.uri });
    expect(read.contents[0]).toMatchObject({ uri: resources[0]!.uri });
    const { prompts } = await client().listPrompts();
    expect(prompts.map((p) => p.name)).toContain("everything_args-prompt");
    const got = await client().getPrompt({ name: "everything_args-prompt", arguments: { city: "Oslo" } });
    expect(got.messages[0]!.content).toMatchObject({ type: "text", text: expect.stringContaining("Oslo") });
  });

  it("completes a prompt's argument, under the prompt's name on the node", async () => {
    const r = await client().complete({
      ref: { type: "ref/prompt", name: "everything_completable-prompt" },
      argument: { name: "department", value: "Eng" },
    });
    expect(r.completion.values).toEqual(["Engineering"]);
  });

  it("completes a resource template's argument", async () => {
    const { resourceTemplates } = await client().listResourceTemplates();
    const template = resourceTemplates.find((t) => t.uriTemplate.includes("{resourceId}"))!;
    const r = await client().complete({ ref: { type: "ref/resource", uri: template.uriTemplate }, argument: { name: "resourceId", value: "1" } });
    expect(r.completion.values.length).toBeGreaterThan(0);
    for (const v of r.completion.values) expect(v.startsWith("1")).toBe(true);
  });
});

describe("fixes", () => {
  it("sends {} upstream for a call without arguments, plain or through call_tool, in the upstream's newest era", async () => {
    // The v2 upstream speaks 2026-07-28, so the node's client talks to it in that era.
    const reflected = { content: [{ type: "text", text: JSON.stringify({ arguments: {}, era: "modern" }) }] };
    expect(await legacy.callTool({ name: "args_reflect" })).toMatchObject(reflected);
    expect(await legacy.callTool({ name: "call_tool", arguments: { id: "args_reflect" } })).toMatchObject(reflected);
    expect(await modern.callTool({ name: "call_tool", arguments: { id: "args_reflect" } })).toMatchObject(reflected);
    expect(await legacy.callTool({ name: "args_reflect", arguments: { a: 1 } })).toMatchObject({
      content: [{ type: "text", text: JSON.stringify({ arguments: { a: 1 }, era: "modern" }) }],
    });
  });

  it("passes an upstream's error on with its code, and its message prefixed once", async () => {
    const err = (await legacy.getPrompt({ name: "everything_args-prompt", arguments: {} }).then(
      () => undefined,
      (e: unknown) => e,
    )) as { code: number; message: string };
    expect(err).toMatchObject({ code: -32602 });
    expect(err.message).toMatch(/^MCP error -32602: upstream "everything": /);
    expect(err.message.match(/MCP error/g)).toHaveLength(1);
    // On the wire the message carries no prefix at all: the code is beside it.
    const res = await rawMcp(node.mcpUrl, JSON.stringify({ jsonrpc: "2.0", id: 7, method: "prompts/get", params: { name: "everything_args-prompt", arguments: {} } }), {
      "mcp-protocol-version": "2025-11-25",
    });
    const body = (await res.json()) as { error: { code: number; message: string } };
    expect(body.error.code).toBe(-32602);
    expect(body.error.message).not.toContain("MCP error");
  });
});

describe("2026-07-28 bad input", () => {
  it("adds cache hints to list results", async () => {
    await modern.listTools({}, { cacheMode: "bypass" });
    const { headers, body } = lastSent("tools/list");
    const res = await fetch(node.mcpUrl, { method: "POST", headers, body: JSON.stringify({ ...body, id: 900 }) });
    const answer = (await res.json()) as { result: { ttlMs: unknown; cacheScope: unknown; tools: unknown[] } };
    expect(answer.result.tools.length).toBeGreaterThan(0);
    expect(answer.result.ttlMs).toEqual(expect.any(Number));
    expect(["public", "private"]).toContain(answer.result.cacheScope);
  });

  it("refuses an Mcp-Method or Mcp-Name header that disagrees with the body, and calls nothing", async () => {
    const baseline = await invocationCount();
    await modern.callTool({ name: "everything_echo", arguments: { message: "recorded" } });
    const { headers, body } = lastSent("tools/call");
    expect(Object.keys(headers).map((h) => h.toLowerCase())).toEqual(expect.arrayContaining(["mcp-method", "mcp-name"]));
    // The log is written after the answer: wait for this call's line before counting.
    const before = await eventually(async () => {
      const n = await invocationCount();
      expect(n).toBe(baseline + 1);
      return n;
    });
    const mismatches: Record<string, string>[] = [{ "mcp-method": "tools/list" }, { "mcp-name": "everything_get-sum" }];
    for (const changed of mismatches) {
      const res = await fetch(node.mcpUrl, { method: "POST", headers: { ...headers, ...changed }, body: JSON.stringify({ ...body, id: 901 }) });
      expect(res.status).toBe(400);
      const answer = (await res.json()) as { id: unknown; error: { code: number } };
      expect(answer.error.code).toBe(-32020);
    }
    expect(await invocationCount()).toBe(before);
    // The same request with its own headers goes through: only the mismatch was refused.
    const ok = await fetch(node.mcpUrl, { method: "POST", headers, body: JSON.stringify({ ...body, id: 902 }) });
    expect(((await ok.json()) as { result: { content: unknown } }).result.content).toEqual([{ type: "text", text: "Echo: recorded" }]);
    await eventually(async () => expect(await invocationCount()).toBe(before + 1));
  });

  it("refuses an unknown protocol version with the versions it supports, and calls nothing", async () => {
    const { headers, body } = lastSent("tools/call");
    const before = await invocationCount();
    const meta = { ...(body.params!._meta as Record<string, unknown>), "io.modelcontextprotocol/protocolVersion": "2099-01-01" };
    const res = await fetch(node.mcpUrl, {
      method: "POST",
      headers: { ...headers, "mcp-protocol-version": "2099-01-01" },
      body: JSON.stringify({ ...body, id: 903, params: { ...body.params, _meta: meta } }),
    });
    const answer = (await res.json()) as { error: { code: number; data: { supported: string[]; requested: string } } };
    expect(answer.error.code).toBe(-32022);
    expect(answer.error.data.supported).toContain("2026-07-28");
    expect(answer.error.data.requested).toBe("2099-01-01");
    expect(await invocationCount()).toBe(before);
  });
});

describe("2026-07-28 subscriptions/listen", () => {
  it("announces a change of the tool list on a listen stream", async () => {
    const changed = new Promise<void>((resolve) => modern.setNotificationHandler("notifications/tools/list_changed", () => resolve()));
    const subscription = await modern.listen({ toolsListChanged: true });
    try {
      expect(subscription.honoredFilter).toMatchObject({ toolsListChanged: true });
      expect((await node.admin("PATCH", "/tools/everything_get-sum", { name: "sum2" })).status).toBe(200);
      await changed;
    } finally {
      await subscription.close();
      await node.admin("PATCH", "/tools/everything_sum2", { name: "everything_get-sum" });
    }
  });
});
