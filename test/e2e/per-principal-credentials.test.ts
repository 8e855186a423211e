// Per-principal upstreams, header mode: a front node reaches an upstream mcpfed node (a real process
// with API tokens of its own and an invocation log) with each caller's own credential. The upstream
// node's log shows which of its tokens each call carried.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { McpError } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, expect, it } from "vitest";
import { cli } from "../support/cli.ts";
import { connect } from "../support/mcp.ts";
import { startNodeWithEverything } from "../support/node-with-everything.ts";
import { eventually, freePort, json, ROOT, start, startNode, waitFor, type NodeProc, type Upstream } from "../support/processes.ts";

let everything: Upstream;
let upstream: NodeProc;
let front: NodeProc;
const tokens: Record<"operator" | "alice" | "bob", { id: string; secret: string }> = {} as never;
const principals: Record<"alice" | "bob" | "carol", { id: string; secret: string }> = {} as never;
const clients: Client[] = [];

async function token(node: NodeProc, name: string) {
  const body = await json<{ token: { id: string }; secret: string }>(await node.admin("POST", "/tokens", { name }));
  return { id: body.token.id, secret: body.secret };
}

async function client(secret: string): Promise<Client> {
  const c = await connect(front.mcpUrl, { authorization: `Bearer ${secret}` });
  clients.push(c);
  return c;
}

async function callError(c: Client, message: string): Promise<McpError> {
  const err = await c.callTool({ name: "shared_everything_echo", arguments: { message } }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(McpError);
  return err as McpError;
}

const connectUrl = (name: string) => `${front.url}/connect/${name}`;
const putOwn = (secret: string, value: unknown) =>
  fetch(connectUrl("shared"), { method: "PUT", headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" }, body: JSON.stringify({ value }) });

beforeAll(async () => {
  [{ node: upstream, everything }, front] = await Promise.all([
    startNodeWithEverything({ env: { AUTHLESS: "false", LOG_ARGUMENTS: "true", NODE_NAME: "upstream" } }),
    startNode({ env: { AUTHLESS: "false", NODE_NAME: "front" } }),
  ]);
  for (const n of ["operator", "alice", "bob"] as const) tokens[n] = await token(upstream, `${n} at upstream`);
  for (const n of ["alice", "bob", "carol"] as const) principals[n] = await token(front, n);
  // The operator's token lists the catalog; callers bring their own.
  const added = await front.admin("POST", "/upstreams", {
    name: "shared",
    kind: "http",
    url: upstream.mcpUrl,
    bearerToken: tokens.operator.secret,
    perPrincipal: "header:Authorization",
  });
  expect(added.status, await added.clone().text()).toBe(201);
  expect((await added.json()).upstream).toMatchObject({ perPrincipal: "header:Authorization", status: "ok" });
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => {})));
  await Promise.all([front?.stop(), upstream?.stop(), everything?.stop()]);
});

it("tells a caller without a credential where to connect one, with a URL elicitation", async () => {
  const alice = await client(principals.alice.secret);
  const err = await callError(alice, "before connecting");
  expect(err.code).toBe(-32042);
  const [elicitation] = (err.data as { elicitations: { mode: string; url: string; elicitationId: string }[] }).elicitations;
  expect(elicitation!.mode).toBe("url");
  expect(elicitation!.url.startsWith(`${connectUrl("shared")}?link=`)).toBe(true);
  expect(err.message).toContain(elicitation!.url);
  // Nothing went to the upstream: not even with the operator's listing token.
  const seen = (await json<{ invocations: { caller: string }[] }>(await upstream.admin("GET", "/invocations"))).invocations;
  expect(seen).toEqual([]);
});

