// One node under Node with server-everything (streamable HTTP) registered as its upstream,
// driven by the real SDK client.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect } from "../support/mcp.ts";
import { startNodeWithEverything } from "../support/node-with-everything.ts";
import { eventually, type NodeProc, type Upstream } from "../support/processes.ts";

let upstream: Upstream;
let node: NodeProc;
let client: Client;

beforeAll(async () => {
  ({ node, everything: upstream } = await startNodeWithEverything({}, { bearerToken: "upstream-secret" }));
  client = await connect(node.mcpUrl);
});

afterAll(async () => {
  await client?.close();
  await node?.stop();
  await upstream?.stop();
});

describe("composite catalog", () => {
  it("names the node in its server info", () => {
    expect(client.getServerVersion()?.name).toBe("mcpfed");
    expect(client.getServerCapabilities()).toMatchObject({ tools: {}, resources: {}, prompts: {} });
  });

  it("lists the upstream's tools under prefixed names, with global id and fingerprint", async () => {
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(["search_tools", "call_tool", "everything_echo", "everything_get-sum"]));
    const echo = tools.find((t) => t.name === "everything_echo")!;
    expect(echo._meta).toMatchObject({ "mcpfed/id": `${node.nodeId}/everything/echo`, "mcpfed/upstream": "everything" });
    expect(echo._meta?.["mcpfed/fingerprint"]).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(echo.inputSchema).toMatchObject({ type: "object", properties: { message: { type: "string" } } });
    for (const t of tools) expect(t.name).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
  });

  it("never echoes the upstream's secret back", async () => {
    const body = await (await node.admin("GET", "/upstreams")).text();
    expect(body).not.toContain("upstream-secret");
    expect(JSON.parse(body).upstreams[0].headers).toEqual({ Authorization: "***" });
  });
});

describe("calls", () => {
  it("proxies a call", async () => {
    const r = await client.callTool({ name: "everything_echo", arguments: { message: "through the node" } });
    expect(r.content).toEqual([{ type: "text", text: "Echo: through the node" }]);
  });

  it("passes structured content through", async () => {
    const r = await client.callTool({ name: "everything_get-structured-content", arguments: { location: "Chicago" } });
    expect(r.structuredContent).toMatchObject({ temperature: expect.any(Number), conditions: expect.any(String) });
  });

  it("passes tool errors through as results with isError", async () => {
    const r = await client.callTool({ name: "everything_echo", arguments: {} });
    expect(r.isError).toBe(true);
  });

  it("streams progress notifications of a long-running tool", async () => {
    const progress: number[] = [];
    const r = await client.callTool(
      { name: "everything_trigger-long-running-operation", arguments: { duration: 1, steps: 4 } },
      undefined,
      { onprogress: (p) => progress.push(p.progress) },
    );
    expect(r.isError).toBeFalsy();
    expect(progress).toEqual([1, 2, 3, 4]);
  });

  it("passes cancellation through and logs it", async () => {
    const controller = new AbortController();
    const call = client.callTool(
      { name: "everything_trigger-long-running-operation", arguments: { duration: 10, steps: 10 } },
      undefined,
      { signal: controller.signal, onprogress: () => controller.abort("changed my mind") },
    );
    await expect(call).rejects.toThrow();
    // The cancel travels as its own POST; the node aborts the upstream call and logs the outcome.
    await eventually(async () => {
      const { invocations } = await (await node.admin("GET", "/invocations?limit=5")).json();
      const outcomes = invocations.filter((x: { toolName: string }) => x.toolName === "everything_trigger-long-running-operation").map((x: { outcome: string }) => x.outcome);
      expect(outcomes).toContain("cancelled");
    }, 5000);
  });

  it("calls by global id through call_tool", async () => {
    const r = await client.callTool({ name: "call_tool", arguments: { id: `${node.nodeId}/everything/get-sum`, arguments: { a: 2, b: 3 } } });
    expect(JSON.stringify(r.content)).toContain("5");
  });

  it("finds tools with search_tools, ranked", async () => {
    const r = await client.callTool({ name: "search_tools", arguments: { query: "sum numbers" } });
    const results = (r.structuredContent as { results: { name: string; id: string }[] }).results;
    expect(results[0]).toMatchObject({ name: "everything_get-sum", id: `${node.nodeId}/everything/get-sum` });
    const none = await client.callTool({ name: "search_tools", arguments: { query: "zzqxv" } });
    expect((none.structuredContent as { results: unknown[] }).results).toEqual([]);
  });

  it("logs every invocation without arguments", async () => {
    await client.callTool({ name: "everything_echo", arguments: { message: "logged" } });
    expect((await client.callTool({ name: "everything_echo", arguments: {} })).isError).toBe(true);
    await eventually(async () => {
      const { invocations } = await (await node.admin("GET", "/invocations?limit=100")).json();
      const echo = invocations.find((i: { toolName: string; outcome: string }) => i.toolName === "everything_echo" && i.outcome === "ok");
      expect(echo).toMatchObject({ toolId: `${node.nodeId}/everything/echo`, upstream: "everything", caller: "anonymous", arguments: null });
      expect(invocations.some((i: { outcome: string }) => i.outcome === "tool_error")).toBe(true);
    });
  });
});

