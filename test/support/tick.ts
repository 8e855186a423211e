// POST /admin/tick as a test runs it: the tick never throws, it reports what failed, so the report
// is checked here, and a test names the failures it expects.
import { expect } from "vitest";
import type { TickReport } from "../../src/node/tick.ts";
import { json, type NodeProc } from "./processes.ts";

export interface ExpectedFailures {
  /** Bootstrap URLs the test made unreachable. */
  bootstrap?: string[];
}

/** Runs one tick on `node` and checks that nothing in it failed but what `expected` names. */
export async function tick(node: Pick<NodeProc, "admin">, expected: ExpectedFailures = {}): Promise<TickReport> {
  const report = await json<TickReport>(await node.admin("POST", "/tick"));
  expect(report.upstreams.filter((u) => !u.ok)).toEqual([]);
  expect(report.bootstrap.filter((b) => !b.ok).map((b) => b.url)).toEqual(expected.bootstrap ?? []);
  expect(report.gossip.error).toBeUndefined();
  expect(report.ledger).not.toHaveProperty("error");
  expect("peers" in report.ledger ? report.ledger.peers.filter((p) => "error" in p) : []).toEqual([]);
  expect(report.countersigns.failures).toBe(0);
  expect(report.trust).not.toHaveProperty("error");
  expect(report.privileges).not.toHaveProperty("error");
  expect(report.alerts).not.toHaveProperty("error");
  return report;
}
