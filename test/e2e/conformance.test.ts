// The official MCP conformance suites, one per protocol era, three ways: against the conformance
// fixture directly, through node B that fronts it (empty prefix, so B lists the fixture's own
// names), and through node A peered with B (B shares everything of the fixture and A lists B's
// items without an alias). Every check that passes directly must pass through B and across the
// hop, except those listed with a reason in conformance-known.ts (docs/conformance.md).
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checksWith, runConformance, type SuiteName, type SuiteResult } from "../../scripts/conformance.ts";
import { startConformanceFixture } from "../support/conformance-fixture.ts";
import { connect } from "../support/mcp.ts";
import { eventually, json, loopbackNode, type NodeProc, type Upstream } from "../support/processes.ts";
import { listed, LOST_ACROSS_THE_HOP, LOST_THROUGH_A_NODE, NOT_PASSING_DIRECT } from "./conformance-known.ts";

const SUITES: SuiteName[] = ["2025-11-25", "2025-11-25-next", "2026-07-28"];
// One suite run through a node that answers nothing useful can take minutes of scenario timeouts.
const RUN_MS = 420_000;

// localhost, not 127.0.0.1: dns-rebinding-protection only runs against a localhost URL.
const localUrl = (port: number) => `http://localhost:${port}/mcp`;

const notPassing = (r: SuiteResult) => [...checksWith(r, "FAILURE"), ...checksWith(r, "WARNING")].sort();
const statusOf = (r: SuiteResult, check: string) => {
  const at = check.indexOf("/");
  return r.scenarios[check.slice(0, at)]?.[check.slice(at + 1)]?.status ?? "missing";
};

/** What the suite reported for each check that passed directly but not here. */
function lostChecks(direct: SuiteResult, via: SuiteResult, allowed: string[]): Record<string, string> {
  const lost: Record<string, string> = {};
  for (const check of checksWith(direct, "SUCCESS")) {
    if (allowed.includes(check) || statusOf(via, check) === "SUCCESS") continue;
    const at = check.indexOf("/");
    const result = via.scenarios[check.slice(0, at)]?.[check.slice(at + 1)];
    const scenario = check.slice(0, at);
    lost[check] = result
      ? `${result.status}: ${(result.errorMessage ?? "").slice(0, 200)}`
      : via.unfinished.includes(scenario)
        ? "not reported: the scenario ended without writing its checks"
        : scenario in via.scenarios
          ? "not reported by its scenario"
          : "scenario did not run";
  }
  return lost;
}

/** Listed checks that pass after all: the list is out of date. */
const passing = (via: SuiteResult, listedChecks: string[]) => listedChecks.filter((c) => statusOf(via, c) === "SUCCESS");

function summary(label: string, r: SuiteResult, direct?: SuiteResult): string {
  const name = `conformance ${r.suite} (${r.package} ${r.version}) ${label}`;
  const count = (status: Parameters<typeof checksWith>[1]) => checksWith(r, status).length;
  if (!direct) return `${name}: ${count("SUCCESS")} pass, ${count("WARNING")} warn, ${count("FAILURE")} fail`;
  const base = checksWith(direct, "SUCCESS");
  const kept = checksWith(r, "SUCCESS").filter((c) => base.includes(c)).length;
  return `${name}: ${kept}/${base.length} of the checks that pass directly` + (r.unfinished.length ? `; unfinished: ${r.unfinished.join(", ")}` : "");
}

let fixture: Upstream;
let b: NodeProc;
const direct = new Map<SuiteName, SuiteResult>();

beforeAll(async () => {
  [fixture, b] = await Promise.all([startConformanceFixture(), loopbackNode("bravo", { env: { PEER_POLICY: "open" } })]);
  const res = await b.admin("POST", "/upstreams", { name: "conformance", kind: "http", url: fixture.url, prefix: "" });
  expect(res.status, await res.text()).toBe(201);
});

afterAll(async () => {
  await Promise.all([b?.stop(), fixture?.stop()]);
});

describe("the conformance fixture directly", () => {
  it.each(SUITES)("%s: every check passes but those listed with a reason", async (suite) => {
    const r = await runConformance(suite, localUrl(fixture.port), RUN_MS);
    direct.set(suite, r);
    console.log(summary("direct", r));
    expect(notPassing(r)).toEqual(listed(NOT_PASSING_DIRECT, suite));
  }, RUN_MS);
});

// The direct results are the baseline; without them the runs below have nothing to compare to.
async function baseline(suite: SuiteName): Promise<SuiteResult> {
  const known = direct.get(suite);
  if (known) return known;
  const r = await runConformance(suite, localUrl(fixture.port), RUN_MS);
  direct.set(suite, r);
  return r;
}

describe("through node B, the fixture as its upstream", () => {
  it.each(SUITES)("%s: every check that passes directly passes through B", async (suite) => {
    const base = await baseline(suite);
    const via = await runConformance(suite, localUrl(b.port), RUN_MS);
    console.log(summary("via B", via, base));
    const allowed = listed(LOST_THROUGH_A_NODE, suite);
    expect({ lost: lostChecks(base, via, allowed), listedButPassing: passing(via, allowed) }).toEqual({ lost: {}, listedButPassing: [] });
  }, 2 * RUN_MS);
});

describe("across the federation, node A peered with B", () => {
  let a: NodeProc;
  let client: Client | undefined;

  beforeAll(async () => {
    a = await loopbackNode("alpha", { env: { PEER_POLICY: "open" } });
    await json(await a.admin("POST", "/peers", { url: b.url }));
    // Everything of the fixture: its tools, resources, templates and prompts. Shared once peered,
    // so the new entries reach A by push.
    await json(await b.admin("POST", "/shares", { upstream: "conformance", visibility: "peers" }));
    // No alias: A lists B's items under the names B lists them.
    await json(await a.admin("PATCH", `/peers/${b.nodeId}`, { alias: "" }));
    client = await connect(a.mcpUrl);
    await eventually(async () => {
      const names = (await client!.listTools()).tools.map((t) => t.name);
      expect(names).toEqual(expect.arrayContaining(["test_simple_text", "test_input_required_result_elicitation"]));
    }, 20_000);
  }, 60_000);

  afterAll(async () => {
    await client?.close();
    await a?.stop();
  });

  it.each(SUITES)("%s: every check that passes directly passes across the hop", async (suite) => {
    const base = await baseline(suite);
    const via = await runConformance(suite, localUrl(a.port), RUN_MS);
    console.log(summary("via A→B", via, base));
    const allowed = [...listed(LOST_THROUGH_A_NODE, suite), ...listed(LOST_ACROSS_THE_HOP, suite)];
    expect({ lost: lostChecks(base, via, allowed), listedButPassing: passing(via, listed(LOST_ACROSS_THE_HOP, suite)) }).toEqual({ lost: {}, listedButPassing: [] });
  }, 2 * RUN_MS);
});
