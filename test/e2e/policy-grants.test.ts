// Policy and permission grants end to end, through MCP with real callers: what each caller sees
// in tools/list, what it may call, and the whole life of a grant: request, approval (by the
// operator through the CLI, or by a rule), use, expiry and revocation.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { McpError } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli } from "../support/cli.ts";
import { advanceClock, movableClock } from "../support/clock.ts";
import { connect } from "../support/mcp.ts";
import { startNodeWithEverything } from "../support/node-with-everything.ts";
import { eventually, type NodeProc, type Upstream } from "../support/processes.ts";

let everything: Upstream;
let node: NodeProc;
const clients: Client[] = [];
let ops: Client;
let dev: Client;
let intern: Client;
/** How long the rule that approves weather-bot lets its grants last. */
const RULE_TTL_SECONDS = 60;

async function as(name: string, roles: string[]): Promise<Client> {
  const res = await node.admin("POST", "/tokens", { name, roles });
  const { secret } = (await res.json()) as { secret: string };
  const c = await connect(node.mcpUrl, { authorization: `Bearer ${secret}` });
  clients.push(c);
  return c;
}

async function rule(body: Record<string, unknown>) {
  const res = await node.admin("POST", "/policy/rules", body);
  expect(res.status, await res.clone().text()).toBe(201);
}

const names = async (c: Client) => (await c.listTools()).tools.map((t) => t.name);

async function refusal(p: Promise<unknown>): Promise<McpError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(McpError);
  return err as McpError;
}

type Structured = Record<string, unknown>;
const structured = async (p: Promise<unknown>) => ((await p) as { structuredContent: Structured }).structuredContent;
const sum = (c: Client, meta?: Record<string, unknown>) =>
  c.callTool({ name: "everything_get-sum", arguments: { a: 2, b: 3 }, ...(meta ? { _meta: meta } : {}) });
const structuredTool = (c: Client) => c.callTool({ name: "everything_get-structured-content", arguments: { location: "New York" } });

beforeAll(async () => {
  ({ node, everything } = await startNodeWithEverything(movableClock(2 * RULE_TTL_SECONDS, { AUTHLESS: "false" })));
  await rule({ priority: 10, effect: "allow", role: "ops", tool: "everything_echo" });
  await rule({ priority: 20, effect: "deny", tool: "everything_echo", note: "echo is for ops" });
  await rule({ effect: "grant", tool: "everything_get-sum" });
  await rule({ effect: "grant", tool: `${node.nodeId}/everything/get-structured-content` });
  await rule({ action: "request", effect: "allow", role: "dev", tool: "everything_get-structured-content", ttlSeconds: RULE_TTL_SECONDS });
  await rule({ action: "request", effect: "deny", role: "intern" });
  [ops, dev, intern] = await Promise.all([as("ops", ["ops"]), as("dev", ["dev"]), as("intern", ["intern"])]);
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await Promise.all([node?.stop(), everything?.stop()]);
});

describe("policy", () => {
  it("lists to each caller only what it may call", async () => {
    const [o, d] = await Promise.all([names(ops), names(dev)]);
    expect(o).toContain("everything_echo");
    expect(d).not.toContain("everything_echo");
    // Behind a grant: listed, so that the agent knows to ask.
    expect(d).toContain("everything_get-sum");
    expect(d).toEqual(expect.arrayContaining(["request_permission", "validate_token", "revoke_token"]));
    const found = await structured(dev.callTool({ name: "search_tools", arguments: { query: "echo" } }));
    expect((found.results as { name: string }[]).map((r) => r.name)).not.toContain("everything_echo");
    const foundByOps = await structured(ops.callTool({ name: "search_tools", arguments: { query: "echo" } }));
    expect((foundByOps.results as { name: string }[]).map((r) => r.name)).toContain("everything_echo");
  });

  it("refuses a denied call with an error that says why, by name and by id", async () => {
    expect((await ops.callTool({ name: "everything_echo", arguments: { message: "ok" } })).content).toEqual([{ type: "text", text: "Echo: ok" }]);
    const byName = await refusal(dev.callTool({ name: "everything_echo", arguments: { message: "no" } }));
    expect(byName.code).toBe(-32030);
    expect(byName.message).toMatch(/Forbidden: you may not call everything_echo: denied by rule rule_/);
    const byId = await refusal(dev.callTool({ name: "call_tool", arguments: { id: `${node.nodeId}/everything/echo`, arguments: { message: "no" } } }));
    expect(byId.code).toBe(-32030);
    await eventually(async () => {
      const audit = (await (await node.admin("GET", "/audit?action=tool.call&limit=20")).json()).entries as { decision: string; target: string }[];
      expect(audit.some((e) => e.decision === "deny" && e.target === `${node.nodeId}/everything/echo`)).toBe(true);
    });
  });
});

