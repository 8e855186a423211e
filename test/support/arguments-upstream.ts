// A real MCP server on SDK v2 serving both eras (createMcpHandler), whose one tool answers with
// the arguments it was called with (null when none) and the era the call came in. Run as its own
// process:  node --import tsx test/support/arguments-upstream.ts   (PORT from the environment)
import { serve } from "@hono/node-server";
import { createMcpHandler, Server } from "@modelcontextprotocol/server";

const handler = createMcpHandler((ctx) => {
  const server = new Server({ name: "arguments-upstream", version: "1.0.0" }, { capabilities: { tools: {} } });
  server.setRequestHandler("tools/list", () => ({
    tools: [{ name: "reflect", description: "Answers with the arguments it got", inputSchema: { type: "object" } }],
  }));
  server.setRequestHandler("tools/call", (req) => ({
    content: [{ type: "text", text: JSON.stringify({ arguments: req.params.arguments ?? null, era: ctx.era }) }],
  }));
  return server;
});

serve({ fetch: (req) => handler.fetch(req), port: Number(process.env.PORT), hostname: "127.0.0.1" });
