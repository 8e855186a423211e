// The metrics recorder holds a process's counts up to FLUSH_AFTER_MS before one write carries
// them; the routes that read the figures write what this process holds first, so a one-process
// node shows a call the moment it has answered it. The overview's window is the current minutes
// (it was read at a clock in seconds taken for milliseconds, so it showed no call at all).
import { afterAll, beforeAll, expect, it } from "vitest";
import { createApp, type NodeApp } from "../../src/http/app.ts";
import { METRICS } from "../../src/node/metrics/definitions.ts";
import { loadConfig } from "../../src/node/settings/config.ts";
import { newSeed } from "../../src/protocol/identity/seed.ts";
import { memoryDb } from "../support/libsql.ts";

const ADMIN = "metrics-flush-admin-token-01";
let node: NodeApp;

beforeAll(async () => {
  node = await createApp({ config: loadConfig({ NODE_SEED: newSeed(), ADMIN_TOKEN: ADMIN }), db: await memoryDb(), platform: { requestScopedIo: false, standingStreams: true, fetch } });
});

afterAll(async () => {
  await node?.close();
});

const read = async (path: string) => {
  const res = await node.app.request(`http://127.0.0.1${path}`, { headers: { authorization: `Bearer ${ADMIN}` } });
  expect(res.status).toBe(200);
  return res.text();
};

it("GET /metrics, the overview and the peers' latency show counts this process still holds", async () => {
  node.services.metrics.count(METRICS.calls, { tool: "flush_probe", peer: "", outcome: "ok" }, 3);
  node.services.metrics.observe(METRICS.callDuration, { tool: "flush_probe", peer: "" }, 12);
  expect(await read("/metrics")).toContain('mcpfed_calls_total{tool="flush_probe",peer="",outcome="ok"} 3\n');

  node.services.metrics.count(METRICS.calls, { tool: "flush_probe", peer: "", outcome: "ok" }, 2);
  const overview = JSON.parse(await read("/admin/overview")) as { calls: { perTool: { tool: string; calls: number }[] } };
  expect(overview.calls.perTool.find((t) => t.tool === "flush_probe")?.calls).toBe(5);

  node.services.metrics.observe(METRICS.callDuration, { tool: "flush_probe", peer: "some-peer" }, 40);
  const latency = JSON.parse(await read("/admin/overview/peers")) as { peers: { peer: string; calls: number }[] };
  expect(latency.peers).toMatchObject([{ peer: "some-peer", calls: 1 }]);
});