describe("permission grants", () => {
  /** A new caller with role dev: grants are per holder, so each test's are its own. */
  const freshDev = (name: string) => as(name, ["dev"]);

  /** What the operator's approval (CLI or admin API) hands `holder` for everything_get-sum. */
  async function approvedGrant(holder: Client): Promise<{ token: string; grantId: string }> {
    const asked = await structured(holder.callTool({ name: "request_permission", arguments: { agent_id: "report-bot", resource: "everything_get-sum", justification: "adds up" } }));
    const id = asked.request_id as string;
    expect((await node.admin("POST", `/grants/${id}/approve`, { ttlSeconds: 600 })).status).toBe(200);
    const approved = await structured(holder.callTool({ name: "request_permission", arguments: { request_id: id } }));
    expect(approved).toMatchObject({ status: "approved", grant_id: id });
    return { token: approved.token as string, grantId: id };
  }

  it("refuses a call that needs a grant, and says how to get one", async () => {
    const err = await refusal(sum(await freshDev("dev-refused")));
    expect(err.code).toBe(-32031);
    expect(err.message).toContain("request_permission");
  });

  it("leaves a request to the operator, who approves it with the CLI", async () => {
    const dev = await freshDev("dev-cli");
    const asked = await structured(
      dev.callTool({ name: "request_permission", arguments: { agent_id: "report-bot", resource: "everything_get-sum", justification: "adds up the quarterly numbers" } }),
    );
    expect(asked).toMatchObject({ status: "pending", request_id: expect.stringMatching(/^grant_/) });
    const id = asked.request_id as string;
    expect(await structured(dev.callTool({ name: "request_permission", arguments: { request_id: id } }))).toMatchObject({ status: "pending" });
    // Another caller cannot see it.
    expect((await refusal(ops.callTool({ name: "request_permission", arguments: { request_id: id } }))).message).toContain("unknown request_id");

    const env = { MCPFED_URL: node.url, ADMIN_TOKEN: node.adminToken };
    const pending = await cli(["grant", "list", "--status", "pending"], env);
    expect(pending.stdout).toContain(id);
    expect(pending.stdout).toContain("adds up the quarterly numbers");
    const approve = await cli(["grant", "approve", id, "--ttl", "600"], env);
    expect(approve.code, approve.stderr).toBe(0);

    const approved = await structured(dev.callTool({ name: "request_permission", arguments: { request_id: id } }));
    expect(approved).toMatchObject({ status: "approved", grant_id: id, resource: "everything_get-sum", decided_by: "operator" });
    expect(approved.token).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
  });

  it("lets the holder call with the grant, and nobody else", async () => {
    const dev = await freshDev("dev-holder");
    const { token, grantId } = await approvedGrant(dev);
    expect((await sum(dev)).content).toEqual([{ type: "text", text: expect.stringContaining("5") }]);
    // Passed explicitly, as a relaying peer would: still bound to its holder.
    expect((await sum(dev, { "mcpfed/grant": token })).isError).toBeFalsy();
    const stolen = await refusal(sum(ops, { "mcpfed/grant": token }));
    expect(stolen.message).toContain("belongs to another caller");
    const check = await structured(ops.callTool({ name: "validate_token", arguments: { token } }));
    expect(check).toMatchObject({ valid: true, grant_id: grantId, yours: false });
    const active = await dev.readResource({ uri: "grants://active" });
    expect(JSON.parse((active.contents[0] as { text: string }).text).grants.map((g: { id: string }) => g.id)).toEqual([grantId]);
  });

  it("ends the grant when its holder revokes it", async () => {
    const dev = await freshDev("dev-revoker");
    const { token, grantId } = await approvedGrant(dev);
    expect(await structured(ops.callTool({ name: "revoke_token", arguments: { token } }))).toMatchObject({ revoked: false });
    expect(await structured(dev.callTool({ name: "revoke_token", arguments: { token } }))).toMatchObject({ revoked: true, grant_id: grantId });
    expect((await refusal(sum(dev))).code).toBe(-32031);
    expect((await refusal(sum(dev, { "mcpfed/grant": token }))).message).toContain("revoked");
    expect(await structured(dev.callTool({ name: "validate_token", arguments: { token } }))).toMatchObject({ valid: false });
  });

  it("approves by rule when policy says so, and the grant expires on time", async () => {
    const dev = await freshDev("dev-weather");
    expect((await refusal(structuredTool(dev))).code).toBe(-32031);
    const asked = await structured(
      dev.callTool({ name: "request_permission", arguments: { agent_id: "weather-bot", resource: `${node.nodeId}/everything/get-structured-content`, justification: "forecast", ttl_seconds: 3600 } }),
    );
    expect(asked).toMatchObject({ status: "approved", resource: `${node.nodeId}/everything/get-structured-content` });
    expect(asked.decided_by).toMatch(/^rule_/);
    // The rule caps the grant at a minute.
    const expiresIn = Date.parse(asked.expires_at as string) - Date.now();
    expect(expiresIn).toBeLessThanOrEqual(RULE_TTL_SECONDS * 1000);
    expect(expiresIn).toBeGreaterThan(RULE_TTL_SECONDS * 500);
    expect((await structuredTool(dev)).isError).toBeFalsy();
    // The node's clock moves past the expiry (test/support/test-clock.mjs).
    await advanceClock(node);
    const after = await refusal(structuredTool(dev));
    expect(after.code).toBe(-32031);
    expect(await structured(dev.callTool({ name: "validate_token", arguments: { token: asked.token as string } }))).toMatchObject({ valid: false, reason: "the grant has expired" });
  });

  it("denies by rule, and denies grants for tools the caller may never call", async () => {
    const refused = await structured(intern.callTool({ name: "request_permission", arguments: { agent_id: "x", resource: "everything_get-sum", justification: "please" } }));
    expect(refused).toMatchObject({ status: "denied" });
    const never = await structured((await freshDev("dev-never")).callTool({ name: "request_permission", arguments: { agent_id: "x", resource: "everything_echo", justification: "please" } }));
    expect(never).toMatchObject({ status: "denied", reason: expect.stringContaining("denied by rule") });
  });

  it("keeps the history of a caller's grants in grants://audit, and the operator's decision in the trail", async () => {
    const dev = await freshDev("dev-history");
    const { token, grantId } = await approvedGrant(dev);
    expect(await structured(dev.callTool({ name: "revoke_token", arguments: { token } }))).toMatchObject({ revoked: true });
    await eventually(async () => {
      const res = await dev.readResource({ uri: "grants://audit" });
      const entries = JSON.parse((res.contents[0] as { text: string }).text).entries as { action: string; target: string; decision: string }[];
      const mine = entries.filter((e) => e.target === grantId).map((e) => `${e.action}:${e.decision}`);
      expect(mine.sort()).toEqual(["grant.decide:allow", "grant.request:pending", "grant.revoke:ok"]);
    });
    // Nothing of another caller's.
    const intern_ = JSON.parse(((await intern.readResource({ uri: "grants://audit" })).contents[0] as { text: string }).text).entries;
    expect(intern_.every((e: { target: string }) => e.target !== grantId)).toBe(true);
  });
});