it("connects through the page the link opens, for that principal only", async () => {
  const alice = await client(principals.alice.secret);
  const link = ((await callError(alice, "x")).data as { elicitations: { url: string }[] }).elicitations[0]!.url;
  const page = await fetch(link);
  expect(page.status).toBe(200);
  const html = await page.text();
  expect(html).toContain(`token:${principals.alice.id}`);
  const hidden = /name="link" value="([^"]+)"/.exec(html)![1]!;
  const passphrase = front.adminToken; // CONSENT_PASSPHRASE defaults to it
  // The link alone is not enough: the page wants the node's own sign-in.
  const unsigned = await fetch(link, { method: "POST", body: new URLSearchParams({ link: hidden, action: "save", value: "Bearer stolen", passphrase: "wrong-passphrase-123" }) });
  expect(unsigned.status).toBe(401);
  // A value with a line break is refused, and nothing is stored.
  const bad = await fetch(link, { method: "POST", body: new URLSearchParams({ link: hidden, action: "save", value: "Bearer x\r\nX-Evil: 1", passphrase }) });
  expect(bad.status).toBe(400);
  expect((await json<{ credentials: unknown[] }>(await front.admin("GET", "/upstreams/shared/credentials"))).credentials).toEqual([]);
  // A forged or altered link opens nothing.
  const forged = await fetch(connectUrl("shared"), { method: "POST", body: new URLSearchParams({ link: `${hidden}x`, action: "save", value: "Bearer y", passphrase }) });
  expect(forged.status).toBe(400);
  const saved = await fetch(link, { method: "POST", body: new URLSearchParams({ link: hidden, action: "save", value: `Bearer ${tokens.alice.secret}`, passphrase }) });
  expect(saved.status).toBe(200);
  expect(await saved.text()).not.toContain(tokens.alice.secret);
  const listed = (await json<{ credentials: { principal: string }[] }>(await front.admin("GET", "/upstreams/shared/credentials"))).credentials;
  expect(listed.map((c) => c.principal)).toEqual([`token:${principals.alice.id}`]);
});

it("connects with the caller's own bearer token too", async () => {
  const r = await putOwn(principals.bob.secret, `Bearer ${tokens.bob.secret}`);
  expect(r.status).toBe(200);
  expect(await r.text()).not.toContain(tokens.bob.secret);
  expect((await putOwn("mcpfed_not-a-real-token-000000000000", "Bearer z")).status).toBe(401);
});

it("shows the upstream each caller's own credential, never another's", async () => {
  const [alice, bob] = await Promise.all([client(principals.alice.secret), client(principals.bob.secret)]);
  const calls = Array.from({ length: 6 }, (_, i) => [
    alice.callTool({ name: "shared_everything_echo", arguments: { message: `alice-${i}` } }),
    bob.callTool({ name: "shared_everything_echo", arguments: { message: `bob-${i}` } }),
  ]).flat();
  const results = await Promise.all(calls);
  for (const r of results) expect(r.isError).toBeFalsy();
  const log = await eventually(async () => {
    const rows = (await json<{ invocations: { caller: string; arguments: { message: string } }[] }>(await upstream.admin("GET", "/invocations"))).invocations;
    expect(rows.length).toBe(12);
    return rows;
  });
  const by = (who: "alice" | "bob") => log.filter((r) => r.caller === `token:${tokens[who].id}`).map((r) => r.arguments.message).sort();
  expect(by("alice")).toEqual(Array.from({ length: 6 }, (_, i) => `alice-${i}`).sort());
  expect(by("bob")).toEqual(Array.from({ length: 6 }, (_, i) => `bob-${i}`).sort());
  expect(log.some((r) => r.caller === `token:${tokens.operator.id}`)).toBe(false);
});

it("keeps the credentials sealed: not in the database files, the logs or the admin API", async () => {
  const files = readdirSync(front.dataDir).filter((f) => f.startsWith("node.db"));
  expect(files.length).toBeGreaterThan(0);
  for (const f of files) {
    const bytes = readFileSync(join(front.dataDir, f));
    for (const who of ["alice", "bob"] as const) expect(bytes.includes(tokens[who].secret.slice(7))).toBe(false);
  }
  const api = await (await front.admin("GET", "/upstreams/shared/credentials")).text();
  for (const who of ["alice", "bob"] as const) {
    expect(front.output()).not.toContain(tokens[who].secret.slice(7));
    expect(api).not.toContain(tokens[who].secret.slice(7));
  }
});

