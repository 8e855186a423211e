// The outbound guard never follows a redirect. A loopback server answers every request with a
// redirect to a second loopback listener that counts connections; a node that may reach loopback
// (the default for a node on loopback, as in development) is pointed at the first one as an
// upstream, as a peer's card and as an OAuth client's metadata document. The second listener must
// never be contacted, and each path must say it refused a redirect. (For an upstream the MCP SDK's
// transport also declines cross-origin redirects on its own; the node's refusal is what names it.)
import { rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectionCounter, type ConnectionCounter } from "../support/connection-counter.ts";
import { authorizeUrl, LOOPBACK_REDIRECT, pkce } from "../support/oauth.ts";
import { eventually, json, startNode, type NodeProc } from "../support/processes.ts";

const STATUSES = [302, 307] as const;
let target: ConnectionCounter;
/** One redirector per status: a card is fetched from a fixed path, so the status cannot be in it. */
const redirectors = new Map<number, { server: Server; url: string }>();
let redirected = 0;
let node: NodeProc;

/** Answers every request with `status` and a Location on the target, same path. */
async function startRedirector(status: number): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    redirected++;
    res.writeHead(status, { location: `http://127.0.0.1:${target.port}${req.url ?? "/"}` }).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}` };
}

beforeAll(async () => {
  target = await connectionCounter();
  for (const status of STATUSES) redirectors.set(status, await startRedirector(status));
  node = await startNode();
}, 60_000);

afterAll(async () => {
  await node?.stop();
  if (node) rmSync(node.dataDir, { recursive: true, force: true });
  for (const { server } of redirectors.values()) server.closeAllConnections();
  await Promise.all([target?.close(), ...[...redirectors.values()].map(({ server }) => new Promise((r) => server.close(r)))]);
});

describe.each(STATUSES)("a %i redirect to another loopback listener", (status) => {
  const REFUSED = `answered with a redirect (${status}), which is not followed`;
  const from = () => redirectors.get(status)!.url;

  it("reaches the listener when a client follows it: the test's own fetch", async () => {
    target.reset();
    await fetch(`${from()}/followed`).catch(() => undefined);
    expect(target.count()).toBeGreaterThan(0);
  });

  it("is not followed for an upstream", async () => {
    target.reset();
    const before = redirected;
    const res = await node.admin("POST", "/upstreams", { name: `bounced-${status}`, kind: "http", url: `${from()}/mcp` });
    const body = await json<{ refresh: { ok: boolean; error?: string } }>(res);
    expect(redirected).toBeGreaterThan(before);
    expect(body.refresh.ok).toBe(false);
    expect(body.refresh.error).toContain(REFUSED);
    expect(target.count()).toBe(0);
  });

  it("is not followed for a peer's card", async () => {
    target.reset();
    const before = redirected;
    const res = await node.admin("POST", "/peers", { url: from() });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(await res.text()).toContain(REFUSED);
    expect(redirected).toBeGreaterThan(before);
    expect(target.count()).toBe(0);
  });

  it("is not followed for an OAuth client's metadata document", async () => {
    target.reset();
    const before = redirected;
    const clientId = `${from()}/client.json`;
    const q = { client_id: clientId, response_type: "code", redirect_uri: LOOPBACK_REDIRECT, code_challenge: pkce().challenge, code_challenge_method: "S256" };
    const res = await fetch(authorizeUrl(node.url, q));
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("could not be fetched");
    expect(redirected).toBeGreaterThan(before);
    // The reason goes to the operator's log, not to whoever named the URL.
    await eventually(async () => expect(node.output().split("\n").filter((l) => l.includes("client.json") && l.includes(REFUSED))).not.toEqual([]));
    expect(target.count()).toBe(0);
  });
});
