// A real MCP server (the SDK's, streamable HTTP, stateless) in the test's own process, whose one
// tool the test can redefine: an upstream that changes a tool after the operator shared it.
// server-everything's tools never change, so it cannot play this part.
import { createServer, type Server } from "node:http";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";

export interface MutableUpstream {
  url: string;
  /** tools/call requests it answered. */
  calls: () => number;
  /** The description of its tool "weather" from now on: a new description is a new fingerprint. */
  describe: (description: string) => void;
  close: () => Promise<void>;
}

export async function startMutableUpstream(): Promise<MutableUpstream> {
  let description = "Reports the weather";
  let calls = 0;
  const server: Server = createServer(async (req, res) => {
    const mcp = new McpServer({ name: "mutable-upstream", version: "1.0.0" });
    mcp.registerTool("weather", { description }, () => {
      calls++;
      return { content: [{ type: "text", text: "sunny" }] };
    });
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on("close", () => void transport.close());
    await mcp.connect(transport);
    await transport.handleRequest(req, res);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    calls: () => calls,
    describe: (d) => (description = d),
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}
