// The SDK v2 client, negotiating the newest revision a server speaks (2026-07-28 for the node).
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { expect } from "vitest";

export async function connectModern(url: string, headers: Record<string, string> = {}): Promise<Client> {
  const client = new Client({ name: "mcpfed-test-v2", version: "0.0.0" }, { versionNegotiation: { mode: "auto" } });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  return client;
}

/**
 * A 2026-07-28 client on `mcpUrl`: discovers the node, lists and calls server-everything's echo
 * (registered as "everything"), and has a routing header that disagrees with the body refused.
 */
export async function expectModernRoundTrip(mcpUrl: string, runtime: string): Promise<void> {
  const client = await connectModern(mcpUrl);
  try {
    expect(client.getProtocolEra()).toBe("modern");
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toContain("everything_echo");
    const result = await client.callTool({ name: "everything_echo", arguments: { message: `modern on ${runtime}` } });
    expect(result.content).toEqual([{ type: "text", text: `Echo: modern on ${runtime}` }]);
  } finally {
    await client.close();
  }
  const version = "2026-07-28";
  const res = await fetch(mcpUrl, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": version,
      "mcp-method": "tools/list",
      "mcp-name": "everything_echo",
    },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: {
        name: "everything_echo",
        arguments: { message: "never" },
        _meta: {
          "io.modelcontextprotocol/protocolVersion": version,
          "io.modelcontextprotocol/clientInfo": { name: "raw", version: "0" },
          "io.modelcontextprotocol/clientCapabilities": {},
        },
      },
    }),
  });
  expect(res.status).toBe(400);
  expect(((await res.json()) as { error: { code: number } }).error.code).toBe(-32020);
}
