// Configuration as code between real node processes on loopback (docs/protocol.md §19.3), driven
// through the CLI as an operator would: A fronts server-everything (streamable HTTP, with an API
// key header), renames and hides tools, shares one, holds a policy rule and a limit, and peers with
// P under an alias. `mcpfed config export` on A, then on a fresh B: a dry run changes nothing, a
// tampered file is refused with its reason, apply makes B match A (catalog, policy, limits, shares,
// the peer, said hello to), and B's next plan is empty.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli } from "../support/cli.ts";
import { eventually, json, loopbackNode, startEverything, tempDir, type NodeProc, type Upstream } from "../support/processes.ts";

const API_KEY = "k-e2e-config-secret-51c0de";

interface PeerView {
  id: string;
  alias: string;
  state: string;
  theirState: string;
}

let a: NodeProc;
let b: NodeProc;
let p: NodeProc;
let everything: Upstream;
const dir = tempDir("mcpfed-config-e2e-");
const file = join(dir, "a.config.json");
const envOf = (n: NodeProc, extra: Record<string, string> = {}) => ({ MCPFED_URL: n.url, ADMIN_TOKEN: n.adminToken, ...extra });

const tools = async (n: NodeProc) =>
  (await json<{ tools: { name: string; upstreamName: string; hidden: boolean; pinned: boolean; origin: unknown }[] }>(await n.admin("GET", "/tools"))).tools
    .filter((t) => t.origin === null)
    .map((t) => ({ name: t.name, tool: t.upstreamName, hidden: t.hidden, pinned: t.pinned }));
const rules = async (n: NodeProc) => (await json<{ rules: Record<string, unknown>[] }>(await n.admin("GET", "/policy/rules"))).rules.map(({ id: _id, ...r }) => r);
const limits = async (n: NodeProc) => (await json<{ limits: Record<string, unknown>[] }>(await n.admin("GET", "/limits"))).limits.map(({ id: _id, createdAt: _c, ...l }) => l);
const shares = async (n: NodeProc) => (await json<{ shares: { key: string; visibility: string; version: string }[] }>(await n.admin("GET", "/shares"))).shares.map((s) => `${s.key} ${s.visibility} ${s.version}`);
const peers = async (n: NodeProc) => (await json<{ peers: PeerView[] }>(await n.admin("GET", "/peers"))).peers;

beforeAll(async () => {
  [everything, a, b, p] = await Promise.all([startEverything(), loopbackNode("alpha"), loopbackNode("bravo"), loopbackNode("papa")]);
  const ok = async (res: Promise<Response>) => json(await res);
  await ok(a.admin("POST", "/upstreams", { name: "everything", kind: "http", url: everything.url, headers: { "X-Api-Key": API_KEY } }));
  await ok(a.admin("PATCH", "/tools/everything_echo", { name: "say" }));
  await ok(a.admin("PATCH", "/tools/everything_get-env", { hidden: true }));
  await ok(a.admin("POST", "/shares", { tool: "say", visibility: "peers" }));
  await ok(a.admin("POST", "/policy/rules", { effect: "deny", tool: "everything_get-sum", subjectKind: "api-token", priority: 5 }));
  await ok(a.admin("POST", "/limits", { windowSeconds: 60, maxRequests: 100 }));
  await ok(a.admin("POST", "/peers", { url: p.url }));
  await ok(a.admin("PATCH", `/peers/${p.nodeId}`, { alias: "pp" }));
}, 120_000);

afterAll(async () => {
  await Promise.all([a, b, p].map((n) => n?.stop()));
  everything?.stop();
});

describe("config export and apply between node processes", () => {
  it("exports A's configuration to a file that names its secret and holds no secret value", async () => {
    const r = await cli(["config", "export", "--out", file], envOf(a));
    expect(r.code, r.stderr).toBe(0);
    const text = readFileSync(file, "utf8");
    expect(text).not.toContain(API_KEY);
    expect(text).toContain('{"secret":"EVERYTHING_X_API_KEY"}');
    expect(text).toMatch(new RegExp(`\\{"alias":"pp","id":"${p.nodeId}","state":"active","url":"${p.url}/?"\\}`));
  });

  it("refuses the file on B without --trust-signer, and a tampered one with bad_signature", async () => {
    const untrusted = await cli(["config", "apply", file, "--dry-run"], envOf(b));
    expect(untrusted.code).not.toBe(0);
    expect(untrusted.stderr).toContain("untrusted_signer");
    const tampered = join(dir, "tampered.json");
    writeFileSync(tampered, readFileSync(file, "utf8").replace('"maxRequests":100', '"maxRequests":100000'));
    const r = await cli(["config", "apply", tampered, "--trust-signer", a.nodeId], envOf(b, { EVERYTHING_X_API_KEY: API_KEY }));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("bad_signature");
    expect(await limits(b)).toEqual([]);
    expect(await peers(b)).toEqual([]);
  });

  it("dry run on B prints every change and makes none", async () => {
    const r = await cli(["config", "apply", file, "--dry-run", "--trust-signer", a.nodeId], envOf(b, { EVERYTHING_X_API_KEY: API_KEY }));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("+ upstreams everything");
    expect(r.stdout).toContain("~ tools everything/echo  (once everything lists it)");
    expect(r.stdout).toContain("+ shares everything/echo");
    expect(r.stdout).toContain(`+ peers ${p.nodeId}`);
    expect(r.stdout).toMatch(/\+ policy \{.*"everything_get-sum"/);
    expect(r.stdout).toMatch(/\+ limits \{"maxRequests":100,"windowSeconds":60\}/);
    expect((await json<{ upstreams: unknown[] }>(await b.admin("GET", "/upstreams"))).upstreams).toEqual([]);
    expect(await rules(b)).toEqual([]);
    expect(await peers(b)).toEqual([]);
  });

  it("applies the file on B: B then matches A, has said hello to P, and plans nothing more", async () => {
    const r = await cli(["config", "apply", file, "--trust-signer", a.nodeId], envOf(b, { EVERYTHING_X_API_KEY: API_KEY }));
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).not.toContain("FAILED");
    expect(r.stdout).not.toContain(API_KEY);

    expect(await tools(b)).toEqual(await tools(a));
    expect(await tools(b)).toContainEqual({ name: "say", tool: "echo", hidden: false, pinned: false });
    expect(await rules(b)).toEqual(await rules(a));
    expect(await limits(b)).toEqual(await limits(a));
    expect(await shares(b)).toEqual(await shares(a));
    expect((await peers(b)).map((x) => ({ id: x.id, alias: x.alias, state: x.state }))).toEqual([{ id: p.nodeId, alias: "pp", state: "active" }]);
    // P heard B's hello: B waits there for P's operator, as A does.
    await eventually(async () => expect((await peers(p)).map((x) => x.id).sort()).toEqual([a.nodeId, b.nodeId].sort()));

    const again = await cli(["config", "apply", file, "--dry-run", "--trust-signer", a.nodeId], envOf(b));
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout.trim()).toBe("nothing to change: the node matches the file");
  });
});
