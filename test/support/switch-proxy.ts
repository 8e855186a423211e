// A TCP forwarder on loopback that the test can switch off: a node whose PUBLIC_URL is the
// forwarder's is unreachable to its peers while it is off (connections are dropped at once), yet
// its own requests to them go out directly. Used to keep a peer's gossip push from arriving.
import { createServer, connect, type Socket } from "node:net";

export interface SwitchProxy {
  port: number;
  url: string;
  /** Drops every open connection and every new one until `on`. */
  off: () => void;
  on: () => void;
  /** Connections dropped while off. */
  dropped: () => number;
  close: () => Promise<void>;
}

/** Forwards 127.0.0.1:`port` to 127.0.0.1:`target`. */
export async function switchProxy(port: number, target: number): Promise<SwitchProxy> {
  let enabled = true;
  let dropped = 0;
  const open = new Set<Socket>();
  const server = createServer((socket) => {
    if (!enabled) {
      dropped++;
      socket.destroy();
      return;
    }
    const upstream = connect(target, "127.0.0.1");
    for (const s of [socket, upstream]) {
      open.add(s);
      s.once("close", () => open.delete(s));
      s.on("error", () => {});
    }
    socket.pipe(upstream).pipe(socket);
    socket.once("close", () => upstream.destroy());
    upstream.once("close", () => socket.destroy());
  });
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    off: () => {
      enabled = false;
      for (const s of open) s.destroy();
    },
    on: () => (enabled = true),
    dropped: () => dropped,
    close: () => {
      for (const s of open) s.destroy();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}
