// One node run as three instances (one data folder: the same NODE_SEED, one libSQL file) behind a
// round-robin balancer on loopback, the way an operator scales a node out. A peer sends it a
// concurrent load of relayed calls; then both ledgers are compared record by record, the rate limit
// is checked to the call, the audit chain verified, the console's call figures shown the same on
// every instance, the peer channel shown to be continued by the
// instances that did not open it, a replayed envelope refused by another instance, and each
// scheduled tick period shown to have run on exactly one instance.
import { createClient, type Client as LibsqlClient } from "@libsql/client";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newSeed } from "../../src/protocol/identity/seed.ts";
import { ENVELOPE_CONTENT_TYPE } from "../../src/protocol/envelope/wire.ts";
import { cli } from "../support/cli.ts";
import { answerOf, rawMcp } from "../support/mcp.ts";
import { eventually, freePort, json, loopbackNode, startEverything, startNode, tempDir, type NodeProc, type Upstream } from "../support/processes.ts";
import { roundRobin, type RoundRobin } from "../support/round-robin.ts";
import { sealAs } from "../support/seal-as.ts";

const TICK_SECONDS = 5;
const ECHOES = 60;
const SUMS = 30;
const SUM_LIMIT = 12;

interface LedgerRow {
  id: string;
  peer: string;
  role: string;
  status: string;
  record: string;
}

const seedC = newSeed();
let everything: Upstream;
let instances: NodeProc[];
let lb: RoundRobin;
let consumer: NodeProc;
let providerDb: LibsqlClient;
let consumerDb: LibsqlClient;
let providerId: string;

const rows = async <T>(db: LibsqlClient, query: string) => (await db.execute(query)).rows as unknown as T[];

let nextId = 1;
async function relayed(name: string, args: Record<string, unknown>) {
  const res = await rawMcp(consumer.mcpUrl, JSON.stringify({ jsonrpc: "2.0", id: nextId++, method: "tools/call", params: { name, arguments: args } }));
  return (await answerOf(res)) as { result?: { isError?: boolean; _meta?: Record<string, { record?: string }> }; error?: { code: number; message: string } };
}

beforeAll(async () => {
  everything = await startEverything();
  const dataDir = tempDir("mcpfed-instances-");
  const ports = [await freePort(), await freePort(), await freePort()];
  lb = await roundRobin(await freePort(), ports);
  const env = { NODE_NAME: "scaled", PUBLIC_URL: lb.url, PEER_POLICY: "open", TICK_SECONDS: String(TICK_SECONDS) };
  // One after the other: the first makes the seed and the database the others open.
  instances = [];
  for (const port of ports) instances.push(await startNode({ dataDir, port, env }));
  providerId = instances[0]!.nodeId;
  expect(instances.every((i) => i.nodeId === providerId)).toBe(true);
  const [p1, p2, p3] = instances as [NodeProc, NodeProc, NodeProc];
  expect((await p1.admin("POST", "/upstreams", { name: "everything", kind: "http", url: everything.url })).status).toBe(201);
  await json(await p2.admin("POST", "/shares", { tool: "everything_echo", visibility: "peers", pricing: { model: "per_call", amount: 2, unit: "credit" } }));
  await json(await p3.admin("POST", "/shares", { tool: "everything_get-sum", visibility: "peers", pricing: { model: "per_call", amount: 1, unit: "credit" } }));
  expect((await p1.admin("POST", "/limits", { tool: "everything_get-sum", windowSeconds: 600, maxRequests: SUM_LIMIT })).status).toBe(201);

  consumer = await loopbackNode("consumer", { env: { NODE_SEED: seedC, PEER_POLICY: "open" } });
  await json(await consumer.admin("POST", "/peers", { url: lb.url }));
  await eventually(async () => {
    const { result } = await answerOf(await rawMcp(consumer.mcpUrl, JSON.stringify({ jsonrpc: "2.0", id: 0, method: "tools/list" })));
    const names = (result as { tools: { name: string }[] }).tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(["scaled_everything_echo", "scaled_everything_get-sum"]));
  }, 30_000);
  providerDb = createClient({ url: `file:${join(dataDir, "node.db")}`, timeout: 5000 });
  consumerDb = createClient({ url: `file:${join(consumer.dataDir, "node.db")}`, timeout: 5000 });
}, 240_000);

