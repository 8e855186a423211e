// What a node prints at start when its output goes to a file or a log collector (a pipe here):
// where the generated admin token is, never the token; and a warning when ALLOWED_HOSTS=*.
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { adminTokenIn, startNode, waitFor, type NodeProc } from "../support/processes.ts";

let node: NodeProc;

beforeAll(async () => {
  node = await startNode({ env: { ADMIN_TOKEN: "", ALLOWED_HOSTS: "*" } });
  await waitFor(async () => node.output().includes("listening on"), "the banner", node);
});
afterAll(() => node?.stop());

it("says where the generated admin token is saved, without printing it", () => {
  const token = adminTokenIn(node.dataDir);
  expect(node.output()).toContain(`saved in ${join(node.dataDir, "admin-token")}`);
  expect(node.output()).not.toContain(token);
});

it("warns that ALLOWED_HOSTS=* turns off the rebinding check", () => {
  expect(node.output()).toMatch(/WARNING: ALLOWED_HOSTS=\* turns off the Host check that stops DNS rebinding/);
});
