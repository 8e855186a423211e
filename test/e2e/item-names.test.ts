// The names an operator gives resources, resource templates and prompts, local and peers', on
// real node processes on loopback: A fronts server-everything and shares the whole upstream; B
// peers with A and has the same server as its own upstream "mine". The CLI runs as an operator
// runs it; B's clients are real SDK clients.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli } from "../support/cli.ts";
import { connect } from "../support/mcp.ts";
import { withEverything } from "../support/node-with-everything.ts";
import type { CatalogItem } from "../../src/node/catalog/item-names.ts";
import { eventually, json, loopbackNode, type NodeProc, type Upstream } from "../support/processes.ts";

/** An item as the admin API answers it. */
type ItemView = Omit<CatalogItem, "ref">;

const openNode = (name: string) => loopbackNode(name, { env: { PEER_POLICY: "open" } });
const env = (n: NodeProc) => ({ MCPFED_URL: n.url, ADMIN_TOKEN: n.adminToken });
const itemsOf = async (n: NodeProc, kind: string) => (await json<{ items: ItemView[] }>(await n.admin("GET", `/items?kind=${kind}`))).items;
const errorOf = async (res: Response) => ({ status: res.status, ...((await res.json()) as { error: { code: string; message: string } }).error });

let everything: Upstream;
let a: NodeProc;
let b: NodeProc;
let client: Client;
/** A resource server-everything lists, at both nodes under the same URI. */
let docUri: string;
let template: string;
const prompts = async () => (await client.listPrompts()).prompts.map((p) => p.name);
const resources = async () => (await client.listResources()).resources.map((r) => r.uri);

beforeAll(async () => {
  [{ node: a, everything }, b] = await Promise.all([withEverything(openNode("alpha")), openNode("bravo")]);
  await json(await b.admin("POST", "/upstreams", { name: "mine", kind: "http", url: everything.url }));
  await json(await a.admin("POST", "/peers", { url: b.url }));
  expect((await cli(["share", "--upstream", "everything"], env(a))).code).toBe(0);
  client = await connect(b.mcpUrl);
  docUri = (await client.listResources()).resources.find((r) => r.uri.startsWith("demo://resource/static/document/"))!.uri;
  template = (await client.listResourceTemplates()).resourceTemplates.find((t) => t.uriTemplate.includes("/dynamic/text/"))!.uriTemplate;
  await eventually(async () => {
    expect(await prompts()).toEqual(expect.arrayContaining(["alpha_everything_simple-prompt", "alpha_everything_args-prompt", "mine_simple-prompt"]));
    // A's resource holds a URI B's own upstream holds: listed under A's alias.
    expect(await resources()).toContain(`mcpfed://alpha/${docUri}`);
  }, 15_000);
}, 90_000);

afterAll(async () => {
  await client?.close();
  await Promise.all([a, b, everything].map((n) => n?.stop()));
});

describe("listing", () => {
  it("lists prompts, resources and templates with their origin, local and peers'", async () => {
    const p = await cli(["prompt", "list"], env(b));
    expect(p.code, p.stderr).toBe(0);
    expect(p.stdout).toMatch(new RegExp(`^alpha_everything_simple-prompt\\s+alpha \\(${a.nodeId.slice(0, 8)}\\)\\s+everything\\s+simple-prompt\\s+-`, "m"));
    expect(p.stdout).toMatch(/^mine_simple-prompt\s+local\s+mine\s+simple-prompt\s+-/m);
    expect((await cli(["resource", "list"], env(b))).stdout).toContain(`mcpfed://alpha/${docUri}`);
    expect((await cli(["template", "list"], env(b))).stdout).toMatch(new RegExp(`^${template.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\s+alpha`, "m"));
  });
});

