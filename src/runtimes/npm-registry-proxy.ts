// A loopback proxy the npm CLI is pointed at while it installs a package's dependencies, so that
// npm reaches only the registry's host and port, at the addresses checked before it ran
// (docs/security.md, "What npm fetches"). npm then never resolves the registry's name itself, and
// a tarball URL the registry's metadata points at another host is refused here.
import http from "node:http";
import net from "node:net";

export interface PinnedRegistry {
  url: URL;
  /** The addresses the registry's host resolved to when it was checked: the only ones dialled. */
  addresses: string[];
}

export interface RegistryProxy {
  /** The proxy's own URL, for npm's `--proxy` and `--https-proxy`. */
  url: string;
  /** What npm asked for that is not the registry (`host:port`), in order. */
  refused: string[];
  close(): Promise<void>;
}

const HOP_HEADERS = ["proxy-authorization", "proxy-connection", "connection", "keep-alive"];

const defaultPort = (protocol: string) => (protocol === "https:" ? 443 : 80);
const bare = (host: string) => host.replace(/^\[|\]$/g, "").toLowerCase();

/** The host and port of a CONNECT target (`host:port`, `[v6]:port`); undefined when malformed. */
function connectTarget(authority: string): { host: string; port: number } | undefined {
  const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(authority);
  return m ? { host: bare(m[1]!), port: Number(m[2]) } : undefined;
}

export async function startRegistryProxy(registry: PinnedRegistry): Promise<RegistryProxy> {
  const address = registry.addresses[0];
  if (!address) throw new Error("a pinned registry needs at least one address");
  const host = bare(registry.url.hostname);
  const port = Number(registry.url.port) || defaultPort(registry.url.protocol);
  const refused: string[] = [];
  const isRegistry = (h: string, p: number) => h === host && p === port;
  // A tunnel's sockets leave the server's bookkeeping once CONNECT is answered.
  const tunnels = new Set<net.Socket>();

  const server = http.createServer((req, res) => {
    let target: URL | undefined;
    try {
      target = new URL(req.url ?? "");
    } catch {
      target = undefined;
    }
    // A plain request names its target in absolute form; only http: passes here (https: is CONNECT).
    if (!target || target.protocol !== "http:" || !isRegistry(bare(target.hostname), Number(target.port) || 80)) {
      refused.push(target ? target.host : String(req.url).slice(0, 200));
      res.writeHead(403, { "content-type": "text/plain" }).end("not the registry");
      return;
    }
    const headers: http.OutgoingHttpHeaders = { ...req.headers, host: target.host };
    for (const h of HOP_HEADERS) delete headers[h];
    const upstream = http.request({ host: address, port, method: req.method, path: target.pathname + target.search, headers, setHost: false }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on("error", () => (res.headersSent ? res.destroy() : res.writeHead(502).end()));
    req.pipe(upstream);
  });

  server.on("connect", (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    const target = connectTarget(req.url ?? "");
    if (!target || !isRegistry(target.host, target.port)) {
      refused.push(String(req.url).slice(0, 200));
      socket.end("HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n");
      return;
    }
    // TLS runs end to end between npm and the registry; only the address it reaches is ours.
    tunnels.add(socket);
    socket.on("close", () => tunnels.delete(socket));
    const upstream = net.connect(port, address, () => {
      socket.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length > 0) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.on("error", () => socket.destroy());
    socket.on("error", () => upstream.destroy());
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port: own } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${own}/`,
    refused,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        for (const s of tunnels) s.destroy();
        server.close(() => resolve());
      }),
  };
}
