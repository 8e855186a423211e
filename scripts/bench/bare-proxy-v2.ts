// The SDK's own bound for the proxy benchmark: an SDK v2 server whose one tool, `echo`, forwards
// each call to the echo upstream through one long-lived SDK v2 client. No node logic: no catalog,
// policy, limits, logs, redaction or SSRF guard. It serves both eras on one URL as the upstream
// does, and reaches the upstream in the newest era it speaks, as the node's pool does.
//
//   PORT=8124 UPSTREAM_URL=http://127.0.0.1:8123/mcp npx tsx scripts/bench/bare-proxy-v2.ts
import { serve } from "@hono/node-server";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { createMcpHandler, McpServer, type CallToolResult } from "@modelcontextprotocol/server";
import { z } from "zod";

const upstreamUrl = process.env.UPSTREAM_URL;
if (!upstreamUrl) throw new Error("UPSTREAM_URL is required");

const upstream = new Client({ name: "bench-bare-proxy", version: "1.0.0" }, { versionNegotiation: { mode: "auto" } });
await upstream.connect(new StreamableHTTPClientTransport(new URL(upstreamUrl)));

function proxyServer(): McpServer {
  const server = new McpServer({ name: "bench-bare-proxy", version: "1.0.0" });
  server.registerTool(
    "echo",
    { description: "Echoes back the input string, by way of the upstream", inputSchema: z.object({ message: z.string() }) },
    async (args, ctx) => (await upstream.callTool({ name: "echo", arguments: args }, { signal: ctx.mcpReq.signal })) as CallToolResult,
  );
  return server;
}

const handler = createMcpHandler(() => proxyServer(), { legacy: "stateless" });
serve({ fetch: (req) => handler.fetch(req), port: Number(process.env.PORT ?? 8124), hostname: "127.0.0.1" }, (info) => console.log(`listening on ${info.port}`));