describe("a peer's items", () => {
  it("renames a peer's prompt, gets it through the new name, hides and shows it again", async () => {
    const r = await cli(["prompt", "rename", "alpha_everything_simple-prompt", "a-simple"], env(b));
    expect(r, r.stderr).toMatchObject({ code: 0, stdout: "renamed alpha_everything_simple-prompt to a-simple\n" });
    expect(await prompts()).toContain("a-simple");
    expect(await prompts()).not.toContain("alpha_everything_simple-prompt");
    const got = await client.getPrompt({ name: "a-simple" });
    expect(got.messages.length).toBeGreaterThan(0);

    expect((await cli(["prompt", "hide", "a-simple"], env(b))).code).toBe(0);
    expect(await prompts()).not.toContain("a-simple");
    await expect(client.getPrompt({ name: "a-simple" })).rejects.toThrow(/Unknown prompt/);
    expect((await cli(["prompt", "list"], env(b))).stdout).toMatch(/^a-simple\s+.*\s+hidden$/m);
    expect((await cli(["prompt", "unhide", "a-simple"], env(b))).code).toBe(0);
    expect(await prompts()).toContain("a-simple");

    // The name outlives an alias change.
    expect((await cli(["peer", "alias", a.nodeId, "zz"], env(b))).code).toBe(0);
    expect(await prompts()).toEqual(expect.arrayContaining(["a-simple", "zz_everything_args-prompt"]));
    expect((await cli(["peer", "alias", a.nodeId, "alpha"], env(b))).code).toBe(0);
  });

  it("lists a peer's resource under the URI the operator gives it, and reads it through that URI", async () => {
    const r = await cli(["resource", "rename", `mcpfed://alpha/${docUri}`, "alpha-docs://handbook"], env(b));
    expect(r.code, r.stderr).toBe(0);
    expect(await resources()).toContain("alpha-docs://handbook");
    const read = await client.readResource({ uri: "alpha-docs://handbook" });
    expect(read.contents[0]!.uri).toBe(docUri);

    // B's own upstream lists the same template: a peer's is then named by its id.
    const templates = async () => (await client.listResourceTemplates()).resourceTemplates.filter((t) => t.uriTemplate === template).length;
    expect(await templates()).toBe(2);
    const peers = (await itemsOf(b, "resource-template")).find((t) => t.name === template && t.origin?.id === a.nodeId)!;
    expect((await cli(["template", "hide", peers.id], env(b))).code).toBe(0);
    expect(await templates()).toBe(1);
    expect((await itemsOf(b, "resource-template")).find((t) => t.id === peers.id)).toMatchObject({ hidden: true });
    expect((await cli(["template", "unhide", peers.id], env(b))).code).toBe(0);
    expect(await templates()).toBe(2);
  });
});

describe("local items", () => {
  it("renames a local prompt, which keeps its name across a refresh and a prefix change", async () => {
    const r = await cli(["prompt", "rename", "mine_simple-prompt", "simple"], env(b));
    expect(r, r.stderr).toMatchObject({ code: 0, stdout: "renamed mine_simple-prompt to simple\n" });
    expect((await client.getPrompt({ name: "simple" })).messages.length).toBeGreaterThan(0);
    expect((await json<{ refresh: { ok: boolean } }>(await b.admin("POST", "/upstreams/mine/refresh"))).refresh.ok).toBe(true);
    expect((await cli(["upstream", "prefix", "mine", "m"], env(b))).code).toBe(0);
    const names = await prompts();
    expect(names).toEqual(expect.arrayContaining(["simple", "m_args-prompt"]));
    expect(names).not.toContain("mine_args-prompt");
    expect((await client.getPrompt({ name: "m_args-prompt", arguments: { city: "Paris" } })).messages.length).toBeGreaterThan(0);
  });

  it("hides a local resource and prompt from lists, reads and gets", async () => {
    expect((await cli(["resource", "hide", docUri], env(b))).code).toBe(0);
    expect(await resources()).not.toContain(docUri);
    await expect(client.readResource({ uri: docUri })).rejects.toThrow();
    expect((await cli(["prompt", "hide", "simple"], env(b))).code).toBe(0);
    expect(await prompts()).not.toContain("simple");
    await expect(client.getPrompt({ name: "simple" })).rejects.toThrow(/Unknown prompt/);
    expect((await cli(["resource", "unhide", docUri], env(b))).code).toBe(0);
    expect((await cli(["prompt", "unhide", "simple"], env(b))).code).toBe(0);
    expect((await client.readResource({ uri: docUri })).contents[0]!.uri).toBe(docUri);
  });
});

