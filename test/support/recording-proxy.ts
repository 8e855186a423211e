// An HTTP forwarder on loopback that records every request it passes on: path, status, the bytes
// of both bodies. A node whose PUBLIC_URL is the proxy's is reached through it by everyone who
// reads its card, so the test sees what crossed the wire to that node.
import { createServer } from "node:http";

export interface Exchange {
  method: string;
  path: string;
  status: number;
  request: Uint8Array;
  response: Uint8Array;
}

export interface RecordingProxy {
  port: number;
  url: string;
  exchanges: () => Exchange[];
  close: () => Promise<void>;
}

const HOP_BY_HOP = new Set(["host", "connection", "content-length", "transfer-encoding", "content-encoding", "keep-alive"]);

/** Forwards 127.0.0.1:`port` to 127.0.0.1:`target`, recording each exchange. */
export async function recordingProxy(port: number, target: number): Promise<RecordingProxy> {
  const seen: Exchange[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string" && !HOP_BY_HOP.has(k)) headers.set(k, v);
    try {
      const up = await fetch(`http://127.0.0.1:${target}${req.url}`, { method: req.method, headers, ...(body.length ? { body } : {}), redirect: "manual" });
      const answer = new Uint8Array(await up.arrayBuffer());
      seen.push({ method: req.method ?? "", path: req.url ?? "", status: up.status, request: new Uint8Array(body), response: answer });
      res.writeHead(up.status, Object.fromEntries([...up.headers].filter(([k]) => !HOP_BY_HOP.has(k))));
      res.end(answer);
    } catch {
      res.writeHead(502).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    exchanges: () => [...seen],
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
