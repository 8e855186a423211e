// An MCP server with N synthetic tools, for the catalog benchmarks: built with the SDK's
// low-level Server, served over streamable HTTP (stateless: one Server per request), with tool
// names, descriptions and input schemas shaped like those of real SaaS and infrastructure
// servers. The catalog is the same for the same N (seeded generator).
//
//   TOOLS=10000 PORT=4100 node --import tsx scripts/bench/many-tools-server.ts
//   tools/list is paged with cursors (PAGE_SIZE, default 1000; 0 for one page, as McpServer
//   answers): at 100,000 tools one page is over the node's 16 MiB bound on an upstream's answer.
import { createServer } from "node:http";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { CallToolRequestSchema, ListToolsRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { syntheticTools } from "./synthetic-tools.ts";

const count = Number(process.env.TOOLS ?? 1000);
const pageSize = Number(process.env.PAGE_SIZE ?? 1000);
const tools = syntheticTools(count);

function buildServer(): Server {
  const server = new Server({ name: "many-tools", version: "1.0.0" }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, async (req) => {
    if (!pageSize) return { tools };
    const start = Number(req.params?.cursor ?? 0);
    const end = start + pageSize;
    return { tools: tools.slice(start, end), ...(end < tools.length ? { nextCursor: String(end) } : {}) };
  });
  server.setRequestHandler(CallToolRequestSchema, async (req) => ({
    content: [{ type: "text", text: `${req.params.name} called` }],
  }));
  return server;
}

const http = createServer(async (req, res) => {
  if (req.method !== "POST") {
    res.writeHead(405, { allow: "POST" }).end();
    return;
  }
  const server = buildServer();
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  res.on("close", () => void server.close());
  await server.connect(transport);
  await transport.handleRequest(req, res);
});
http.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  const addr = http.address() as { port: number };
  const bytes = Buffer.byteLength(JSON.stringify(tools));
  console.log(`many-tools: ${count} tools (${Math.round(bytes / count)} bytes each as JSON) on http://127.0.0.1:${addr.port}/mcp`);
});
