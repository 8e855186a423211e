// A tiny real MCP server (the SDK's, over streamable HTTP, stateless) for tests of per-principal
// upstreams: its one tool fails with an error that repeats the X-Api-Key header it was sent, as a
// careless upstream might. Run as a process: PORT=... tsx test/support/header-echo-server.ts
import { createServer } from "node:http";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { CallToolRequestSchema, ErrorCode, ListToolsRequestSchema, McpError } from "@modelcontextprotocol/sdk/types.js";

function mcpServer(): Server {
  const server = new Server({ name: "header-echo", version: "0.0.0" }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: [{ name: "leak", description: "Fails, repeating the X-Api-Key it got.", inputSchema: { type: "object" } }],
  }));
  server.setRequestHandler(CallToolRequestSchema, async (_req, extra) => {
    const key = extra.requestInfo?.headers["x-api-key"];
    throw new McpError(ErrorCode.InvalidParams, `rejected key ${String(key)}`);
  });
  return server;
}

createServer(async (req, res) => {
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  await mcpServer().connect(transport);
  await transport.handleRequest(req, res);
}).listen(Number(process.env.PORT), "127.0.0.1");
