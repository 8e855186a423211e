// GET /metrics from two node processes on one store, with a real upstream: every call made on
// either process is counted once, the text parses with a Prometheus text parser, and only the
// admin token or an API token with metrics:read may read it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { rawMcp } from "../support/mcp.ts";
import { eventually, json, startEverything, startNode, tempDir, type NodeProc, type Upstream } from "../support/processes.ts";

let everything: Upstream;
let a: NodeProc;
let b: NodeProc;

let nextId = 1;
async function call(node: NodeProc, name: string, args: Record<string, unknown>) {
  const r = await rawMcp(node.mcpUrl, JSON.stringify({ jsonrpc: "2.0", id: nextId++, method: "tools/call", params: { name, arguments: args } }));
  return (await r.json()) as { result?: { isError?: boolean }; error?: { code: number } };
}

const scrape = (node: NodeProc, token: string) => fetch(`${node.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });

function calls(text: string): Map<string, number> {
  const family = parsePrometheusTextFormat(text).find((f) => f.name === "mcpfed_calls_total");
  expect(family?.type).toBe("COUNTER");
  return new Map(family!.metrics.map((m) => [`${m.labels!.tool}|${m.labels!.peer}|${m.labels!.outcome}`, Number(m.value)]));
}

beforeAll(async () => {
  const dataDir = tempDir("mcpfed-metrics-");
  everything = await startEverything();
  a = await startNode({ dataDir });
  b = await startNode({ dataDir }); // the same database and node seed: two processes of one node
  expect((await a.admin("POST", "/upstreams", { name: "everything", kind: "http", url: everything.url })).status).toBe(201);
});

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop(), everything?.stop()]);
});

describe("GET /metrics", () => {
  it("counts every call made on either process, once, by tool and outcome", async () => {
    const echoes = await Promise.all(Array.from({ length: 12 }, (_, i) => call(i % 3 === 0 ? a : b, "everything_echo", { message: `m${i}` })));
    expect(echoes.every((r) => r.result && !r.result.isError)).toBe(true);
    const sums = await Promise.all(Array.from({ length: 5 }, (_, i) => call(i % 2 ? a : b, "everything_get-sum", { a: i, b: 1 })));
    expect(sums.every((r) => r.result)).toBe(true);
    const unknown = await call(a, "everything_no-such-tool", {});
    expect(unknown.error).toBeDefined();

    await eventually(async () => {
      const res = await scrape(b, a.adminToken);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
      const counted = calls(await res.text());
      expect(counted.get("everything_echo||ok")).toBe(12);
      expect(counted.get("everything_get-sum||ok")).toBe(5);
    }, 10_000);
    const text = await (await scrape(a, a.adminToken)).text();
    // One histogram series per tool; its count is every call of that tool.
    expect(text).toContain('mcpfed_call_duration_seconds_count{tool="everything_echo",peer=""} 12\n');
    expect(text).toMatch(/mcpfed_call_duration_seconds_bucket\{tool="everything_echo",peer="",le="\+Inf"\} 12\n/);
    expect(text).not.toContain(a.adminToken);
  });

  it("is refused without a token, with a wrong one, and with an API token lacking metrics:read; counted as auth failures", async () => {
    expect((await fetch(`${a.url}/metrics`)).status).toBe(401);
    expect((await scrape(a, "not-the-admin-token-at-all")).status).toBe(401);
    const { secret: mcpOnly } = await json<{ secret: string }>(await a.admin("POST", "/tokens", { name: "mcp only" }));
    expect((await scrape(a, mcpOnly)).status).toBe(401);
    const { secret: reader } = await json<{ secret: string }>(await a.admin("POST", "/tokens", { name: "scraper", scopes: ["metrics:read"] }));
    const res = await scrape(b, reader);
    expect(res.status).toBe(200);
    // The metrics token opens nothing else.
    const mcp = await rawMcp(a.mcpUrl, JSON.stringify({ jsonrpc: "2.0", id: nextId++, method: "tools/list" }), { authorization: `Bearer ${reader}` });
    expect(mcp.status).toBe(403);
    await eventually(async () => {
      const family = parsePrometheusTextFormat(await (await scrape(a, reader)).text()).find((f) => f.name === "mcpfed_auth_failures_total")!;
      expect(family.metrics.find((m) => m.labels!.kind === "metrics_token")?.value).toBe("3");
    }, 10_000);
  });
});
