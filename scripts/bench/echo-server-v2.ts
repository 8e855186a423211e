// A minimal upstream on SDK v2 that serves both protocol eras on one URL (2026-07-28 per
// request, 2025-11-25 through the SDK's stateless fallback), so the proxy benchmark can call
// the same server directly and through a node in each era.
//
//   PORT=8123 npx tsx scripts/bench/echo-server-v2.ts
import { serve } from "@hono/node-server";
import { createMcpHandler, McpServer } from "@modelcontextprotocol/server";
import { z } from "zod";

function echoServer(): McpServer {
  const server = new McpServer({ name: "bench-echo-v2", version: "1.0.0" });
  server.registerTool(
    "echo",
    { description: "Echoes back the input string", inputSchema: z.object({ message: z.string() }) },
    async ({ message }) => ({ content: [{ type: "text", text: `Echo: ${message}` }] }),
  );
  return server;
}

const handler = createMcpHandler(() => echoServer(), { legacy: "stateless" });
serve({ fetch: (req) => handler.fetch(req), port: Number(process.env.PORT ?? 8123), hostname: "127.0.0.1" }, (info) => console.log(`listening on ${info.port}`));
