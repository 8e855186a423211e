// Feature activation by adoption (docs/protocol.md §20.5) across four real node processes on
// loopback: three advertise the pending feature index-agents, the fourth (FEATURES_OFF) models a
// node that predates it. With the threshold at 0.5 the three turn it on; X publishes its agent's
// tag: records only to the two others, so the fourth never receives one (it would refuse it), while
// X's tool records reach it too. `mcpfed nodes --features` shows the adoption on both kinds of node.
import { join } from "node:path";
import { createClient } from "@libsql/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli } from "../support/cli.ts";
import { connect } from "../support/mcp.ts";
import { withEverything } from "../support/node-with-everything.ts";
import { eventually, json, loopbackNode, type NodeProc, type Upstream } from "../support/processes.ts";
import { tick as tickOnce } from "../support/tick.ts";

const FEATURE = "index-agents";
// Four public nodes, each responsible for every key (k = 4), the index on from three known nodes.
const env = { PEER_POLICY: "open", PUBLIC_NODE: "true", INDEX_MIN_NODES: "3", INDEX_REPLICAS: "4", FEATURES_PENDING: `${FEATURE}:0.5` };

let everything: Upstream;
let x: NodeProc;
let others: NodeProc[];
let old: NodeProc;
const all = () => [x, ...others, old];

const knownCount = async (n: NodeProc) => (await json<{ nodes: unknown[] }>(await n.admin("GET", "/nodes"))).nodes.length;
/** The index records a node holds for others, read from its own database file. */
async function heldRecords(n: NodeProc): Promise<{ key: string; origin: string }[]> {
  const db = createClient({ url: `file:${join(n.dataDir, "node.db")}` });
  try {
    const rs = await db.execute("SELECT key, origin FROM index_records");
    return rs.rows.map((r) => ({ key: String(r.key), origin: String(r.origin) }));
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  ({ node: x, everything } = await withEverything(loopbackNode("xray", { env })));
  others = await Promise.all(["yankee", "zulu"].map((name) => loopbackNode(name, { env })));
  old = await loopbackNode("old", { env: { ...env, FEATURES_OFF: FEATURE } });
  // Every pair peered: with the index on, a node keeps the cards (node entries) of its
  // neighbourhood only (src/node/discovery/kept-entries.ts), and adoption counts the cards it keeps.
  const nodes = all();
  await Promise.all(nodes.flatMap((n, i) => nodes.slice(i + 1).map(async (m) => json(await n.admin("POST", "/peers", { url: m.url })))));
  await json(await x.admin("POST", "/shares", { tool: "everything_echo", visibility: "public" }));
  await eventually(async () => {
    await Promise.all(all().map((n) => tickOnce(n)));
    expect(await Promise.all(all().map(knownCount))).toEqual([3, 3, 3, 3]);
  }, 120_000);
}, 240_000);

afterAll(async () => {
  await Promise.all([...all(), everything].map((n) => n?.stop()));
});

describe("a pending feature three of four nodes advertise", () => {
  it("is advertised by the three and left out of the fourth's card", async () => {
    for (const n of all()) {
      const card = (await (await fetch(`${n.url}/.well-known/mcpfed`)).json()) as { features: string[] };
      expect(card.features.includes(FEATURE)).toBe(n !== old);
    }
  });

  it("turns on at the three, and never at the fourth", async () => {
    for (const n of [x, ...others]) {
      // Each sees two of its three known nodes advertise it: a trust-weighted share above the threshold, below all.
      await tickOnce(n);
      const [f] = (await json<{ features: { feature: string; adoption: number; active: boolean; advertisedBy: number; known: number }[] }>(await n.admin("GET", "/nodes/features"))).features;
      expect(f).toMatchObject({ feature: FEATURE, active: true, advertisedBy: 2, known: 3 });
      expect(f!.adoption).toBeGreaterThanOrEqual(0.5);
      expect(f!.adoption).toBeLessThan(1);
    }
    expect((await tickOnce(old)).features).toEqual([expect.objectContaining({ feature: FEATURE, adoption: 1, active: false })]);
  });

  it("shows the adoption in `mcpfed nodes --features`", async () => {
    const on = await cli(["nodes", "--features"], { MCPFED_URL: x.url, ADMIN_TOKEN: x.adminToken });
    expect(on.code).toBe(0);
    expect(on.stdout).toMatch(/index-agents\s+[5-9]\d\.\d%\s+50\.0% \(−5\.0%\)\s+2\/3\s+active/);
    const off = await cli(["nodes", "--features"], { MCPFED_URL: old.url, ADMIN_TOKEN: old.adminToken });
    expect(off.code).toBe(0);
    expect(off.stdout).toMatch(/index-agents\s+100\.0%\s+50\.0% \(−5\.0%\)\s+3\/3\s+off here \(FEATURES_OFF\)/);
  });

  it("sends the agent's tag: records to the nodes that advertise it only, and the tool's to all", async () => {
    const onX = await connect(x.mcpUrl);
    try {
      const reg = (await onX.callTool({ name: "agent_register", arguments: { name: "translator", tags: ["translate"], ttl_seconds: 3600, visibility: "public" } })) as { isError?: boolean };
      expect(reg.isError ?? false).toBe(false);
    } finally {
      await onX.close();
    }
    // X ticks until every owner holds what it is owed: nothing sent, nothing failed.
    await eventually(async () => {
      const report = await tickOnce(x);
      expect(report.index).toMatchObject({ sent: 0, failed: 0 });
    }, 60_000);
    for (const n of others) {
      const held = (await heldRecords(n)).filter((r) => r.origin === x.nodeId).map((r) => r.key);
      expect(held).toContain("tag:translate");
      expect(held).toContain("kw:echoes");
    }
    const atOld = (await heldRecords(old)).filter((r) => r.origin === x.nodeId).map((r) => r.key);
    expect(atOld).toContain("kw:echoes");
    expect(atOld).toContain(`node:${x.nodeId}`);
    expect(atOld.filter((k) => k.startsWith("tag:"))).toEqual([]);
    // Never offered one: it had none to refuse.
    expect(old.output()).not.toContain("index.agents_refused");
  }, 90_000);
});
