// API tokens as an operator uses them: created and revoked with the CLI, sent by the SDK client
// in a header (as Claude Code's --header does), kept only as a hash.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { cli } from "../support/cli.ts";
import { connect, rawMcp } from "../support/mcp.ts";
import { startNodeWithEverything } from "../support/node-with-everything.ts";
import { eventually, type NodeProc, type Upstream } from "../support/processes.ts";

let everything: Upstream;
let node: NodeProc;
const run = (...args: string[]) => cli(args, { MCPFED_URL: node.url, ADMIN_TOKEN: node.adminToken });

beforeAll(async () => {
  ({ node, everything } = await startNodeWithEverything({ env: { AUTHLESS: "false" } }));
});

afterAll(async () => {
  await Promise.all([node?.stop(), everything?.stop()]);
});

async function create(...args: string[]): Promise<{ id: string; secret: string; stdout: string }> {
  const r = await run("token", "create", ...args);
  expect(r.code, r.stderr).toBe(0);
  const secret = /^ {2}(mcpfed_\S+)$/m.exec(r.stdout)?.[1];
  const id = /created API token (tok_\S+)/.exec(r.stdout)?.[1];
  expect(secret).toMatch(/^mcpfed_[A-Za-z0-9_-]{20,}$/);
  expect(id).toMatch(/^tok_/);
  return { id: id!, secret: secret!, stdout: r.stdout };
}

it("creates a token with the CLI that the SDK client can use in a header", async () => {
  const { id, secret, stdout } = await create("claude-code", "--role", "dev");
  expect(stdout).toContain(`--header "Authorization: Bearer ${secret}"`);
  const client = await connect(node.mcpUrl, { authorization: `Bearer ${secret}` });
  const r = await client.callTool({ name: "everything_echo", arguments: { message: "by api token" } });
  expect(r.content).toEqual([{ type: "text", text: "Echo: by api token" }]);
  await client.close();
  await eventually(async () => {
    const log = (await (await node.admin("GET", "/invocations?limit=1")).json()).invocations;
    expect(log[0]?.caller).toBe(`token:${id}`);
  });

  const listed = await run("token", "list");
  expect(listed.stdout).toMatch(new RegExp(`${id}\\s+claude-code\\s+active\\s+mcp:read,mcp:call,mcp:grants\\s+dev`));
  expect(listed.stdout).not.toContain(secret);
});

it("keeps only a hash of the token in the store", async () => {
  const { secret } = await create("hashed");
  const files = readdirSync(node.dataDir).filter((f) => f.startsWith("node.db"));
  for (const f of files) expect(readFileSync(join(node.dataDir, f)).includes(secret.slice(7))).toBe(false);
});

it("limits a token to its scopes", async () => {
  const { secret } = await create("reader", "--scope", "mcp:read");
  const auth = { authorization: `Bearer ${secret}` };
  expect((await rawMcp(node.mcpUrl, JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }), auth)).status).toBe(200);
  const call = JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "everything_echo", arguments: { message: "x" } } });
  const res = await rawMcp(node.mcpUrl, call, auth);
  expect(res.status).toBe(403);
  expect(res.headers.get("www-authenticate")).toContain("insufficient_scope");
  const bad = await run("token", "create", "x", "--scope", "mcp:everything");
  expect(bad.code).toBe(1);
  expect(bad.stderr).toContain("scopes");
});

it("stops a revoked token at once", async () => {
  const { id, secret } = await create("short-lived");
  const auth = { authorization: `Bearer ${secret}` };
  const list = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" });
  expect((await rawMcp(node.mcpUrl, list, auth)).status).toBe(200);
  const r = await run("token", "revoke", id);
  expect(r.code, r.stderr).toBe(0);
  const res = await rawMcp(node.mcpUrl, list, auth);
  expect(res.status).toBe(401);
  expect(await res.text()).toContain("revoked");
  expect((await run("token", "revoke", "tok_nonexistent")).code).toBe(1);
});
