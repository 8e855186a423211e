// A load balancer on loopback in front of several instances of one node: each request goes to the
// next instance in turn, bodies streamed both ways (a relayed call's answer is a stream), the Host
// header passed on unchanged so that every instance sees the public origin. It counts what each
// instance was sent.
import { createServer, request } from "node:http";

export interface RoundRobin {
  port: number;
  url: string;
  /** Requests passed to each backend port, in the order given. */
  counts: () => number[];
  close: () => Promise<void>;
}

export async function roundRobin(port: number, backends: readonly number[]): Promise<RoundRobin> {
  const counts = backends.map(() => 0);
  let next = 0;
  const server = createServer((req, res) => {
    const i = next++ % backends.length;
    counts[i]!++;
    const up = request({ host: "127.0.0.1", port: backends[i], method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    up.on("error", () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    counts: () => [...counts],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