describe("refusals", () => {
  it("refuses names another item holds, naming both sides, and changes nothing", async () => {
    const before = { prompts: await prompts(), items: await itemsOf(b, "prompt") };
    const peer = await errorOf(await b.admin("PATCH", "/items/prompt/a-simple", { name: "m_args-prompt" }));
    expect(peer).toMatchObject({ status: 409, code: "conflict" });
    expect(peer.message).toBe(`"m_args-prompt" would name both local prompt mine/args-prompt (m_args-prompt) and alpha (${a.nodeId}) prompt everything/simple-prompt`);

    const local = await cli(["prompt", "rename", "simple", "alpha_everything_args-prompt"], env(b));
    expect(local.code).not.toBe(0);
    expect(local.stderr).toContain(`"alpha_everything_args-prompt" would name both alpha (${a.nodeId}) prompt everything/args-prompt and local prompt mine/simple-prompt (simple)`);

    const uri = await errorOf(await b.admin("PATCH", `/items/resource/${encodeURIComponent("alpha-docs://handbook")}`, { name: docUri }));
    expect(uri).toMatchObject({ status: 409, code: "conflict" });
    expect(uri.message).toContain(`would name both local resource mine/${docUri}`);

    expect(await prompts()).toEqual(before.prompts);
    expect(await itemsOf(b, "prompt")).toEqual(before.items);
  });

  it("refuses unknown items and kinds, unusable names, and renaming what keeps its upstream's URI", async () => {
    const unknown = await cli(["prompt", "rename", "nope", "x"], env(b));
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain("no such prompt");
    expect(await errorOf(await b.admin("PATCH", "/items/tool/echo", { hidden: true }))).toMatchObject({ status: 400, code: "invalid_request" });
    expect(await errorOf(await b.admin("PATCH", "/items/prompt/simple", { name: "two words" }))).toMatchObject({ status: 400, code: "invalid_request" });
    expect(await errorOf(await b.admin("PATCH", "/items/prompt/simple", { hidden: "yes" }))).toMatchObject({ status: 400, code: "invalid_request" });
    expect(await errorOf(await b.admin("PATCH", "/items/resource/alpha-docs%3A%2F%2Fhandbook", { name: "no uri" }))).toMatchObject({ status: 400, code: "invalid_request" });
    const local = await errorOf(await b.admin("PATCH", `/items/resource/${encodeURIComponent(docUri)}`, { name: "other://x" }));
    expect(local).toMatchObject({ status: 400, code: "invalid_request" });
    expect(local.message).toContain("is a local resource");
    expect((await errorOf(await b.admin("PATCH", `/items/resource-template/${encodeURIComponent(template)}`, { name: "x://{y}" }))).message).toContain("hide it instead");
    expect(await prompts()).toContain("simple");
    expect(await resources()).toContain("alpha-docs://handbook");
  });
});

describe("at the origin", () => {
  it("publishes a shared prompt again under its new name after a rename or a prefix change", async () => {
    expect((await cli(["prompt", "rename", "everything_args-prompt", "argy"], env(a))).code).toBe(0);
    await eventually(async () => expect(await prompts()).toContain("alpha_argy"), 10_000);
    expect((await cli(["upstream", "prefix", "everything", "ev"], env(a))).code).toBe(0);
    // The renamed prompt keeps its name; the others follow the prefix, at A and at B.
    await eventually(async () => expect(await prompts()).toEqual(expect.arrayContaining(["alpha_argy", "alpha_ev_completable-prompt"])), 10_000);
    expect(await prompts()).not.toContain("alpha_everything_completable-prompt");
    expect((await client.getPrompt({ name: "alpha_ev_completable-prompt", arguments: { department: "Engineering", name: "Alice" } })).messages.length).toBeGreaterThan(0);
  });

  it("leaves a hidden prompt out when sharing the whole upstream", async () => {
    expect((await cli(["prompt", "hide", "ev_simple-prompt"], env(a))).code).toBe(0);
    const r = await cli(["share", "--upstream", "everything"], env(a));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("prompt everything/args-prompt");
    expect(r.stdout).not.toContain("prompt everything/simple-prompt");
  });
});
