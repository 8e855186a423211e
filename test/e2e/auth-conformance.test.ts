// The conformance suite's server checks (initialize, ping, tools-list, DNS rebinding), repeated
// with the SDK client against a node with auth on: the suite's CLI cannot send a token.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { LATEST_PROTOCOL_VERSION } from "@modelcontextprotocol/sdk/types.js";
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { answerIn } from "../support/mcp.ts";
import { connectWithOAuth, PASSPHRASE } from "../support/oauth.ts";
import { startNodeWithEverything } from "../support/node-with-everything.ts";
import { type NodeProc, type Upstream } from "../support/processes.ts";

let everything: Upstream;
let node: NodeProc;
let client: Client;
let apiToken: string;

/** A raw POST with headers fetch will not let us set (Host). */
function post(port: number, headers: Record<string, string>, body: unknown): Promise<{ status: number; body: string; contentType: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port, path: "/mcp", method: "POST", headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers } },
      (res) => {
        let text = "";
        res.on("data", (d: Buffer) => (text += d.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text, contentType: res.headers["content-type"] }));
      },
    );
    req.on("error", reject);
    req.end(JSON.stringify(body));
  });
}

const initialize = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: "conformance-check", version: "1.0.0" } },
};

beforeAll(async () => {
  ({ node, everything } = await startNodeWithEverything({ env: { AUTHLESS: "false", CONSENT_PASSPHRASE: PASSPHRASE } }));
  ({ client } = await connectWithOAuth(`http://localhost:${node.port}/mcp`));
  apiToken = (await (await node.admin("POST", "/tokens", { name: "conformance" })).json()).secret;
});

afterAll(async () => {
  await client?.close();
  await Promise.all([node?.stop(), everything?.stop()]);
});

describe("conformance checks with auth on", () => {
  it("server-initialize: version, server info and capabilities", async () => {
    expect(client.getServerVersion()).toMatchObject({ name: expect.any(String), version: expect.any(String) });
    expect(client.getServerCapabilities()?.tools).toEqual({ listChanged: true });
    const res = await post(node.port, { host: `localhost:${node.port}`, authorization: `Bearer ${apiToken}` }, initialize);
    expect(res.status).toBe(200);
    const { result } = answerIn(res.body, res.contentType) as { result: { protocolVersion: string; serverInfo: { name: string } } };
    expect(["2025-06-18", "2025-11-25"]).toContain(result.protocolVersion);
    expect(result.serverInfo.name).toBeTruthy();
  });

  it("ping", async () => {
    expect(await client.ping()).toEqual({});
  });

  it("tools-list: every tool has a name, a description and an input schema", async () => {
    const { tools } = await client.listTools();
    expect(tools.length).toBeGreaterThan(5);
    for (const t of tools) {
      expect(t.name).toBeTruthy();
      expect(t.description).toBeTruthy();
      expect(t.inputSchema).toMatchObject({ type: "object" });
    }
  });

  it("dns-rebinding-protection: foreign Host or Origin refused even with a valid token; localhost accepted", async () => {
    const auth = { authorization: `Bearer ${apiToken}` };
    expect((await post(node.port, { host: "evil.example.com", ...auth }, initialize)).status).toBe(403);
    expect((await post(node.port, { host: `localhost:${node.port}`, origin: "http://evil.example.com", ...auth }, initialize)).status).toBe(403);
    expect((await post(node.port, { host: `localhost:${node.port}`, origin: `http://localhost:${node.port}`, ...auth }, initialize)).status).toBe(200);
    // And without a token, a valid Host gets the auth challenge, not the tools.
    expect((await post(node.port, { host: `localhost:${node.port}` }, initialize)).status).toBe(401);
  });
});
