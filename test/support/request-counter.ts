// An HTTP forwarder on loopback in front of an MCP server that counts the JSON-RPC requests it
// passes on, by method: how a test sees that a refused request never reached the upstream.
import { createServer } from "node:http";

export interface RequestCounter {
  url: string;
  count: (method: string) => number;
  close: () => Promise<void>;
}

const HOP_BY_HOP = new Set(["host", "connection", "content-length", "transfer-encoding", "content-encoding", "keep-alive"]);

export async function requestCounter(target: string): Promise<RequestCounter> {
  const counts = new Map<string, number>();
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    try {
      const method = (JSON.parse(body.toString()) as { method?: unknown }).method;
      if (typeof method === "string") counts.set(method, (counts.get(method) ?? 0) + 1);
    } catch {
      // Not JSON (a GET, a DELETE): counted under no method.
    }
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string" && !HOP_BY_HOP.has(k)) headers.set(k, v);
    try {
      const up = await fetch(target, { method: req.method, headers, ...(body.length ? { body } : {}) });
      res.writeHead(up.status, Object.fromEntries([...up.headers].filter(([k]) => !HOP_BY_HOP.has(k))));
      const reader = up.body?.getReader();
      for (let r = await reader?.read(); r && !r.done; r = await reader!.read()) res.write(r.value);
      res.end();
    } catch {
      res.destroy();
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    count: (method) => counts.get(method) ?? 0,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
