// The names an operator gives peers' tools, on real node processes on loopback: A fronts
// server-everything under an empty prefix and shares the whole upstream; B peers with A and has
// the same server as its own upstream "mine". The CLI runs as an operator runs it.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli } from "../support/cli.ts";
import { connect } from "../support/mcp.ts";
import { withEverything } from "../support/node-with-everything.ts";
import { eventually, json, loopbackNode, type NodeProc, type Upstream } from "../support/processes.ts";

interface ToolView {
  name: string;
  id: string;
  origin: { id: string; alias: string } | null;
  upstreamName: string;
  hidden: boolean;
  collision?: { wanted: string; heldBy: string };
}

const openNode = (name: string) => loopbackNode(name, { env: { PEER_POLICY: "open" } });
const env = (n: NodeProc) => ({ MCPFED_URL: n.url, ADMIN_TOKEN: n.adminToken });
const toolsOf = async (n: NodeProc) => (await json<{ tools: ToolView[] }>(await n.admin("GET", "/tools"))).tools;
const peersTools = async (n: NodeProc, origin: string) => (await toolsOf(n)).filter((t) => t.origin?.id === origin);
const errorOf = async (res: Response) => ({ status: res.status, ...((await res.json()) as { error: { code: string; message: string } }).error });

let everything: Upstream;
let a: NodeProc;
let b: NodeProc;
let client: Client;
const listed = async () => (await client.listTools()).tools.map((t) => t.name);

beforeAll(async () => {
  [{ node: a, everything }, b] = await Promise.all([withEverything(openNode("alpha"), { prefix: "" }), openNode("bravo")]);
  await json(await b.admin("POST", "/upstreams", { name: "mine", kind: "http", url: everything.url }));
  await json(await a.admin("POST", "/peers", { url: b.url }));
  client = await connect(b.mcpUrl);
}, 60_000);

afterAll(async () => {
  await client?.close();
  await Promise.all([a, b, everything].map((n) => n?.stop()));
});

describe("share --upstream", () => {
  it("refuses an unknown upstream, or options one tool cannot take, and shares nothing", async () => {
    const unknown = await cli(["share", "--upstream", "nope"], env(a));
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain("no upstream named nope");
    // Not every tool of server-everything is annotated read-only and idempotent.
    const cached = await cli(["share", "--upstream", "everything", "--cache-ttl", "60"], env(a));
    expect(cached.code).not.toBe(0);
    expect(cached.stderr).toMatch(/cannot be cached by consumers/);
    const both = await cli(["share", "echo", "--upstream", "everything"], env(a));
    expect(both.code).not.toBe(0);
    expect((await json<{ shares: unknown[] }>(await a.admin("GET", "/shares"))).shares).toEqual([]);
  });

  it("shares every tool, resource, template and prompt of the upstream at once, with the same options as one", async () => {
    const local = (await toolsOf(a)).filter((t) => t.origin === null).map((t) => t.upstreamName).sort();
    const r = await cli(["share", "--upstream", "everything", "--visibility", "peers", "--version", "1.2.0"], env(a));
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split("\n");
    const itemLine = /^shared (resource|resource-template|prompt) everything\//;
    expect(lines.filter((l) => !itemLine.test(l)).sort()).toEqual(local.map((n) => `shared everything/${n} (peers)`).sort());
    // server-everything offers all three kinds.
    expect(new Set(lines.filter((l) => itemLine.test(l)).map((l) => l.split(" ")[1]))).toEqual(new Set(["resource", "resource-template", "prompt"]));
    const all = (await json<{ shares: { key: string; version: string; kind?: string }[] }>(await a.admin("GET", "/shares"))).shares;
    const shares = all.filter((s) => (s.kind ?? "tool") === "tool");
    expect(shares.map((s) => s.key).sort()).toEqual(local.map((n) => `everything/${n}`).sort());
    expect(new Set(shares.map((s) => s.version))).toEqual(new Set(["1.2.0"]));
    await eventually(async () => expect((await peersTools(b, a.nodeId)).length).toBe(local.length), 10_000);
  });
});

