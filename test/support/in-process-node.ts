// A node served in this process on loopback (startLocal, createApp, @hono/node-server), with
// its admin API at hand and room for an MCP client: for tests that need several nodes peered
// but not separate processes.
import { serve, type ServerType } from "@hono/node-server";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { Server } from "node:http";
import { expect } from "vitest";
import { createApp, type NodeApp } from "../../src/http/app.ts";
import { newSeed } from "../../src/protocol/identity/seed.ts";
import { startLocal, type LocalStart } from "../../src/runtimes/local.ts";
import { eventually, freePort, json, removeTempDirs, tempDir } from "./processes.ts";

export interface InProcessNode {
  local: LocalStart;
  app: NodeApp;
  port: number;
  server: ServerType;
  id: string;
  client: Client;
  admin(method: string, path: string, body?: unknown): Promise<Response>;
}

/** Serves a node's app on a loopback port (again, after closeServer). */
export const listen = (app: NodeApp, port: number): ServerType => serve({ fetch: app.app.fetch, port, hostname: "127.0.0.1" });

/** `env` adds to or overrides the node's settings; `serveWith` wraps the app's fetch (to watch its traffic). */
export async function inProcessNode(
  name: string,
  token: string,
  o: { env?: Record<string, string>; serveWith?: (fetch: NodeApp["app"]["fetch"]) => NodeApp["app"]["fetch"] } = {},
): Promise<InProcessNode> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const local = await startLocal({ DATA_DIR: tempDir(`mcpfed-${name}-`), ADMIN_TOKEN: token, NODE_SEED: newSeed(), TICK_SECONDS: "3600", NODE_NAME: name, PUBLIC_URL: url, PEER_POLICY: "open", ...o.env });
  const app = await createApp({ config: local.config, db: local.db, platform: { requestScopedIo: false, standingStreams: true, fetch } });
  const server = o.serveWith ? serve({ fetch: o.serveWith(app.app.fetch), port, hostname: "127.0.0.1" }) : listen(app, port);
  const admin = (method: string, path: string, body?: unknown) =>
    fetch(`${url}/admin${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const { id } = await json<{ id: string }>(await admin("GET", "/identity"));
  return { local, app, port, server, id, admin, client: undefined as unknown as Client };
}

/** Closes the server and every connection to it (an MCP client's open stream included). */
export function closeServer(server: ServerType): Promise<void> {
  const done = new Promise<void>((r) => server.close(() => r()));
  (server as Server).closeAllConnections();
  return done;
}

/** Peers `a` with `b` and waits until each holds the other as active. */
export async function peerPair(a: InProcessNode, b: InProcessNode): Promise<void> {
  await json(await a.admin("POST", "/peers", { url: `http://127.0.0.1:${b.port}` }));
  for (const m of [a, b])
    await eventually(async () => {
      const { peers } = await json<{ peers: { state: string }[] }>(await m.admin("GET", "/peers"));
      expect(peers.filter((p) => p.state === "active")).toHaveLength(1);
    }, 20_000);
}

/** Closes every node's MCP client and server, then removes the temporary folders. */
export async function stopAll(nodes: readonly InProcessNode[]): Promise<void> {
  for (const m of nodes) {
    await m.client?.close().catch(() => {});
    await closeServer(m.server).catch(() => {});
  }
  removeTempDirs();
}
