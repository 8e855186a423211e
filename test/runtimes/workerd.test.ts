// The Workers entry point under `wrangler dev` (workerd, local D1), end to end: a real upstream
// registered through the admin API, the SDK client over streamable HTTP, and the cron trigger.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { rmSync } from "node:fs";
import { afterAll, beforeAll, expect, test } from "vitest";
import { startEverything, waitFor, type NodeProc, type Upstream } from "../support/processes.ts";
import { expectConsoleServed, expectTokensHonoured, expectUpstreamRoundTrip, startWorkerd } from "../support/runtimes.ts";
import { expectModernRoundTrip } from "../support/modern-client.ts";

let upstream: Upstream;
let node: NodeProc;
let client: Client | undefined;

beforeAll(async () => {
  [upstream, node] = await Promise.all([startEverything(), startWorkerd()]);
});

afterAll(async () => {
  await client?.close();
  await Promise.all([node?.stop(), upstream?.stop()]);
  if (node) rmSync(node.dataDir, { recursive: true, force: true });
});

interface UpstreamView {
  upstream: { status: string; refreshedAt: string | null; tools: number };
}

// The flag in wrangler.toml; test/runtimes/workerd-vectors.test.ts checks the bytes on both paths.
test("runs every primitive on WebCrypto, ML-DSA-65 and ML-KEM-768 included", async () => {
  const identity = (await (await node.admin("GET", "/identity")).json()) as { crypto: string };
  expect(identity.crypto).toBe("ML-DSA-65 native, Ed25519 native, ML-KEM-768 native, X25519 native");
});

test("issues and honours OAuth access tokens (Ed25519 through this runtime's WebCrypto)", () => expectTokensHonoured(node));

test("serves the upstream's tools over MCP", async () => {
  client = await expectUpstreamRoundTrip(node, upstream, "workerd");
});

test("serves a 2026-07-28 client on the same /mcp, and checks its routing headers", () => expectModernRoundTrip(node.mcpUrl, "workerd"));

// An isolate cannot hold a session's server nor be found again by the next request.
test("serves a 2025-11-25 client statelessly: no session id, no session to end", async () => {
  const transport = client!.transport as { sessionId?: string } | undefined;
  expect(transport).toBeDefined();
  expect(transport!.sessionId).toBeUndefined();
  // No session was issued, so any id is unknown (404), and without one there is nothing to end (405).
  const del = await fetch(node.mcpUrl, { method: "DELETE", headers: { "mcp-session-id": "anything", "mcp-protocol-version": "2025-11-25" } });
  expect(del.status).toBe(404);
  expect((await fetch(node.mcpUrl, { method: "DELETE", headers: { "mcp-protocol-version": "2025-11-25" } })).status).toBe(405);
  expect((await client!.listTools()).tools.length).toBeGreaterThan(0);
});

// The upstream session outlives the request that opened it; Workers bind I/O to requests.
test("reuses the upstream session in later requests, streaming progress", async () => {
  const progress: number[] = [];
  const result = await client!.callTool(
    { name: "everything_trigger-long-running-operation", arguments: { duration: 1, steps: 2 } },
    undefined,
    { onprogress: (p) => progress.push(p.progress) },
  );
  expect(result.isError ?? false).toBe(false);
  expect(progress).toEqual([1, 2]);
});

// A limited call's check is one D1 batch (src/store/access/rate-limits.ts): a count and a lease,
// which D1 binds only when drizzle built them. A count alone is one statement prepared once with
// placeholders, which D1 must bind too.
test.each([
  { shape: "a count and a lease (one batch)", maxConcurrent: 1, a: 2, b: 3 },
  { shape: "a count alone (its prepared statement)", maxConcurrent: undefined, a: 1, b: 1 },
])("counts limited calls in D1 with $shape, refuses the one over the limit, and lets go of its leases", async ({ maxConcurrent, a, b }) => {
  const created = await node.admin("POST", "/limits", { tool: "everything_get-sum", windowSeconds: 600, maxRequests: 2, ...(maxConcurrent ? { maxConcurrent } : {}) });
  expect(created.status, await created.clone().text()).toBe(201);
  const { limit } = (await created.json()) as { limit: { id: string } };
  const sum = () => client!.callTool({ name: "everything_get-sum", arguments: { a, b } });
  // One at a time: each call's lease is let go before the next, so only the count can refuse.
  for (let i = 0; i < 2; i++) expect((await sum()).content).toEqual([{ type: "text", text: `The sum of ${a} and ${b} is ${a + b}.` }]);
  await expect(sum()).rejects.toThrow(/Rate limited: at most 2 calls in any 600 s/);
  expect((await node.admin("DELETE", `/limits/${limit.id}`)).status).toBe(204);
  expect((await sum()).isError ?? false).toBe(false);
});

test("the cron trigger refreshes upstreams", async () => {
  const before = ((await (await node.admin("GET", "/upstreams/everything")).json()) as UpstreamView).upstream;
  expect(before.refreshedAt).not.toBeNull();
  // refreshedAt has millisecond resolution; make sure the next one differs.
  await new Promise((r) => setTimeout(r, 5));

  const fired = await fetch(`${node.url}/__scheduled?cron=*+*+*+*+*`);
  expect(fired.status).toBe(200);
  let after = before;
  await waitFor(
    async () => {
      after = ((await (await node.admin("GET", "/upstreams/everything")).json()) as UpstreamView).upstream;
      return after.refreshedAt !== before.refreshedAt;
    },
    "scheduled refresh",
    node,
    15_000,
  );
  expect(after.status).toBe("ok");
  expect(after.tools).toBe(before.tools);
});

test("serves the landing page and the console, signed in", () => expectConsoleServed(node));

// Each request writes its own counts on Workers: a call after the kept hour's first view reaches
// its sums through D1's batch (one upsert per minute's key, one multi-row add to the window).
test("adds a call to the kept hour's sums in D1, once", async () => {
  const calls = async () => ((await (await node.admin("GET", "/invocations/summary?minutes=60")).json()) as { perTool: { tool: string; calls: number }[] }).perTool.find((t) => t.tool === "everything_get-sum")?.calls ?? 0;
  const before = await calls();
  expect((await client!.callTool({ name: "everything_get-sum", arguments: { a: 2, b: 2 } })).isError ?? false).toBe(false);
  await waitFor(async () => (await calls()) > before, "the call in the kept sums", node, 15_000);
  expect(await calls()).toBe(before + 1);
});
