// A loopback HTTP server for outbound-read tests: it counts the requests it gets and answers
// each path as the test tells it, e.g. with a body generated chunk by chunk (never held whole).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface DocumentServer {
  url: string;
  /** Requests seen, by path. */
  hits: Map<string, number>;
  /** Bytes written to response bodies so far. */
  sent: () => number;
  close: () => Promise<void>;
}

export async function startDocumentServer(routes: Record<string, Handler>): Promise<DocumentServer> {
  const hits = new Map<string, number>();
  let sent = 0;
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const write = res.write.bind(res);
    res.write = ((chunk: Buffer | string, ...rest: never[]) => {
      sent += chunk.length;
      return write(chunk, ...rest);
    }) as typeof res.write;
    const route = routes[path];
    if (route) route(req, res);
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    sent: () => sent,
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

/** Streams `total` bytes: `head`, then filler, written as the socket drains. */
export function streamedBody(head: string, total: number, contentType = "application/json"): Handler {
  return (_req, res) => {
    res.writeHead(200, { "content-type": contentType });
    const filler = Buffer.alloc(64 * 1024, "a");
    let left = total - head.length;
    res.write(head);
    const pump = () => {
      while (left > 0 && !res.destroyed) {
        const chunk = left >= filler.length ? filler : filler.subarray(0, left);
        left -= chunk.length;
        if (!res.write(chunk)) return void res.once("drain", pump);
      }
      res.end();
    };
    res.on("close", () => (left = 0));
    pump();
  };
}
