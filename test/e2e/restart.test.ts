// The catalog and the short-name mapping live in libSQL and survive a restart.
import { afterAll, beforeAll, expect, it } from "vitest";
import { connect } from "../support/mcp.ts";
import { startEverything, startNode, type NodeProc, type Upstream } from "../support/processes.ts";

let upstream: Upstream;
let node: NodeProc | undefined;

beforeAll(async () => {
  upstream = await startEverything();
});

afterAll(async () => {
  await node?.stop();
  await upstream?.stop();
});

it("keeps the catalog, renames and name mapping across a restart", async () => {
  node = await startNode();
  const { dataDir, port } = node;
  expect((await node.admin("POST", "/upstreams", { name: "a", kind: "http", url: upstream.url, prefix: "" })).status).toBe(201);
  // A second upstream with the same tool names: its tools get stable hashed names.
  expect((await node.admin("POST", "/upstreams", { name: "b", kind: "http", url: upstream.url, prefix: "" })).status).toBe(201);
  expect((await node.admin("PATCH", "/tools/get-sum", { name: "sum" })).status).toBe(200);
  const before = (await (await node.admin("GET", "/tools")).json()).tools;
  const bEcho = before.find((t: { id: string }) => t.id === `${node!.nodeId}/b/echo`);
  expect(bEcho.name).toMatch(/^echo_[0-9a-f]{8}$/);

  await node.stop();
  await upstream.stop();
  node = await startNode({ dataDir, port });
  // The upstream is down now: the catalog must come from the database alone.
  const after = (await (await node.admin("GET", "/tools")).json()).tools;
  expect(after.map((t: { name: string; id: string; fingerprint: string }) => [t.name, t.id, t.fingerprint])).toEqual(
    before.map((t: { name: string; id: string; fingerprint: string }) => [t.name, t.id, t.fingerprint]),
  );

  upstream = await startEverything(upstream.port);
  const client = await connect(node.mcpUrl);
  const r = await client.callTool({ name: bEcho.name, arguments: { message: "same name" } });
  expect(r.content).toEqual([{ type: "text", text: "Echo: same name" }]);
  expect((await client.callTool({ name: "sum", arguments: { a: 20, b: 22 } })).content).toEqual([
    { type: "text", text: expect.stringContaining("42") },
  ]);
  await client.close();
});
