// Issue 10, finding 2(b): the SSRF guard checks the address a name resolves to, not only the name.
// A name that resolves to loopback (a hosts-file entry, injected into the node process by
// test/support/hosts-override.mjs) reaches nothing through any outbound path of a node that does
// not allow private URLs, on Node and on Deno. The target is a TCP server on loopback that counts
// connections: none may arrive.
import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { connectionCounter, type ConnectionCounter } from "../support/connection-counter.ts";
import { authorizeUrl, LOOPBACK_REDIRECT, pkce } from "../support/oauth.ts";
import { ROOT, startNode, type NodeProc } from "../support/processes.ts";
import { startDenoNode } from "../support/runtimes.ts";

const HOSTS_OVERRIDE = join(ROOT, "test/support/hosts-override.mjs");
const env = { ALLOW_PRIVATE_URLS: "false", MCPFED_TEST_HOSTS: "rebind.mcpfed.test=127.0.0.1" };

const runtimes = {
  node: () => startNode({ env: { ...env, NODE_OPTIONS: `--import=${HOSTS_OVERRIDE}` } }),
  deno: () => startDenoNode({ env, flags: ["--preload", HOSTS_OVERRIDE] }),
};

let target: ConnectionCounter;
let port: number;
const connections = () => target.count();

beforeAll(async () => {
  target = await connectionCounter();
  port = target.port;
});

afterAll(() => target.close());

describe.each(Object.entries(runtimes))("on %s, a name that resolves to loopback", (_runtime, startRuntime) => {
  let node: NodeProc;

  beforeAll(async () => {
    node = await startRuntime();
    target.reset();
  }, 90_000);

  afterAll(async () => {
    await node?.stop();
    if (node) rmSync(node.dataDir, { recursive: true, force: true });
  });

  test("is not fetched as a client metadata document", async () => {
    const clientId = `https://rebind.mcpfed.test:${port}/client.json`;
    const q = { client_id: clientId, response_type: "code", redirect_uri: LOOPBACK_REDIRECT, code_challenge: pkce().challenge, code_challenge_method: "S256" };
    const res = await fetch(authorizeUrl(node.url, q));
    expect(connections()).toBe(0);
    expect(res.status).toBe(400);
    // The stranger naming the URL learns nothing of why; the operator's log says.
    const page = await res.text();
    expect(page).toContain("could not be fetched");
    expect(page).not.toContain("127.0.0.1");
    expect(node.output()).toContain("127.0.0.1 is loopback");
  });

  test("is not connected to as an upstream", async () => {
    const res = await node.admin("POST", "/upstreams", { name: "rebound", kind: "http", url: `http://rebind.mcpfed.test:${port}/mcp` });
    expect(connections()).toBe(0);
    const body = (await res.json()) as { refresh: { ok: boolean; error?: string } };
    expect(body.refresh.ok).toBe(false);
    expect(body.refresh.error).toContain("127.0.0.1 is loopback");
  });

  test("is not asked for its card as a peer", async () => {
    const res = await node.admin("POST", "/peers", { url: `http://rebind.mcpfed.test:${port}` });
    expect(connections()).toBe(0);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(await res.text()).toContain("127.0.0.1 is loopback");
  });

  test("is refused by name when written as a local name, whatever its spelling", async () => {
    for (const host of ["localhost.", "LocalHost", "foo.localhost.", "metadata.google.internal.", "printer.local"]) {
      const res = await node.admin("POST", "/peers", { url: `http://${host}:${port}` });
      expect(connections(), host).toBe(0);
      expect(await res.text(), host).toContain("local host names are not allowed");
    }
  });
});
