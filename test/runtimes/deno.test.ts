// The Deno entry point, end to end: a real upstream registered through the admin API, then the
// SDK client over streamable HTTP.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { startEverything, type NodeProc, type Upstream } from "../support/processes.ts";
import { expectConsoleServed, expectTokensHonoured, expectUpstreamRoundTrip, startDenoNode } from "../support/runtimes.ts";
import { expectModernRoundTrip } from "../support/modern-client.ts";

let upstream: Upstream;
let node: NodeProc;
let client: Client | undefined;

beforeAll(async () => {
  [upstream, node] = await Promise.all([startEverything(), startDenoNode()]);
});

afterAll(async () => {
  await client?.close();
  await Promise.all([node?.stop(), upstream?.stop()]);
  if (node) rmSync(node.dataDir, { recursive: true, force: true });
});

test("issues and honours OAuth access tokens (Ed25519 through this runtime's WebCrypto)", () => expectTokensHonoured(node));

test("serves the upstream's tools over MCP", async () => {
  client = await expectUpstreamRoundTrip(node, upstream, "deno");
});

test("serves a 2026-07-28 client on the same /mcp, and checks its routing headers", () => expectModernRoundTrip(node.mcpUrl, "deno"));

test("keeps a 2025-11-25 client's session in the process, and ends it on DELETE", async () => {
  const id = (client!.transport as { sessionId?: string } | undefined)?.sessionId;
  expect(id).toMatch(/^[\x21-\x7e]+$/);
  const headers = { "mcp-session-id": id!, "mcp-protocol-version": "2025-11-25" };
  expect((await fetch(node.mcpUrl, { method: "DELETE", headers })).status).toBe(204);
  expect((await fetch(node.mcpUrl, { method: "DELETE", headers })).status).toBe(404);
});

test("serves the landing page and the console, signed in", () => expectConsoleServed(node));

test("stores in the embedded libSQL file and stops cleanly", async () => {
  expect(existsSync(join(node.dataDir, "node.db"))).toBe(true);
  await node.stop();
  expect(node.child.exitCode ?? node.child.signalCode).toBe(0);
});
