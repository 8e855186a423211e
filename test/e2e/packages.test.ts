// Packages across two real nodes (protocol §18): B publishes the real
// @modelcontextprotocol/server-memory from npm in two versions (tools listed by running it); A,
// its peer, receives the signed entries, installs the first (npm integrity checked, dependencies
// installed without scripts) and its tools work through A's /mcp; the second installs beside it
// and `use` switches; server-memory packed as an MCP bundle by the bundle format's own CLI
// (`mcpb pack`) is published by B, served by its digest, installed on A (zip and manifest checked,
// the manifest's server mapped to the sandboxed launch) and called through A's /mcp; a second real
// server, server-everything, published from the official registry's server.json, installs beside
// it with its npm dependencies; with B stopped and A's npm cache emptied, `rollback` serves the first again
// from the local store; `verify` finds a tampered file; a version republished with another body is
// refused by its publisher and, forged, by A's registry.
import { createHash } from "node:crypto";
import { appendFileSync, existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { eventually, json, loopbackNode, tempDir, type NodeProc } from "../support/processes.ts";
import { connect } from "../support/mcp.ts";
import { packMemoryBundle } from "../support/memory-bundle.ts";

interface Listing {
  name: string;
  origin: string;
  versions: string[];
}
interface Installed {
  upstream: string;
  active: string | null;
  versions: { version: string; sha256: string }[];
}

const OLD = "2026.7.4";
const NEW = "2026.8.31";
let a: NodeProc;
let b: NodeProc;
let client: Client | undefined;
const npmCacheA = tempDir("npm-cache-a-");
// What server-memory needs declared to keep its graph: one file in its data folder, named to it.
const memoryLaunch = {
  env: [{ name: "MEMORY_FILE_PATH", description: "where the graph is kept" }],
  permissions: { read: ["memory.jsonl"], write: ["memory.jsonl"], env: ["MEMORY_FILE_PATH"] },
};

const memory = (packages: Installed[]) => packages.find((p) => p.upstream === "server-memory")!;

async function tools(): Promise<string[]> {
  client ??= await connect(a.mcpUrl);
  return (await client.listTools()).tools.map((t) => t.name);
}

async function readGraph(): Promise<string> {
  client ??= await connect(a.mcpUrl);
  const r = (await client.callTool({ name: "server-memory_read_graph", arguments: {} })) as { isError?: boolean; content: { type: string; text?: string }[] };
  expect(r.isError ?? false).toBe(false);
  return r.content.map((c) => c.text ?? "").join("");
}

beforeAll(async () => {
  [a, b] = await Promise.all([
    loopbackNode("alpha", { env: { PEER_POLICY: "open", npm_config_cache: npmCacheA } }),
    loopbackNode("bravo", { env: { PEER_POLICY: "open", npm_config_cache: tempDir("npm-cache-b-") } }),
  ]);
  await json(await a.admin("POST", "/peers", { url: b.url }));
}, 120_000);

afterAll(async () => {
  await client?.close();
  await Promise.all([a, b].map((n) => n?.stop()));
});

describe("packages published by B, installed and run on A", () => {
  it("B publishes two versions of server-memory, its tools listed by running it", async () => {
    const first = await json<{ key: string; body: { tools: { name: string; fingerprint: string }[] } }>(
      await b.admin("POST", "/packages/publish", { npm: { name: "@modelcontextprotocol/server-memory", version: OLD }, name: "server-memory", launch: memoryLaunch, licence: { id: "MIT" } }),
    );
    expect(first.key).toBe(`package/server-memory@${OLD}`);
    expect(first.body.tools.map((t) => t.name)).toContain("read_graph");
    const second = await json<{ key: string }>(
      await b.admin("POST", "/packages/publish", { npm: { name: "@modelcontextprotocol/server-memory", version: NEW }, name: "server-memory", previous: OLD, launch: memoryLaunch, licence: { id: "MIT" } }),
    );
    expect(second.key).toBe(`package/server-memory@${NEW}`);
    // A version never changes: another body under it is refused by its publisher.
    const again = await b.admin("POST", "/packages/publish", { npm: { name: "@modelcontextprotocol/server-memory", version: NEW }, name: "server-memory", previous: OLD, launch: memoryLaunch, licence: { id: "Apache-2.0" } });
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: { message: string } }).error.message).toMatch(/published already with another body/);
  }, 600_000);

  it("A sees both versions, installs the first, and its tools work through A's /mcp", async () => {
    const found = await eventually(async () => {
      const r = await json<{ packages: Listing[] }>(await a.admin("GET", "/packages/search?q=memory"));
      expect(r.packages[0]?.versions).toEqual([OLD, NEW]);
      return r.packages[0]!;
    }, 30_000);
    expect(found.origin).toBe(b.nodeId);
    const installed = await json<{ upstream: string; active: boolean; fetched: boolean }>(
      await a.admin("POST", "/packages", { name: "server-memory", version: OLD, env: { MEMORY_FILE_PATH: "{data}/memory.jsonl" } }),
    );
    expect(installed).toMatchObject({ upstream: "server-memory", active: true, fetched: true });
    expect(await tools()).toContain("server-memory_create_entities");
    client ??= await connect(a.mcpUrl);
    const created = (await client.callTool({ name: "server-memory_create_entities", arguments: { entities: [{ name: "mcpfed", entityType: "project", observations: ["runs packages"] }] } })) as { isError?: boolean };
    expect(created.isError ?? false).toBe(false);
    expect(await readGraph()).toContain("runs packages");
  }, 600_000);

  it("installs the second version beside the first, and use switches which serves", async () => {
    const second = await json<{ active: boolean; fetched: boolean }>(await a.admin("POST", "/packages", { name: "server-memory", version: NEW }));
    expect(second).toMatchObject({ active: false, fetched: true });
    let list = await json<{ packages: Installed[] }>(await a.admin("GET", "/packages"));
    expect(list.packages[0]).toMatchObject({ upstream: "server-memory", active: OLD });
    expect(list.packages[0]!.versions.map((v) => v.version)).toEqual([OLD, NEW]);
    const used = await json<{ version: string; previous: string }>(await a.admin("POST", "/packages/server-memory/use", { version: NEW }));
    expect(used).toEqual({ upstream: "server-memory", version: NEW, previous: OLD });
    list = await json<{ packages: Installed[] }>(await a.admin("GET", "/packages"));
    expect(list.packages[0]!.active).toBe(NEW);
    // The graph is the package's data, kept across versions.
    expect(await readGraph()).toContain("runs packages");
  }, 600_000);

  it("B publishes an MCP bundle (.mcpb) it serves by digest; A installs it, secrets sealed, and calls its tools", async () => {
    const bytes = readFileSync(await packMemoryBundle(tempDir("mcpb-")));
    // This server-memory (2026.8.31) writes a temporary file beside its graph and renames it: its whole data folder, its own.
    const bundlePermissions = { read: ["."], write: ["."] };
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    const published = await json<{ key: string; body: { artifact: unknown; launch: { runtime: string; entry: string; args: string[]; env: { name: string; required: boolean; secret: boolean }[] }; tools: { name: string }[] } }>(
      await b.admin("POST", "/packages/publish", { mcpb: bytes.toString("base64"), launch: { permissions: bundlePermissions }, licence: { id: "MIT" }, env: { MEMORY_FILE_PATH: "{data}/bundle.jsonl" } }),
    );
    expect(published.key).toBe("package/memory-bundle@1.0.0");
    // Publishing without the value the server needs to start is the operator's to fix, said plainly.
    const unstarted = await b.admin("POST", "/packages/publish", { mcpb: bytes.toString("base64"), version: "1.0.1", previous: "1.0.0", licence: { id: "MIT" } });
    expect(unstarted.status).toBe(400);
    expect(((await unstarted.json()) as { error: { message: string } }).error.message).toMatch(/needs MEMORY_FILE_PATH set/);
    expect(published.body.artifact).toEqual({ type: "mcpb", sha256, size: bytes.length });
    expect(published.body.launch).toMatchObject({ runtime: "node", entry: "server/index.mjs", args: [] });
    expect(published.body.launch.env.map((v) => [v.name, v.required, v.secret])).toEqual([
      ["MEMORY_FILE_PATH", true, false],
      ["MEMORY_API_TOKEN", false, true],
    ]);
    expect(published.body.tools.map((t) => t.name)).toContain("read_graph");
    const served = await fetch(`${b.url}/federation/v1/packages/artifacts/${sha256}`);
    expect(Buffer.from(await served.arrayBuffer()).equals(bytes)).toBe(true);

    await eventually(async () => expect((await json<{ packages: Listing[] }>(await a.admin("GET", "/packages/search?q=memory-bundle"))).packages.map((p) => p.name)).toContain("memory-bundle"), 30_000);
    // A required user_config value left out: refused before anything is fetched or registered.
    const missing = await a.admin("POST", "/packages", { name: "memory-bundle" });
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { error: { message: string } }).error.message).toMatch(/MEMORY_FILE_PATH/);
    expect(existsSync(join(a.dataDir, "packages", sha256))).toBe(false);

    const token = `bundle-secret-${sha256.slice(0, 12)}`;
    const installed = await json(await a.admin("POST", "/packages", { name: "memory-bundle", env: { MEMORY_FILE_PATH: "{data}/bundle.jsonl", MEMORY_API_TOKEN: token } }));
    expect(installed).toMatchObject({ upstream: "memory-bundle", active: true, fetched: true, sha256 });
    expect(readFileSync(join(a.dataDir, "packages", sha256, "package", "manifest.json"), "utf8")).toContain("memory-bundle");
    client ??= await connect(a.mcpUrl);
    const created = (await client.callTool({ name: "memory-bundle_create_entities", arguments: { entities: [{ name: "bundle", entityType: "artifact", observations: ["unzipped within bounds"] }] } })) as { isError?: boolean; content: unknown };
    expect(created.isError ?? false, JSON.stringify(created.content)).toBe(false);
    const graph = (await client.callTool({ name: "memory-bundle_read_graph", arguments: {} })) as { content: { text?: string }[] };
    expect(graph.content.map((c) => c.text ?? "").join("")).toContain("unzipped within bounds");
    // The sensitive value is sealed at rest: no database file holds it in the clear.
    for (const f of readdirSync(a.dataDir).filter((n) => /\.db/.test(n))) expect(readFileSync(join(a.dataDir, f)).includes(token)).toBe(false);
    expect(await json(await a.admin("POST", "/packages/memory-bundle/verify"))).toMatchObject({ ok: true, problems: [] });
  }, 600_000);

  it("B publishes a second real server from the official registry's server.json; A installs it beside the first and it works", async () => {
    const doc = JSON.parse(readFileSync(new URL("../fixtures/packages/server-everything.server.json", import.meta.url), "utf8"));
    const published = await json<{ key: string; body: { artifact: { type: string; name: string }; launch: { args: string[] }; tools: { name: string }[] } }>(
      await b.admin("POST", "/packages/publish", { serverJson: doc, licence: { id: "MIT" } }),
    );
    expect(published.key).toBe(`package/server-everything@${doc.version}`);
    expect(published.body.artifact).toMatchObject({ type: "npm", name: "@modelcontextprotocol/server-everything" });
    expect(published.body.launch.args).toEqual(["stdio"]);
    expect(published.body.tools.map((t) => t.name)).toContain("echo");
    await eventually(async () => expect((await json<{ packages: Listing[] }>(await a.admin("GET", "/packages/search?q=everything"))).packages[0]?.versions).toEqual([doc.version]), 30_000);
    // Its npm dependencies (the SDK, express, ...) come through the registry proxy.
    expect(await json(await a.admin("POST", "/packages", { name: "server-everything" }))).toMatchObject({ upstream: "server-everything", active: true, fetched: true });
    client ??= await connect(a.mcpUrl);
    const echoed = (await client.callTool({ name: "server-everything_echo", arguments: { message: "from a package" } })) as { content: { text?: string }[] };
    expect(echoed.content[0]?.text).toContain("from a package");
    expect(await readGraph()).toContain("runs packages");
  }, 600_000);

  it("rolls back from the local store with B stopped and A's npm cache emptied", async () => {
    await b.stop();
    rmSync(npmCacheA, { recursive: true, force: true });
    const back = await json<{ version: string; previous: string }>(await a.admin("POST", "/packages/server-memory/rollback"));
    expect(back).toEqual({ upstream: "server-memory", version: OLD, previous: NEW });
    expect(await readGraph()).toContain("runs packages");
    // Installing again asks nothing of the network: the store holds it.
    const again = await json<{ fetched: boolean }>(await a.admin("POST", "/packages", { name: "server-memory", version: NEW }));
    expect(again.fetched).toBe(false);
  }, 120_000);

  it("verify passes on the store as installed, and names a tampered file", async () => {
    const clean = await json<{ ok: boolean; problems: string[] }>(await a.admin("POST", `/packages/server-memory/verify?version=${NEW}`));
    expect(clean).toMatchObject({ ok: true, problems: [] });
    const list = await json<{ packages: Installed[] }>(await a.admin("GET", "/packages"));
    const sha = memory(list.packages).versions.find((v) => v.version === NEW)!.sha256;
    appendFileSync(join(a.dataDir, "packages", sha, "package", "dist", "index.js"), "\n// changed\n");
    const tampered = await json<{ ok: boolean; problems: string[] }>(await a.admin("POST", `/packages/server-memory/verify?version=${NEW}`));
    expect(tampered.ok).toBe(false);
    expect(tampered.problems).toContain("dist/index.js: changed");
    // OLD serves since the rollback; update would move to NEW, which no longer verifies: refused,
    // and OLD keeps serving.
    const upd = await a.admin("POST", "/packages/server-memory/update", {});
    expect(upd.status).toBe(409);
    expect(((await upd.json()) as { error: { reason: string } }).error.reason).toBe("tampered");
    const after = await json<{ packages: Installed[] }>(await a.admin("GET", "/packages"));
    expect(memory(after.packages).active).toBe(OLD);
    expect(await readGraph()).toContain("runs packages");
  }, 120_000);

  it("refuses unknown packages and versions with a typed reason, and changes nothing", async () => {
    const unknown = await a.admin("POST", "/packages", { name: "server-nothing" });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { reason: string } }).error.reason).toBe("unknown_package");
    const noVersion = await a.admin("POST", "/packages/server-memory/use", { version: "9.9.9" });
    expect(((await noVersion.json()) as { error: { reason: string } }).error.reason).toBe("not_installed");
    const list = await json<{ packages: Installed[] }>(await a.admin("GET", "/packages"));
    expect(memory(list.packages).active).toBe(OLD);
  }, 60_000);
});
