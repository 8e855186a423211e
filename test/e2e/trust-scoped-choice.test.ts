// Scoped vouches in provider choice, across real node processes on loopback: P and Q serve the same
// two replicable tools, echo tagged `search` and get-sum tagged `math`. T (no exploration) vouches
// for Q scoped to `search` and for P scoped to `math`: neither vouch moves a general score or a
// tier, and each counts only for the tool that carries its scope, so T's echo calls go to Q and
// its get-sum calls to P. (Were scopes ignored, or counted for every tool, both tools would go to
// the same provider: choice weighs nodes, not tools, apart from trust.)
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli } from "../support/cli.ts";
import { connect } from "../support/mcp.ts";
import { eventually, json, loopbackNode, startEverything, type NodeProc, type Upstream } from "../support/processes.ts";
import { tick } from "../support/tick.ts";

const providerOf = (r: unknown) => ((r as { _meta?: Record<string, unknown> })._meta?.["mcpfed/relay"] as { provider: string }).provider;
const standing = async (at: NodeProc, node: string) => json<{ score: number; tier: string }>(await at.admin("GET", `/trust/${node}`));

let up: Upstream;
let t: NodeProc;
let p: NodeProc;
let q: NodeProc;
let atT: Client;

beforeAll(async () => {
  up = await startEverything();
  [t, p, q] = await Promise.all([
    loopbackNode("tango", { env: { PEER_POLICY: "open", TRUST_EXPLORATION: "0" } }),
    loopbackNode("papa", { env: { PEER_POLICY: "open" } }),
    loopbackNode("quebec", { env: { PEER_POLICY: "open" } }),
  ]);
  for (const provider of [p, q]) {
    expect((await provider.admin("POST", "/upstreams", { name: "everything", kind: "http", url: up.url })).status).toBe(201);
    await json(await provider.admin("POST", "/shares", { tool: "everything_echo", visibility: "peers", replicable: true, tags: ["search"] }));
    await json(await provider.admin("POST", "/shares", { tool: "everything_get-sum", visibility: "peers", replicable: true, tags: ["math"] }));
    await json(await t.admin("POST", "/peers", { url: provider.url }));
  }
  atT = await connect(t.mcpUrl);
  await eventually(async () => {
    await tick(t);
    expect((await atT.listTools()).tools.map((x) => x.name)).toContain("papa_everything_echo");
    expect((await atT.listTools()).tools.map((x) => x.name)).toContain("quebec_everything_get-sum");
  }, 20_000);
}, 120_000);

afterAll(async () => {
  await atT?.close();
  await Promise.all([t, p, q, up].map((x) => x?.stop()));
});

describe("a vouch scoped to a tool's tag", () => {
  it("sends each tool's calls to the provider vouched for in that tool's scope, and moves no tier", async () => {
    await json(await t.admin("POST", "/trust/vouches", { subject: q.nodeId, weight: 100, scope: "search" }));
    await json(await t.admin("POST", "/trust/vouches", { subject: p.nodeId, weight: 100, scope: "math" }));
    await tick(t);
    for (const node of [p, q]) expect(await standing(t, node.nodeId)).toMatchObject({ score: 0, tier: "newcomer" });
    // Explained to the operator and to an agent: Q's score for tools tagged `search`.
    const shown = await cli(["trust", q.nodeId, "--why", "--url", t.url, "--token", t.adminToken], {});
    expect(shown.stdout).toMatch(/score 0\.\d+ for tools tagged search/);
    const read = await atT.readResource({ uri: `trust://node/${q.nodeId}` });
    const scoped = (JSON.parse((read.contents[0] as { text: string }).text) as { why: { scoped: { scope: string; score: number }[] } }).why.scoped;
    expect(scoped.map((x) => x.scope)).toEqual(["search"]);
    expect(scoped[0]!.score).toBeGreaterThan(0.3);

    const served = { echo: new Map<string, number>(), sum: new Map<string, number>() };
    const count = (m: Map<string, number>, r: unknown) => m.set(providerOf(r), (m.get(providerOf(r)) ?? 0) + 1);
    // Interleaved, so that both providers' latencies are measured early.
    for (let i = 0; i < 20; i++) {
      const echo = await atT.callTool({ name: "papa_everything_echo", arguments: { message: `call ${i}` } });
      expect(echo.isError, JSON.stringify(echo)).toBeFalsy();
      count(served.echo, echo);
      const sum = await atT.callTool({ name: "papa_everything_get-sum", arguments: { a: i, b: 1 } });
      expect(sum.isError, JSON.stringify(sum)).toBeFalsy();
      count(served.sum, sum);
    }
    // Each tool's trusted provider weighs 2.5 times the other: only one 2.5 times slower would lose it a call.
    expect(served.echo.get(q.nodeId) ?? 0).toBeGreaterThanOrEqual(15);
    expect(served.sum.get(p.nodeId) ?? 0).toBeGreaterThanOrEqual(15);
  }, 90_000);
});