it("lets the principal and the operator revoke, at once", async () => {
  const [alice, bob] = await Promise.all([client(principals.alice.secret), client(principals.bob.secret)]);
  const del = await fetch(connectUrl("shared"), { method: "DELETE", headers: { authorization: `Bearer ${principals.alice.secret}` } });
  expect(del.status).toBe(204);
  expect((await callError(alice, "after revoking")).code).toBe(-32042);

  const run = (...args: string[]) => cli(args, { MCPFED_URL: front.url, ADMIN_TOKEN: front.adminToken });
  const listed = await run("upstream", "credentials", "shared");
  expect(listed.code, listed.stderr).toBe(0);
  expect(listed.stdout).toContain(`token:${principals.bob.id}`);
  const revoked = await run("upstream", "revoke-credential", "shared", `token:${principals.bob.id}`);
  expect(revoked.code, revoked.stderr).toBe(0);
  expect((await callError(bob, "after the operator revoked")).code).toBe(-32042);
  expect((await run("upstream", "revoke-credential", "shared", `token:${principals.bob.id}`)).code).toBe(1);
});

it("never falls back to the operator's listing credential", async () => {
  const carol = await client(principals.carol.secret);
  expect((await callError(carol, "no credential")).code).toBe(-32042);
  const before = (await json<{ invocations: unknown[] }>(await upstream.admin("GET", "/invocations"))).invocations.length;
  expect(before).toBe(12);
});

it("asks a caller whose own credential the upstream refuses to connect again, and keeps the upstream up", async () => {
  expect((await putOwn(principals.carol.secret, "Bearer mcpfed_not-a-token-at-the-upstream-0000")).status).toBe(200);
  const carol = await client(principals.carol.secret);
  const err = await callError(carol, "with a refused credential");
  expect(err.code).toBe(-32042);
  expect(err.message).toContain('upstream "shared" refused your credential: open');
  const row = (await json<{ upstream: { status: string } }>(await front.admin("GET", "/upstreams/shared"))).upstream;
  expect(row.status).toBe("ok");
  const bob = await client(principals.bob.secret);
  expect((await putOwn(principals.bob.secret, `Bearer ${tokens.bob.secret}`)).status).toBe(200);
  expect((await bob.callTool({ name: "shared_everything_echo", arguments: { message: "still fine" } })).isError).toBeFalsy();
});

it("keeps a caller's own credential out of errors and logs when the upstream repeats it", async () => {
  const port = await freePort();
  const echo = start(process.execPath, ["--import", "tsx", join(ROOT, "test/support/header-echo-server.ts")], { PORT: String(port) });
  try {
    const url = `http://127.0.0.1:${port}/mcp`;
    await waitFor(async () => (await fetch(url, { method: "GET" })).status > 0, "header-echo server", echo);
    const added = await front.admin("POST", "/upstreams", { name: "echo", kind: "http", url, perPrincipal: "header:X-Api-Key" });
    expect(added.status).toBe(201);
    const key = "carols-own-key-7f3a9c";
    const put = await fetch(connectUrl("echo"), {
      method: "PUT",
      headers: { authorization: `Bearer ${principals.carol.secret}`, "content-type": "application/json" },
      body: JSON.stringify({ value: key }),
    });
    expect(put.status).toBe(200);
    const carol = await client(principals.carol.secret);
    const err = await carol.callTool({ name: "echo_leak", arguments: {} }).then(
      () => undefined,
      (e: unknown) => e as McpError,
    );
    // The upstream did get the key (its error names a key), and the caller sees it redacted.
    expect(err?.message).toContain("rejected key [redacted]");
    expect(err?.message).not.toContain(key);
    const log = await eventually(async () => {
      const text = await (await front.admin("GET", "/invocations")).text();
      expect(text).toContain("echo_leak");
      return text;
    });
    expect(log).not.toContain(key);
    expect(front.output()).not.toContain(key);
  } finally {
    await echo.stop();
  }
});
