// Configuration as code (docs/protocol.md §19.3) through the admin API of two in-process nodes
// over embedded libSQL files, with server-everything (streamable HTTP) as the real upstream: the
// export names secrets and carries none; a node plans nothing against its own file; a fresh node
// refuses a stranger's file until told to trust it, plans every area, and a dry run changes
// nothing; apply makes it match (a second plan is empty, a second apply does nothing); an altered
// file is refused; what the file leaves out is kept unless pruned.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp, type NodeApp } from "../../src/http/app.ts";
import { newSeed } from "../../src/protocol/identity/seed.ts";
import { startLocal, type LocalStart } from "../../src/runtimes/local.ts";
import { removeTempDirs, startEverything, tempDir, type Upstream } from "../support/processes.ts";

const TOKEN = "config-test-admin-token-0123";
const API_KEY = "k-config-test-secret-7f3a9c";

interface Node {
  local: LocalStart;
  app: NodeApp;
  admin(method: string, path: string, body?: unknown): Promise<Response>;
  get<T>(path: string): Promise<T>;
}

interface Change {
  area: string;
  action: string;
  key: string;
  blocked?: string;
  note?: string;
}
interface Plan {
  changes: Change[];
  kept: { area: string; key: string }[];
}

const opened: Node[] = [];
let everything: Upstream;

