// A real MCP server (the SDK's, over streamable HTTP) that echoes the credentials it is called
// with, the way careless upstreams do in their error messages. Run as its own process:
//   node --import tsx test/support/echo-upstream.ts   (PORT from the environment)
// POST /mcp      serves MCP; tools/call of "leak" fails with HTTP 500 naming the caller's
//                X-Api-Key and bearer token, and the tool "whoami" fails with them as its error.
// POST /reject   refuses every request with 401, naming the bearer token it refused.
import { createServer, type IncomingMessage } from "node:http";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";

const credentials = (headers: IncomingMessage["headers"]) => {
  const token = String(headers.authorization ?? "").replace(/^Bearer\s+/i, "");
  return `key ${String(headers["x-api-key"] ?? "")} and token ${token}`;
};

async function body(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString("utf8"));
}

createServer(async (req, res) => {
  if (req.url === "/reject") {
    res.writeHead(401, { "content-type": "text/plain" }).end(`refused ${credentials(req.headers)}`);
    return;
  }
  if (req.method !== "POST") {
    res.writeHead(405).end();
    return;
  }
  const message = (await body(req)) as { method?: string; params?: { name?: string } };
  if (message.method === "tools/call" && message.params?.name === "leak") {
    res.writeHead(500, { "content-type": "text/plain" }).end(`internal error for ${credentials(req.headers)}`);
    return;
  }
  // Stateless: a server and transport per request.
  const server = new McpServer({ name: "echo-upstream", version: "1.0.0" });
  server.registerTool("whoami", { description: "Fails, naming the caller's credentials" }, (extra) => {
    throw new Error(`unknown caller: ${credentials(extra.requestInfo?.headers ?? {})}`);
  });
  server.registerTool("leak", { description: "Answered with HTTP 500 before it gets here" }, () => ({ content: [] }));
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  res.on("close", () => void transport.close());
  await server.connect(transport);
  await transport.handleRequest(req, res, message);
}).listen(Number(process.env.PORT), "127.0.0.1");
