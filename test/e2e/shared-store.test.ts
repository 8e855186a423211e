// Two node processes on one libSQL file, as isolates of a stateless deployment share one store:
// rate limits hold under a burst spread over both, and the audit trail stays one unbroken chain.
// Tampering with a stored row is then caught by `mcpfed audit verify`.
import { createClient, type Client as LibsqlClient } from "@libsql/client";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli } from "../support/cli.ts";
import { rawMcp } from "../support/mcp.ts";
import { eventually, startEverything, startNode, tempDir, type NodeProc, type Upstream } from "../support/processes.ts";

let everything: Upstream;
let a: NodeProc;
let b: NodeProc;
let db: LibsqlClient;

let nextId = 1;
function call(node: NodeProc, name: string, args: Record<string, unknown>) {
  return rawMcp(node.mcpUrl, JSON.stringify({ jsonrpc: "2.0", id: nextId++, method: "tools/call", params: { name, arguments: args } })).then(
    async (r) => (await r.json()) as { result?: unknown; error?: { code: number; message: string; data?: { retryAfterSeconds?: number } } },
  );
}

const verify = (node: NodeProc) => cli(["audit", "verify"], { MCPFED_URL: node.url, ADMIN_TOKEN: node.adminToken });

const count = async (query: string) => Number((await db.execute(query)).rows[0]!.n);

beforeAll(async () => {
  const dataDir = tempDir("mcpfed-shared-");
  everything = await startEverything();
  a = await startNode({ dataDir });
  b = await startNode({ dataDir }); // the same database and node seed
  expect((await a.admin("POST", "/upstreams", { name: "everything", kind: "http", url: everything.url })).status).toBe(201);
  db = createClient({ url: `file:${join(dataDir, "node.db")}`, timeout: 5000 });
});

afterAll(async () => {
  db?.close();
  await Promise.all([a?.stop(), b?.stop(), everything?.stop()]);
});

describe("rate limits across processes", () => {
  beforeAll(async () => {
    expect((await a.admin("POST", "/limits", { tool: "everything_echo", windowSeconds: 600, maxRequests: 10 })).status).toBe(201);
    expect((await b.admin("POST", "/limits", { tool: "everything_trigger-long-running-operation", maxConcurrent: 2 })).status).toBe(201);
  });

  it("let exactly the quota through a burst from both processes", async () => {
    const burst = await Promise.all(Array.from({ length: 30 }, (_, i) => call(i % 2 ? a : b, "everything_echo", { message: `m${i}` })));
    const ok = burst.filter((r) => r.result);
    const limited = burst.filter((r) => r.error?.code === -32032);
    expect(ok).toHaveLength(10);
    expect(limited).toHaveLength(20);
    const retry = limited[0]!.error!.data!.retryAfterSeconds!;
    expect(retry).toBeGreaterThan(0);
    // Until the burst leaves the sliding window: its length plus at most one slot (a fiftieth).
    expect(retry).toBeLessThanOrEqual(600 + 600 / 50);
    expect(limited[0]!.error!.message).toMatch(/retry after \d+ s/);
  });

  it("hold the concurrency limit across processes, and free it when calls end", async () => {
    const slow = () => call(Math.random() < 0.5 ? a : b, "everything_trigger-long-running-operation", { duration: 1, steps: 1 });
    const burst = await Promise.all(Array.from({ length: 6 }, slow));
    expect(burst.filter((r) => r.result)).toHaveLength(2);
    expect(burst.filter((r) => r.error?.code === -32032)).toHaveLength(4);
    // Leases are released after the response.
    await eventually(async () => expect(await count("SELECT count(*) AS n FROM rate_leases")).toBe(0));
    const again = await Promise.all([slow(), slow()]);
    expect(again.every((r) => r.result)).toBe(true);
  });
});

describe("the audit trail", () => {
  it("stays one chain while both processes append at once", async () => {
    const actions = Array.from({ length: 40 }, (_, i) =>
      (i % 2 ? a : b).admin("POST", "/policy/rules", { effect: "allow", tool: `nothing-${i}`, note: "burst" }),
    );
    expect((await Promise.all(actions)).every((r) => r.status === 201)).toBe(true);
    const rules = "SELECT count(*) AS n FROM audit_log WHERE action = 'admin.POST /policy/rules'";
    await eventually(async () => expect(await count(rules)).toBe(40), 10_000);
    const r = await verify(b);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/intact/);
    expect(r.stdout).toMatch(new RegExp(`entries:\\s+${await count("SELECT count(*) AS n FROM audit_log")}\\n`));
    expect(await count(rules)).toBe(40);
  });

  it("records who did what, and never a secret", async () => {
    // Rows of each kind, made here: an operator's action, an allowed call, and a refused one.
    expect((await a.admin("POST", "/limits", { tool: "everything_get-sum", windowSeconds: 600, maxRequests: 1 })).status).toBe(201);
    await eventually(async () => expect((await call(b, "everything_get-sum", { a: 1, b: 2 })).error?.code).toBe(-32032), 10_000);
    await eventually(async () => {
      const rows = (await db.execute("SELECT actor, action, decision FROM audit_log")).rows;
      expect(rows.some((r) => r.actor === "anonymous" && r.action === "tool.call" && r.decision === "deny")).toBe(true);
    });
    const rows = (await db.execute("SELECT actor, action, decision, reason, details FROM audit_log")).rows;
    expect(rows.some((r) => r.actor === "operator" && r.action === "admin.POST /limits" && r.decision === "ok")).toBe(true);
    expect(rows.some((r) => r.actor === "anonymous" && r.action === "tool.call" && r.decision === "deny")).toBe(true);
    expect(rows.some((r) => r.action === "tool.call" && r.decision === "allow")).toBe(true);
    const text = JSON.stringify(rows);
    expect(text).not.toContain(a.adminToken);
    expect(text).not.toContain('"message"'); // no tool arguments unless the operator opts in
  });

  it("detects one altered row", async () => {
    await db.execute("UPDATE audit_log SET reason = 'nothing happened' WHERE seq = 5");
    const r = await verify(a);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/BROKEN/);
    expect(r.stdout).toMatch(/first bad entry: 5/);
    expect(r.stdout).toMatch(/entry 5 was altered/);
  });

  it("detects a removed row", async () => {
    await db.execute("DELETE FROM audit_log WHERE seq = 3");
    const r = await verify(a);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/entry 3 is missing/);
  });
});