describe("names of a peer's tools", () => {
  it("lists them in tool list with their origin, under the peer's alias", async () => {
    const r = await cli(["tool", "list"], env(b));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^alpha_echo\\s+alpha \\(${a.nodeId.slice(0, 8)}\\)\\s+everything\\s+echo\\s`, "m"));
    expect(r.stdout).toMatch(/^mine_echo\s+local\s+mine\s+echo\s/m);
    // A's empty prefix travelled: the peer's name is the alias and the origin's name, not alpha_everything_echo.
    expect(await listed()).toEqual(expect.arrayContaining(["alpha_echo", "alpha_get-sum", "mine_echo"]));
  });

  it("drops the prefix with an empty alias: the origin's names, called through A", async () => {
    const r = await cli(["peer", "alias", a.nodeId, ""], env(b));
    expect(r, r.stderr).toMatchObject({ code: 0, stdout: `${a.nodeId}'s tools are now listed under their origin's names\n` });
    const names = await listed();
    expect(names).toEqual(expect.arrayContaining(["echo", "get-sum", "mine_echo"]));
    expect(names).not.toContain("alpha_echo");
    const sum = await client.callTool({ name: "get-sum", arguments: { a: 2, b: 40 } });
    expect(JSON.stringify(sum.content)).toContain("42");
  });

  it("refuses an alias, a rename or an upstream that would make two names equal, naming both, and changes nothing", async () => {
    // A local tool renamed to what the peer's echo would be called under the alias "alpha".
    expect((await cli(["tool", "rename", "mine_echo", "alpha_echo"], env(b))).code).toBe(0);
    const before = await listed();

    const alias = await errorOf(await b.admin("PATCH", `/peers/${a.nodeId}`, { alias: "alpha" }));
    expect(alias).toMatchObject({ status: 409, code: "conflict" });
    expect(alias.message).toContain(`"alpha_echo" would name both local tool mine/echo (alpha_echo) and alpha (${a.nodeId}) tool everything/echo`);
    expect((await json<{ peer: { alias: string } }>(await b.admin("GET", `/peers/${a.nodeId}`))).peer.alias).toBe("");

    const local = await cli(["tool", "rename", "mine_get-sum", "get-sum"], env(b));
    expect(local.code).not.toBe(0);
    expect(local.stderr).toContain(`"get-sum" would name both local tool mine/get-sum (mine_get-sum) and ${a.nodeId.slice(0, 8)} (${a.nodeId}) tool everything/get-sum`);

    const federated = await cli(["tool", "rename", "get-sum", "mine_get-env"], env(b));
    expect(federated.code).not.toBe(0);
    expect(federated.stderr).toContain(`"mine_get-env" would name both local tool mine/get-env (mine_get-env) and ${a.nodeId.slice(0, 8)} (${a.nodeId}) tool everything/get-sum`);

    const upstream = await errorOf(await b.admin("POST", "/upstreams", { name: "again", kind: "http", url: everything.url, prefix: "" }));
    expect(upstream).toMatchObject({ status: 409, code: "conflict" });
    expect(upstream.message).toMatch(/^again was not added: .*"echo" would name both local tool again\/echo \(echo\) and /);
    expect((await json<{ upstreams: { name: string }[] }>(await b.admin("GET", "/upstreams"))).upstreams.map((u) => u.name)).toEqual(["mine"]);

    const prefix = await errorOf(await b.admin("PATCH", "/upstreams/mine", { prefix: "" }));
    expect(prefix).toMatchObject({ status: 409, code: "conflict" });
    expect(prefix.message).toContain('"get-sum" would name both local tool mine/get-sum');

    expect(await listed()).toEqual(before);
    expect((await toolsOf(b)).filter((t) => t.collision)).toEqual([]);
  });

  it("refuses unknown tools and peers, unusable names, and pins on a peer's tool", async () => {
    const unknown = await cli(["tool", "rename", "nope", "x"], env(b));
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain("no such tool");
    expect((await errorOf(await b.admin("PATCH", "/peers/not-a-peer", { alias: "" }))).status).toBe(404);
    expect(await errorOf(await b.admin("PATCH", "/tools/echo", { name: "two words" }))).toMatchObject({ status: 400, code: "invalid_request" });
    expect(await errorOf(await b.admin("PATCH", "/tools/echo", { name: "call_tool" }))).toMatchObject({ status: 400, code: "invalid_request" });
    expect(await errorOf(await b.admin("PATCH", `/peers/${a.nodeId}`, { alias: "no spaces" }))).toMatchObject({ status: 400, code: "invalid_request" });
    const pin = await cli(["tool", "pin", "echo"], env(b));
    expect(pin.code).not.toBe(0);
    expect(pin.stderr).toContain("is a peer's tool");
    expect((await peersTools(b, a.nodeId)).find((t) => t.upstreamName === "echo")).toMatchObject({ name: "echo", hidden: false });
  });

  it("renames and hides a peer's tool; the name outlives alias changes", async () => {
    const r = await cli(["tool", "rename", "echo", "a_echo"], env(b));
    expect(r, r.stderr).toMatchObject({ code: 0, stdout: "renamed echo to a_echo\n" });
    expect(await listed()).toContain("a_echo");
    expect(await listed()).not.toContain("echo");
    const said = await client.callTool({ name: "a_echo", arguments: { message: "through the new name" } });
    expect(JSON.stringify(said.content)).toContain("through the new name");

    expect((await cli(["tool", "hide", "a_echo"], env(b))).code).toBe(0);
    expect(await listed()).not.toContain("a_echo");
    await expect(client.callTool({ name: "a_echo", arguments: { message: "x" } })).rejects.toThrow(/Unknown tool/);
    expect((await cli(["tool", "list"], env(b))).stdout).toMatch(/^a_echo\s+\S+\s+everything\s+echo\s+hidden\s/m);
    expect((await cli(["tool", "unhide", "a_echo"], env(b))).code).toBe(0);
    expect(await listed()).toContain("a_echo");

    expect((await cli(["peer", "alias", a.nodeId, "zz"], env(b))).code).toBe(0);
    expect(await listed()).toEqual(expect.arrayContaining(["a_echo", "zz_get-sum"]));
    expect((await cli(["peer", "alias", a.nodeId, ""], env(b))).code).toBe(0);
    expect(await listed()).toEqual(expect.arrayContaining(["a_echo", "get-sum"]));
  });

  it("lists a peer's new entry whose name is held under the peer's card name, and reports it", async () => {
    expect((await cli(["tool", "rename", "mine_get-env", "say"], env(b))).code).toBe(0);
    // A's operator renames a shared tool: its entry is published again under the new name.
    expect((await cli(["tool", "rename", "get-tiny-image", "say"], env(a))).code).toBe(0);
    const shared = (await json<{ shares: { key: string; version: string; tombstone: boolean }[] }>(await a.admin("GET", "/shares"))).shares;
    expect(shared.filter((e) => e.key === "everything/get-tiny-image" && !e.tombstone)).toMatchObject([{ version: "1.2.0" }]);
    const tiny = await eventually(async () => {
      const t = (await peersTools(b, a.nodeId)).find((x) => x.upstreamName === "get-tiny-image");
      expect(t?.collision).toBeDefined();
      return t!;
    }, 10_000);
    expect(tiny).toMatchObject({ name: "alpha_say", collision: { wanted: "say", heldBy: "local tool mine/get-env (say)" } });
    expect(await listed()).toEqual(expect.arrayContaining(["say", "alpha_say"]));
    expect((await cli(["tool", "list"], env(b))).stdout).toMatch(/^alpha_say\s.*collision:say/m);
    // Once the operator names it, the collision is settled.
    expect((await cli(["tool", "rename", "alpha_say", "tiny"], env(b))).code).toBe(0);
    expect((await peersTools(b, a.nodeId)).find((x) => x.upstreamName === "get-tiny-image")).toMatchObject({ name: "tiny" });
    expect((await peersTools(b, a.nodeId)).find((x) => x.upstreamName === "get-tiny-image")?.collision).toBeUndefined();
  });

  it("follows a new prefix at the origin: the shares are published again under the new names", async () => {
    expect((await cli(["upstream", "prefix", "everything", "ev"], env(a))).code).toBe(0);
    await eventually(async () => expect(await listed()).toEqual(expect.arrayContaining(["ev_get-sum", "a_echo", "tiny"])), 10_000);
    expect(await listed()).not.toContain("get-sum");
  });
});
