// Bad input gets a clear, typed answer, changes nothing, and never takes the node down.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, rawMcp } from "../support/mcp.ts";
import { startNodeWithEverything } from "../support/node-with-everything.ts";
import { eventually, startEverything, type NodeProc, type Upstream } from "../support/processes.ts";

let upstream: Upstream;
let node: NodeProc;
let client: Client;

const state = async () => ({
  tools: (await (await node.admin("GET", "/tools")).json()).tools,
  invocations: (await (await node.admin("GET", "/invocations?limit=1000")).json()).invocations.length,
});

beforeAll(async () => {
  ({ node, everything: upstream } = await startNodeWithEverything({ env: { MAX_BODY_BYTES: "4096", CALL_TIMEOUT_MS: "3000" } }));
  client = await connect(node.mcpUrl);
});

afterAll(async () => {
  await client?.close();
  await node?.stop();
  await upstream?.stop();
});

describe("/mcp", () => {
  it("answers malformed JSON with a parse error, and changes nothing", async () => {
    const before = await state();
    const res = await rawMcp(node.mcpUrl, '{"jsonrpc":"2.0","id":1,"method":');
    expect(res.status).toBe(400);
    expect((await res.json()).error.code).toBe(-32700);
    expect(await state()).toEqual(before);
  });

  it("answers a valid JSON body that is not JSON-RPC with invalid request", async () => {
    const res = await rawMcp(node.mcpUrl, '{"hello":"world"}');
    expect(res.status).toBe(400);
    expect((await res.json()).error.code).toBe(-32600);
  });

  it("refuses a body over the limit with 413", async () => {
    const big = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "everything_echo", arguments: { message: "x".repeat(8000) } } });
    const res = await rawMcp(node.mcpUrl, big);
    expect(res.status).toBe(413);
    expect((await res.json()).error.data.type).toBe("body_too_large");
  });

  it("refuses a foreign Origin and a foreign Host (DNS rebinding)", async () => {
    const init = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" });
    const origin = await rawMcp(node.mcpUrl, init, { origin: "http://evil.example.com" });
    expect(origin.status).toBe(403);
    expect((await origin.json()).error.data.type).toBe("origin_not_allowed");
    const { request } = await import("node:http");
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(node.mcpUrl, { method: "POST", headers: { host: "evil.example.com", "content-type": "application/json", accept: "application/json, text/event-stream" } }, (r) => {
        r.resume();
        resolve(r.statusCode!);
      });
      req.on("error", reject);
      req.end(init);
    });
    expect(status).toBe(403);
    expect((await rawMcp(node.mcpUrl, init, { origin: `http://localhost:${node.port}` })).status).toBe(200);
  });

  it("answers DELETE, and GET without an event-stream Accept, with 405", async () => {
    const del = await fetch(node.mcpUrl, { method: "DELETE", headers: { accept: "text/event-stream" } });
    expect(del.status).toBe(405);
    expect(del.headers.get("allow")).toBe("GET, POST");
    const get = await fetch(node.mcpUrl, { method: "GET", headers: { accept: "application/json" } });
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST");
  });

  it("answers an unknown tool with an MCP error, and logs the attempt", async () => {
    await expect(client.callTool({ name: "no_such_tool", arguments: {} })).rejects.toMatchObject({ code: -32602 });
    await expect(client.callTool({ name: "call_tool", arguments: { id: "local/nope/x" } })).rejects.toMatchObject({ code: -32602 });
    await expect(client.callTool({ name: "search_tools", arguments: { limit: 5 } })).rejects.toMatchObject({ code: -32602 });
    await eventually(async () => {
      const { invocations } = await (await node.admin("GET", "/invocations?limit=10")).json();
      expect(invocations.filter((i: { outcome: string }) => i.outcome === "unknown_tool").map((i: { toolName: string }) => i.toolName)).toEqual(
        expect.arrayContaining(["no_such_tool", "local/nope/x"]),
      );
    });
  });
});

describe("admin API", () => {
  it("requires the admin token", async () => {
    expect((await fetch(`${node.url}/admin/upstreams`)).status).toBe(401);
    const wrong = await fetch(`${node.url}/admin/upstreams`, { headers: { authorization: "Bearer wrong-token-wrong-token" } });
    expect(wrong.status).toBe(401);
    const post = await fetch(`${node.url}/admin/upstreams`, { method: "POST", body: "{}", headers: { "content-type": "application/json" } });
    expect(post.status).toBe(401);
  });

  it("rejects invalid registrations with the field at fault, and stores nothing", async () => {
    const before = await state();
    const cases: [unknown, number, RegExp][] = [
      [{ name: "Bad Name", kind: "http", url: upstream.url }, 400, /name/],
      [{ name: "x", kind: "http", url: "ftp://example.com" }, 400, /url/],
      [{ name: "x", kind: "carrier-pigeon" }, 400, /kind/],
      [{ name: "everything", kind: "http", url: upstream.url }, 409, /exists/],
    ];
    for (const [body, status, message] of cases) {
      const res = await node.admin("POST", "/upstreams", body);
      expect(res.status).toBe(status);
      expect(JSON.stringify(await res.json())).toMatch(message);
    }
    const notJson = await fetch(`${node.url}/admin/upstreams`, {
      method: "POST",
      body: "{nope",
      headers: { authorization: `Bearer ${node.adminToken}`, "content-type": "application/json" },
    });
    expect(notJson.status).toBe(400);
    expect((await node.admin("GET", "/upstreams")).ok).toBe(true);
    expect(await state()).toEqual(before);
  });
});

describe("a dead upstream", () => {
  it("fails calls with a typed error, keeps its catalog marked unavailable, and leaves the node up", async () => {
    const dead = await startEverything();
    expect((await node.admin("POST", "/upstreams", { name: "mortal", kind: "http", url: dead.url })).status).toBe(201);
    expect((await client.callTool({ name: "mortal_echo", arguments: { message: "alive" } })).isError).toBeFalsy();
    await dead.stop("SIGKILL");

    const err = await client.callTool({ name: "mortal_echo", arguments: { message: "dead?" } }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: -32010, data: { type: "upstream_unavailable", upstream: "mortal" } });

    const refresh = await (await node.admin("POST", "/upstreams/mortal/refresh")).json();
    expect(refresh.refresh.ok).toBe(false);
    const { tools } = await client.listTools();
    const echo = tools.find((t) => t.name === "mortal_echo");
    expect(echo?._meta?.["mcpfed/unavailable"]).toBe(true);
    const view = (await (await node.admin("GET", "/upstreams/mortal")).json()).upstream;
    expect(view.status).toBe("unavailable");
    // Other upstreams are unaffected.
    expect((await client.callTool({ name: "everything_echo", arguments: { message: "still here" } })).isError).toBeFalsy();
    await eventually(async () => {
      const { invocations } = await (await node.admin("GET", "/invocations?limit=10")).json();
      expect(invocations.some((i: { toolName: string; outcome: string }) => i.toolName === "mortal_echo" && i.outcome === "unavailable")).toBe(true);
    });
  });

  it("registers an unreachable upstream as unavailable instead of failing", async () => {
    const res = await node.admin("POST", "/upstreams", { name: "never", kind: "http", url: "http://127.0.0.1:9/mcp" });
    expect(res.status).toBe(201);
    expect((await res.json()).upstream.status).toBe("unavailable");
  });
});