afterAll(async () => {
  providerDb?.close();
  consumerDb?.close();
  await Promise.all([...(instances ?? []).map((i) => i.stop()), consumer?.stop(), everything?.stop()]);
  await lb?.close();
});

describe("three instances of one node under a concurrent load of relayed calls", () => {
  let records: string[];

  beforeAll(async () => {
    const calls = [
      ...Array.from({ length: ECHOES }, (_, i) => relayed("scaled_everything_echo", { message: `m${i}` })),
      ...Array.from({ length: SUMS }, (_, i) => relayed("scaled_everything_get-sum", { a: i, b: 1 })),
    ];
    const answers = await Promise.all(calls);
    const ok = answers.filter((a) => a.result && !a.result.isError);
    records = ok.map((a) => a.result!._meta!["mcpfed/relay"]!.record!);
    // Every instance served part of the load.
    expect(lb.counts().every((n) => n > 0)).toBe(true);
  }, 180_000);

  it("lets exactly the rate limit's quota through, whichever instance answered", async () => {
    expect(records).toHaveLength(ECHOES + SUM_LIMIT);
    expect(new Set(records).size).toBe(records.length);
  });

  it("keeps one record per served call on both sides, none lost, none doubled, all confirmed", async () => {
    await eventually(async () => {
      const provider = await rows<LedgerRow>(providerDb, `SELECT id, peer, role, status, record FROM ledger_records ORDER BY id`);
      const consumerSide = await rows<LedgerRow>(consumerDb, `SELECT id, peer, role, status, record FROM ledger_records ORDER BY id`);
      expect(provider.map((r) => r.id)).toEqual([...records].sort());
      expect(consumerSide.map((r) => r.id)).toEqual([...records].sort());
      expect(provider.every((r) => r.role === "provider" && r.peer === consumer.nodeId && r.status === "confirmed")).toBe(true);
      expect(consumerSide.every((r) => r.role === "consumer" && r.peer === providerId && r.status === "confirmed")).toBe(true);
      expect(provider.map((r) => r.record)).toEqual(consumerSide.map((r) => r.record));
    }, 60_000);
  });

  it("keeps one intact audit chain with each call's decision in it", async () => {
    // Audit entries are written after the answer (deferred work): the last may land just after it.
    await eventually(async () => {
      const decisions = await rows<{ decision: string; n: number }>(
        providerDb,
        `SELECT decision, count(*) AS n FROM audit_log WHERE action = 'tool.call' AND actor = 'peer:${consumer.nodeId}' GROUP BY decision ORDER BY decision`,
      );
      expect(decisions.map((d) => [d.decision, Number(d.n)])).toEqual([
        ["allow", ECHOES + SUM_LIMIT],
        ["deny", SUMS - SUM_LIMIT],
      ]);
    }, 30_000);
    for (const instance of instances) {
      const r = await cli(["audit", "verify"], { MCPFED_URL: instance.url, ADMIN_TOKEN: instance.adminToken });
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toMatch(/intact/);
    }
  });

  it("shows the same call figures on every instance, every instance's calls in them, as the store's raw rollups count them", async () => {
    type Overview = { calls: { calls: number; perTool: { tool: string; calls: number }[] } };
    await eventually(async () => {
      const [raw] = await rows<{ n: number }>(providerDb, `SELECT coalesce(sum(value), 0) AS n FROM metric_counters WHERE name = 'mcpfed_calls_total'`);
      const views = await Promise.all(instances.map(async (i) => (await json<Overview>(await i.admin("GET", "/overview?minutes=60"))).calls));
      expect(Number(raw!.n)).toBeGreaterThanOrEqual(ECHOES + SUM_LIMIT);
      for (const v of views) expect(v.calls).toBe(Number(raw!.n));
      expect(views[1]!.perTool).toEqual(views[0]!.perTool);
      expect(views[2]!.perTool).toEqual(views[0]!.perTool);
    }, 30_000);
  });

  it("continues the peer's channel on the instances that did not answer its handshake", async () => {
    type Status = { counts: Record<string, number> };
    const counts = await Promise.all(instances.map(async (i) => (await json<Status>(await i.admin("GET", "/federation/channels"))).counts));
    // One handshake, answered by one instance; frames on it opened by all three.
    expect(counts.reduce((n, c) => n + c.accepted!, 0)).toBe(1);
    expect(counts.every((c) => c.received! > 0)).toBe(true);
    const atConsumer = (await json<Status>(await consumer.admin("GET", "/federation/channels"))).counts;
    expect(atConsumer).toMatchObject({ opened: 1, reopened: 0, fallbacks: 0 });
  });

  it("refuses at one instance an envelope another instance already took", async () => {
    const { sealed } = await sealAs({ seed: seedC, id: consumer.nodeId }, { url: lb.url, nodeId: providerId }, "receipts", { type: "receipts", ids: [] });
    const post = (i: NodeProc) => fetch(`${i.url}/federation/v1/receipts`, { method: "POST", headers: { "content-type": ENVELOPE_CONTENT_TYPE }, body: sealed.bytes as BodyInit });
    expect((await post(instances[0]!)).status).toBe(200);
    for (const other of instances.slice(1)) {
      const again = await post(other);
      expect(again.status).toBe(409);
      expect(await again.json()).toMatchObject({ error: { code: "replayed" } });
    }
  });

  it("runs each scheduled tick period on exactly one instance", async () => {
    const logged = () => instances.flatMap((i) => i.output().split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as { event: string; period?: number; fence?: number; holder?: string }));
    // Scheduled ticks name their period; each instance's first tick, at start, none. Wait for
    // several (a loaded machine runs a 5 s period's tick late, or skips the period while one runs).
    const scheduled = (lines: ReturnType<typeof logged>) => lines.filter((l) => l.event === "tick" && l.period !== undefined);
    await eventually(async () => expect(scheduled(logged()).length).toBeGreaterThanOrEqual(3), 45_000);
    const lines = logged();
    const ticks = lines.filter((l) => l.event === "tick");
    const lost = lines.filter((l) => l.event === "tick.lease_lost");
    const periods = scheduled(lines).map((t) => t.period);
    expect(new Set(periods).size).toBe(periods.length);
    expect(periods.length).toBeGreaterThanOrEqual(3);
    // Every acquisition is one tick that ran or one that lost its lease: the fence counts them all.
    const fences = ticks.map((t) => t.fence!).concat(lost.map((l) => l.fence!));
    expect(new Set(fences).size).toBe(fences.length);
    const [row] = await rows<{ fence: number }>(providerDb, "SELECT fence FROM tick_leases WHERE name = 'tick'");
    // A tick may be running now, its acquisition counted but not yet logged.
    expect(Number(row!.fence) - fences.length).toBeGreaterThanOrEqual(0);
    expect(Number(row!.fence) - fences.length).toBeLessThanOrEqual(1);
  }, 75_000);

  it("makes an operator's tick wait for the lease, and answers tick_busy when it stays held", async () => {
    // Held by an instance that died: nobody renews it (a fence past every real one). A scheduled
    // tick this instance is running answers an operator's at once (it shares it), so try again
    // until the operator's tick meets the dead holder's lease.
    await eventually(async () => {
      await providerDb.execute(`UPDATE tick_leases SET holder = 'gone', fence = fence + 100, expires_at = ${Date.now() + 60_000} WHERE name = 'tick'`);
      const busy = await instances[1]!.admin("POST", "/tick");
      expect(busy.status).toBe(409);
      expect(await busy.json()).toMatchObject({ error: { code: "tick_busy" } });
    }, 40_000);
    // Expired, it is anyone's again.
    await providerDb.execute(`UPDATE tick_leases SET expires_at = ${Date.now()} WHERE name = 'tick'`);
    const ran = await json<{ lease: { holder: string; fence: number; period?: number } }>(await instances[1]!.admin("POST", "/tick"));
    expect(ran.lease.period).toBeUndefined();
    const [row] = await rows<{ holder: string; fence: number }>(providerDb, "SELECT holder, fence FROM tick_leases WHERE name = 'tick'");
    expect(Number(row!.fence)).toBeGreaterThanOrEqual(ran.lease.fence);
  }, 60_000);
});
