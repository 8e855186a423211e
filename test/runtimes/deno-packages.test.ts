// Packages on a Deno node with a disk (issue 18, protocol §18): a Node peer B publishes the real
// @modelcontextprotocol/server-memory packed as an MCP bundle (.mcpb, served by its digest); the
// node under `deno run -A`, A, receives the signed entry, installs it into its own store, spawns it
// sandboxed through node:child_process, and a real MCP client calls its tools through A's /mcp.
// An operator's stdio upstream (server-everything) is spawned by the Deno node the same way.
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect } from "../support/mcp.ts";
import { packMemoryBundle } from "../support/memory-bundle.ts";
import { everythingStdio, eventually, freePort, json, loopbackNode, tempDir, type NodeProc } from "../support/processes.ts";
import { startDenoNode } from "../support/runtimes.ts";

let a: NodeProc;
let b: NodeProc;
let client: Client | undefined;

beforeAll(async () => {
  const port = await freePort();
  [a, b] = await Promise.all([
    startDenoNode({ port, env: { NODE_NAME: "on-deno", PUBLIC_URL: `http://127.0.0.1:${port}`, PEER_POLICY: "open" } }),
    loopbackNode("publisher", { env: { PEER_POLICY: "open" } }),
  ]);
  await json(await a.admin("POST", "/peers", { url: b.url }));
}, 120_000);

afterAll(async () => {
  await client?.close();
  await Promise.all([a, b].map((n) => n?.stop()));
});

describe("a package installed and run on a Deno node", () => {
  it("installs a bundle a Node peer publishes, and its tools work through the Deno node's /mcp", async () => {
    const bytes = readFileSync(await packMemoryBundle(tempDir("mcpb-")));
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    const published = await json<{ key: string }>(
      await b.admin("POST", "/packages/publish", { mcpb: bytes.toString("base64"), launch: { permissions: { read: ["."], write: ["."] } }, licence: { id: "MIT" }, env: { MEMORY_FILE_PATH: "{data}/graph.jsonl" } }),
    );
    expect(published.key).toBe("package/memory-bundle@1.0.0");
    await eventually(async () => expect((await json<{ packages: { name: string }[] }>(await a.admin("GET", "/packages/search?q=memory-bundle"))).packages.map((p) => p.name)).toContain("memory-bundle"), 30_000);

    const installed = await json(await a.admin("POST", "/packages", { name: "memory-bundle", env: { MEMORY_FILE_PATH: "{data}/graph.jsonl" } }));
    expect(installed).toMatchObject({ upstream: "memory-bundle", active: true, fetched: true, sha256 });
    expect(existsSync(join(a.dataDir, "packages", sha256, "package", "manifest.json"))).toBe(true);

    client = await connect(a.mcpUrl);
    const created = (await client.callTool({ name: "memory-bundle_create_entities", arguments: { entities: [{ name: "deno", entityType: "runtime", observations: ["spawned from deno"] }] } })) as { isError?: boolean; content: unknown };
    expect(created.isError ?? false, JSON.stringify(created.content)).toBe(false);
    const graph = (await client.callTool({ name: "memory-bundle_read_graph", arguments: {} })) as { isError?: boolean; content: { text?: string }[] };
    expect(graph.isError ?? false).toBe(false);
    expect(graph.content.map((c) => c.text ?? "").join("")).toContain("spawned from deno");
    // The graph was written where the package's data lives, in A's own data folder.
    expect(readFileSync(join(a.dataDir, "package-data", "memory-bundle", "graph.jsonl"), "utf8")).toContain("spawned from deno");
    expect(await json(await a.admin("POST", "/packages/memory-bundle/verify"))).toMatchObject({ ok: true, problems: [] });
  }, 600_000);

  it("spawns an operator's stdio upstream and relays a call to it", async () => {
    const res = await a.admin("POST", "/upstreams", { name: "everything", kind: "stdio", ...everythingStdio });
    expect(res.status, await res.clone().text()).toBe(201);
    client ??= await connect(a.mcpUrl);
    const result = await client.callTool({ name: "everything_echo", arguments: { message: "over stdio from deno" } });
    expect(result.isError ?? false).toBe(false);
    expect(result.content).toEqual([{ type: "text", text: "Echo: over stdio from deno" }]);
  }, 120_000);
});
