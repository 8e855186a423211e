// Per-principal upstreams, OAuth mode: the upstream is another mcpfed node (a real process, its own
// OAuth 2.1 authorization server with a consent page). Each principal of the front node authorizes
// the front node, as an OAuth client of its own, at the upstream's server; the upstream's
// invocation log shows which OAuth client each call came from.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { McpError } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, expect, it } from "vitest";
import { connect } from "../support/mcp.ts";
import { consent, PASSPHRASE, redirectParams } from "../support/oauth.ts";
import { startNodeWithEverything } from "../support/node-with-everything.ts";
import { eventually, json, startNode, type NodeProc, type Upstream } from "../support/processes.ts";

let everything: Upstream;
let upstream: NodeProc;
let front: NodeProc;
const principals: Record<"alice" | "bob", { id: string; secret: string }> = {} as never;
const clients: Client[] = [];
const TOOL = "oauthed_everything_echo";

async function token(node: NodeProc, name: string) {
  const body = await json<{ token: { id: string }; secret: string }>(await node.admin("POST", "/tokens", { name }));
  return { id: body.token.id, secret: body.secret };
}

async function client(who: "alice" | "bob"): Promise<Client> {
  const c = await connect(front.mcpUrl, { authorization: `Bearer ${principals[who].secret}` });
  clients.push(c);
  return c;
}

async function connectLink(c: Client): Promise<string> {
  const err = await c.callTool({ name: TOOL, arguments: { message: "x" } }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(McpError);
  expect((err as McpError).code).toBe(-32042);
  return ((err as McpError).data as { elicitations: { url: string }[] }).elicitations[0]!.url;
}

/** What the person does: opens the link, continues, approves at the upstream, comes back. */
async function authorize(link: string): Promise<Response> {
  const page = await (await fetch(link)).text();
  const hidden = /name="link" value="([^"]+)"/.exec(page)![1]!;
  const next = await fetch(link, { method: "POST", body: new URLSearchParams({ link: hidden, action: "authorize", passphrase: front.adminToken }) });
  expect(next.status).toBe(200);
  const href = /id="authorize" href="([^"]+)"/.exec(await next.text())![1]!.replaceAll("&amp;", "&");
  expect(href.startsWith(`${upstream.url}/oauth/authorize?`)).toBe(true);
  const approved = await consent(href);
  const back = new URL(approved.headers.get("location")!);
  expect(back.href.startsWith(`${front.url}/connect/oauthed/callback?`)).toBe(true);
  expect(redirectParams(approved).get("code")).toMatch(/^[A-Za-z0-9_-]{43}$/);
  return fetch(back);
}

beforeAll(async () => {
  [{ node: upstream, everything }, front] = await Promise.all([
    startNodeWithEverything({ env: { AUTHLESS: "false", LOG_ARGUMENTS: "true", CONSENT_PASSPHRASE: PASSPHRASE, NODE_NAME: "upstream" } }),
    startNode({ env: { AUTHLESS: "false", NODE_NAME: "front" } }),
  ]);
  const lister = await token(upstream, "catalog listing");
  for (const n of ["alice", "bob"] as const) principals[n] = await token(front, n);
  const added = await front.admin("POST", "/upstreams", { name: "oauthed", kind: "http", url: upstream.mcpUrl, bearerToken: lister.secret, perPrincipal: "oauth" });
  expect(added.status, await added.clone().text()).toBe(201);
  expect((await added.json()).upstream).toMatchObject({ perPrincipal: "oauth", status: "ok" });
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => {})));
  await Promise.all([front?.stop(), upstream?.stop(), everything?.stop()]);
});

it("authorizes each principal at the upstream's own server, and calls with its own token", async () => {
  const [alice, bob] = await Promise.all([client("alice"), client("bob")]);
  for (const c of [alice, bob]) {
    const done = await authorize(await connectLink(c));
    expect(done.status, await done.clone().text()).toBe(200);
    expect(await done.text()).toContain("Connected");
  }
  const results = await Promise.all(
    Array.from({ length: 4 }, (_, i) => [
      alice.callTool({ name: TOOL, arguments: { message: `alice-${i}` } }),
      bob.callTool({ name: TOOL, arguments: { message: `bob-${i}` } }),
    ]).flat(),
  );
  for (const r of results) expect(r.isError).toBeFalsy();

  // The upstream registered one OAuth client per principal, named for it.
  const registered = (await json<{ clients: { clientId: string; name: string }[] }>(await upstream.admin("GET", "/clients"))).clients;
  const clientOf = (who: "alice" | "bob") => registered.find((c) => c.name.endsWith(`for token:${principals[who].id}`))!.clientId;
  expect(clientOf("alice")).not.toBe(clientOf("bob"));
  const log = await eventually(async () => {
    const rows = (await json<{ invocations: { caller: string; arguments: { message: string } }[] }>(await upstream.admin("GET", "/invocations"))).invocations;
    expect(rows.length).toBe(8);
    return rows;
  });
  for (const who of ["alice", "bob"] as const) {
    const seen = log.filter((r) => r.caller === `client:${clientOf(who)}`).map((r) => r.arguments.message).sort();
    expect(seen).toEqual(Array.from({ length: 4 }, (_, i) => `${who}-${i}`).sort());
  }
});

it("refuses a callback whose state is not the authorization under way", async () => {
  const alice = await client("alice");
  // alice is connected; a link is still obtainable by revoking first.
  expect((await fetch(`${front.url}/connect/oauthed`, { method: "DELETE", headers: { authorization: `Bearer ${principals.alice.secret}` } })).status).toBe(204);
  const link = await connectLink(alice);
  const state = new URL(link).searchParams.get("link")!;
  // The link itself is not a state: it names no authorization under way.
  const forged = await fetch(`${front.url}/connect/oauthed/callback?code=abc&state=${encodeURIComponent(state)}`);
  expect(forged.status).toBe(400);
  expect((await json<{ credentials: unknown[] }>(await front.admin("GET", "/upstreams/oauthed/credentials"))).credentials).toHaveLength(1);
});

it("keeps tokens sealed: not in the front node's database files", async () => {
  const files = readdirSync(front.dataDir).filter((f) => f.startsWith("node.db"));
  for (const f of files) {
    const bytes = readFileSync(join(front.dataDir, f)).toString("latin1");
    expect(bytes).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/); // no access token (a JWT)
    expect(bytes).not.toContain("refresh_token");
  }
});

it("lets a principal disconnect, and get a connect link, from its MCP client", async () => {
  const bob = await client("bob");
  const listed = (await bob.listTools()).tools.map((t) => t.name);
  expect(listed).toContain("upstream_credential");
  await bob.callTool({ name: TOOL, arguments: { message: "still connected" } });
  const off = await bob.callTool({ name: "upstream_credential", arguments: { upstream: "oauthed", action: "disconnect" } });
  expect(off.content).toEqual([{ type: "text", text: "Your credential for oauthed is removed." }]);
  await connectLink(bob);
  const on = await bob.callTool({ name: "upstream_credential", arguments: { upstream: "oauthed", action: "connect" } });
  const link = /Open (\S+) to connect/.exec((on.content as { text: string }[])[0]!.text)![1]!;
  expect((await authorize(link)).status).toBe(200);
  const r = await bob.callTool({ name: TOOL, arguments: { message: "back again" } });
  expect(r.isError).toBeFalsy();
  // A name that is no per-principal upstream is refused.
  const refused = await bob.callTool({ name: "upstream_credential", arguments: { upstream: "nope", action: "connect" } }).catch((e: unknown) => e);
  expect(refused).toBeInstanceOf(McpError);
});