describe("resources and prompts", () => {
  it("lists and reads upstream resources, fixed and templated", async () => {
    const { resources } = await client.listResources();
    const uri = "demo://resource/static/document/instructions.md";
    expect(resources.map((r) => r.uri)).toContain(uri);
    const fixed = await client.readResource({ uri });
    expect(fixed.contents[0]).toMatchObject({ uri, mimeType: "text/markdown" });
    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate)).toContain("demo://resource/dynamic/text/{resourceId}");
    const dynamic = await client.readResource({ uri: "demo://resource/dynamic/text/7" });
    expect(dynamic.contents[0]?.uri).toBe("demo://resource/dynamic/text/7");
    await expect(client.readResource({ uri: "nowhere://x" })).rejects.toThrow(/Resource not found/);
  });

  it("lists and gets upstream prompts under prefixed names", async () => {
    const { prompts } = await client.listPrompts();
    expect(prompts.map((p) => p.name)).toEqual(expect.arrayContaining(["everything_simple-prompt", "everything_args-prompt"]));
    const p = await client.getPrompt({ name: "everything_args-prompt", arguments: { city: "Paris" } });
    expect(JSON.stringify(p.messages)).toContain("Paris");
    await expect(client.getPrompt({ name: "nope" })).rejects.toThrow(/Unknown prompt/);
  });
});

describe("operator choices", () => {
  it("renames, hides and pins single tools", async () => {
    let res = await node.admin("PATCH", "/tools/everything_get-sum", { name: "add" });
    expect(res.status).toBe(200);
    let names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toContain("add");
    expect(names).not.toContain("everything_get-sum");
    expect((await client.callTool({ name: "add", arguments: { a: 1, b: 1 } })).isError).toBeFalsy();

    res = await node.admin("PATCH", "/tools/add", { name: "everything_echo" });
    expect(res.status).toBe(409);

    res = await node.admin("PATCH", "/tools/add", { hidden: true });
    expect(res.status).toBe(200);
    names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).not.toContain("add");
    await expect(client.callTool({ name: "add", arguments: { a: 1, b: 1 } })).rejects.toThrow(/Unknown tool/);
    await node.admin("PATCH", "/tools/add", { hidden: false });
  });

  it("changes an upstream's prefix, and allows an empty one", async () => {
    expect((await node.admin("PATCH", "/tools/everything_get-tiny-image", { name: "tiny" })).status).toBe(200);
    let res = await node.admin("PATCH", "/upstreams/everything", { prefix: "" });
    expect(res.status).toBe(200);
    let names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(["echo", "tiny"])); // the renamed tool keeps its name
    res = await node.admin("PATCH", "/upstreams/everything", { prefix: "ev" });
    names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toContain("ev_echo");
    expect(names).not.toContain("echo");
    await node.admin("PATCH", "/upstreams/everything", { prefix: null });
    names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toContain("everything_echo");
  });
});
