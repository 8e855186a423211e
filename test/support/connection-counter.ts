// A TCP server on loopback that only counts the connections it gets and drops them: the target a
// guarded fetch must never reach.
import { createServer } from "node:net";

export interface ConnectionCounter {
  port: number;
  /** Connections since the last reset. */
  count: () => number;
  reset: () => void;
  close: () => Promise<void>;
}

export async function connectionCounter(): Promise<ConnectionCounter> {
  let connections = 0;
  const server = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as { port: number }).port,
    count: () => connections,
    reset: () => (connections = 0),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