async function node(): Promise<Node> {
  const local = await startLocal({ DATA_DIR: tempDir("mcpfed-config-"), ADMIN_TOKEN: TOKEN, NODE_SEED: newSeed(), TICK_SECONDS: "3600" });
  const app = await createApp({ config: local.config, db: local.db, platform: { requestScopedIo: false, standingStreams: true, fetch } });
  const admin = async (method: string, path: string, body?: unknown) =>
    app.app.request(`http://127.0.0.1/admin${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const get = async <T>(path: string) => (await (await admin("GET", path)).json()) as T;
  const n = { local, app, admin, get };
  opened.push(n);
  return n;
}

async function ok<T>(res: Promise<Response>, status = 200): Promise<T> {
  const r = await res;
  const text = await r.text();
  expect(r.status, text).toBe(status);
  return JSON.parse(text) as T;
}

const plan = async (n: Node, body: Record<string, unknown>) => (await ok<{ plan: Plan }>(n.admin("POST", "/config/plan", body))).plan;
const toolsOf = async (n: Node) => (await n.get<{ tools: { name: string; upstreamName: string; hidden: boolean; pinned: boolean }[] }>("/tools")).tools.map((t) => ({ name: t.name, tool: t.upstreamName, hidden: t.hidden, pinned: t.pinned }));
const rulesOf = async (n: Node) => (await n.get<{ rules: Record<string, unknown>[] }>("/policy/rules")).rules.map(({ id: _id, ...r }) => r);
const limitsOf = async (n: Node) => (await n.get<{ limits: Record<string, unknown>[] }>("/limits")).limits.map(({ id: _id, createdAt: _c, ...l }) => l);
const sharesOf = async (n: Node) => (await n.get<{ shares: { key: string; visibility: string; version: string }[] }>("/shares")).shares.map((s) => ({ key: s.key, visibility: s.visibility, version: s.version }));

let a: Node;
let b: Node;
let exported: string;
let aId: string;

beforeAll(async () => {
  everything = await startEverything();
  [a, b] = await Promise.all([node(), node()]);
  aId = (await a.get<{ id: string }>("/identity")).id;
  await ok(a.admin("POST", "/upstreams", { name: "everything", kind: "http", url: everything.url, headers: { "X-Api-Key": API_KEY } }), 201);
  await ok(a.admin("PATCH", "/tools/everything_echo", { name: "say" }));
  await ok(a.admin("PATCH", "/tools/everything_get-sum", { hidden: true, pinned: true }));
  await ok(a.admin("POST", "/shares", { tool: "say", visibility: "peers", version: "1.2.0" }), 201);
  await ok(a.admin("POST", "/policy/rules", { effect: "deny", tool: "everything_get-env", priority: 10, note: "no environment" }), 201);
  await ok(a.admin("POST", "/limits", { subjectKind: "api-token", windowSeconds: 60, maxRequests: 30 }), 201);
  exported = await (await a.admin("GET", "/config")).text();
}, 60_000);

afterAll(async () => {
  for (const n of opened) {
    await n.app.close();
    n.local.client.close();
  }
  everything?.stop();
  removeTempDirs();
});

describe("configuration as code between two nodes", () => {
  it("exports every area, names the upstream's secret and carries no secret value", () => {
    expect(exported).not.toContain(API_KEY);
    const doc = JSON.parse(exported) as { nodeId: string; created: number; config: Record<string, unknown[]> };
    expect(doc.nodeId).toBe(aId);
    expect(Math.abs(doc.created - Date.now() / 1000)).toBeLessThan(600);
    expect(doc.config.upstreams).toEqual([{ name: "everything", kind: "http", url: everything.url, headers: { "X-Api-Key": { secret: "EVERYTHING_X_API_KEY" } } }]);
    expect(doc.config.tools).toContainEqual({ upstream: "everything", tool: "echo", name: "say", hidden: false, pinned: false });
    expect(doc.config.tools).toContainEqual({ upstream: "everything", tool: "get-sum", name: "everything_get-sum", hidden: true, pinned: true });
    expect(doc.config.shares).toEqual([expect.objectContaining({ key: "everything/echo", visibility: "peers", version: "1.2.0" })]);
    expect(doc.config.policy).toEqual([{ priority: 10, action: "call", effect: "deny", tool: "everything_get-env", note: "no environment" }]);
    expect(doc.config.limits).toEqual([{ subjectKind: "api-token", windowSeconds: 60, maxRequests: 30 }]);
    // One item a line: the upstream's line holds the whole upstream.
    expect(exported.split("\n").filter((l) => l.includes('"name":"everything"'))).toHaveLength(1);
  });

  it("plans nothing on the node that exported it", async () => {
    expect(await plan(a, { file: exported })).toEqual({ changes: [], kept: [], prune: false });
  });

  it("refuses another node's file unless its signer is trusted", async () => {
    const refused = await ok<{ error: { code: string } }>(b.admin("POST", "/config/plan", { file: exported }), 422);
    expect(refused.error.code).toBe("untrusted_signer");
    const wrong = await ok<{ error: { code: string } }>(b.admin("POST", "/config/plan", { file: exported, trustSigner: "a".repeat(32) }), 422);
    expect(wrong.error.code).toBe("untrusted_signer");
  });

  it("dry run: plans every area on a fresh node, blocks the upstream without its secret, and changes nothing", async () => {
    const p = await plan(b, { file: exported, trustSigner: aId });
    const upstream = p.changes.find((c) => c.area === "upstreams")!;
    expect(upstream).toMatchObject({ action: "add", key: "everything", blocked: "secrets not given: EVERYTHING_X_API_KEY" });
    expect(p.changes.find((c) => c.key === "everything/echo" && c.area === "tools")).toMatchObject({ action: "update", note: "once everything lists it" });
    expect(p.changes.filter((c) => c.area !== "tools").map((c) => `${c.area} ${c.action}`)).toEqual(["upstreams add", "shares add", "policy add", "limits add"]);
    const withSecret = await plan(b, { file: exported, trustSigner: aId, secretNames: ["EVERYTHING_X_API_KEY"] });
    expect(withSecret.changes.find((c) => c.area === "upstreams")!.blocked).toBeUndefined();
    expect((await b.get<{ upstreams: unknown[] }>("/upstreams")).upstreams).toEqual([]);
    expect(await rulesOf(b)).toEqual([]);
    expect(await limitsOf(b)).toEqual([]);
  });

  it("refuses an altered file with bad_signature, and a file holding a secret value with secret_value", async () => {
    const altered = exported.replace('"effect":"deny"', '"effect":"allow"');
    expect(altered).not.toBe(exported);
    const res = await ok<{ error: { code: string } }>(b.admin("POST", "/config/apply", { file: altered, trustSigner: aId }), 422);
    expect(res.error.code).toBe("bad_signature");
    const leaked = exported.replace('{"secret":"EVERYTHING_X_API_KEY"}', JSON.stringify(API_KEY));
    const res2 = await ok<{ error: { code: string } }>(b.admin("POST", "/config/apply", { file: leaked, trustSigner: aId }), 422);
    expect(res2.error.code).toBe("secret_value");
    expect((await b.get<{ upstreams: unknown[] }>("/upstreams")).upstreams).toEqual([]);
  });

  it("applies the file: the node then matches it, a second plan is empty and a second apply does nothing", async () => {
    const applied = await ok<{ outcomes: { ok: boolean; error?: string; change: Change }[] }>(b.admin("POST", "/config/apply", { file: exported, trustSigner: aId, secrets: { EVERYTHING_X_API_KEY: API_KEY } }));
    expect(applied.outcomes.filter((o) => !o.ok)).toEqual([]);
    expect(applied.outcomes.length).toBeGreaterThan(4);
    expect(JSON.stringify(applied)).not.toContain(API_KEY);

    expect(await plan(b, { file: exported, trustSigner: aId })).toEqual({ changes: [], kept: [], prune: false });
    expect(await toolsOf(b)).toEqual(await toolsOf(a));
    expect(await rulesOf(b)).toEqual(await rulesOf(a));
    expect(await limitsOf(b)).toEqual(await limitsOf(a));
    expect(await sharesOf(b)).toEqual(await sharesOf(a));
    // The header went through with its value: B's own export names it as A's did.
    const fromB = JSON.parse(await (await b.admin("GET", "/config")).text()) as { config: unknown };
    expect(fromB.config).toEqual((JSON.parse(exported) as { config: unknown }).config);

    const again = await ok<{ outcomes: unknown[] }>(b.admin("POST", "/config/apply", { file: exported, trustSigner: aId, secrets: { EVERYTHING_X_API_KEY: API_KEY } }));
    expect(again.outcomes).toEqual([]);
    const audit = await b.get<{ entries: { action: string; target: string; decision: string }[] }>("/audit?limit=200");
    expect(audit.entries).toContainEqual(expect.objectContaining({ action: "config.upstreams.add", target: "everything", decision: "ok" }));
    expect(audit.entries).toContainEqual(expect.objectContaining({ action: "config.policy.add", decision: "ok" }));
  });

  it("keeps what the file does not name, and removes it only with prune", async () => {
    const extra = await ok<{ limit: { id: string } }>(b.admin("POST", "/limits", { tool: "say", windowSeconds: 10, maxConcurrent: 2 }), 201);
    const kept = await plan(b, { file: exported, trustSigner: aId });
    expect(kept.changes).toEqual([]);
    expect(kept.kept).toEqual([{ area: "limits", key: '{"maxConcurrent":2,"tool":"say","windowSeconds":10}' }]);
    const pruning = await plan(b, { file: exported, trustSigner: aId, prune: true });
    expect(pruning.changes).toEqual([expect.objectContaining({ area: "limits", action: "remove", key: '{"maxConcurrent":2,"tool":"say","windowSeconds":10}' })]);
    expect((await limitsOf(b)).length).toBe(2);
    const applied = await ok<{ outcomes: { ok: boolean }[] }>(b.admin("POST", "/config/apply", { file: exported, trustSigner: aId, prune: true }));
    expect(applied.outcomes).toEqual([expect.objectContaining({ ok: true })]);
    expect((await b.get<{ limits: { id: string }[] }>("/limits")).limits.map((l) => l.id)).not.toContain(extra.limit.id);
    expect(await plan(b, { file: exported, trustSigner: aId, prune: true })).toEqual({ changes: [], kept: [], prune: true });
  });
});
