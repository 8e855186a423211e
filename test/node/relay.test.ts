// Relayed calls across real node processes on loopback: A peers with B and C, which each front
// their own server-everything. A's MCP client calls B's and C's tools through A; the records
// both sides keep are read straight from each node's libSQL file.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LedgerRecord } from "../../src/ledger/record.ts";
import { openDatabaseFile, type TestDatabase } from "../support/libsql.ts";
import { connect } from "../support/mcp.ts";
import { eventually, freePort, startEverything, startNode, type NodeProc, type Upstream } from "../support/processes.ts";

interface Row {
  id: string;
  peer: string;
  role: string;
  status: string;
  reason: string | null;
  record: string;
  amount: number;
  unit: string | null;
}

async function loopbackNode(name: string, opts: { port?: number; dataDir?: string; env?: Record<string, string> } = {}): Promise<NodeProc> {
  const port = opts.port ?? (await freePort());
  return startNode({ port, dataDir: opts.dataDir, env: { NODE_NAME: name, PUBLIC_URL: `http://127.0.0.1:${port}`, PEER_POLICY: "open", ...opts.env } });
}

const json = async <T>(res: Response): Promise<T> => {
  if (!res.ok) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
};
const share = async (n: NodeProc, tool: string, extra: Record<string, unknown> = {}) => json(await n.admin("POST", "/shares", { tool, visibility: "peers", ...extra }));
const tick = async (...nodes: NodeProc[]) => {
  for (const n of nodes) await json(await n.admin("POST", "/tick"));
};

/** The node's ledger rows, read from its database file as the node wrote them. */
async function ledgerOf(n: NodeProc): Promise<Row[]> {
  const store: TestDatabase = await openDatabaseFile(join(n.dataDir, "node.db"));
  try {
    const rs = await store.db.$client.execute("SELECT id, peer, role, status, reason, record, amount, unit FROM ledger_records ORDER BY completed_at, id");
    return rs.rows as unknown as Row[];
  } finally {
    store.close();
  }
}

const text = (r: unknown) => ((r as { content: { type: string; text: string }[] }).content[0]?.text ?? "");
const relayMeta = (r: unknown) => (r as { _meta?: Record<string, unknown> })._meta?.["mcpfed/relay"] as { provider: string; record?: string; cached: boolean };

let upB: Upstream;
let upC: Upstream;
let a: NodeProc;
let b: NodeProc;
let c: NodeProc;
let client: Client;

beforeAll(async () => {
  [upB, upC] = await Promise.all([startEverything(), startEverything()]);
  [a, b, c] = await Promise.all([loopbackNode("alpha"), loopbackNode("bravo"), loopbackNode("charlie")]);
  for (const [n, up] of [[b, upB], [c, upC]] as const) {
    expect((await n.admin("POST", "/upstreams", { name: "everything", kind: "http", url: up.url })).status).toBe(201);
  }
  await json(await a.admin("POST", "/peers", { url: b.url }));
  await json(await a.admin("POST", "/peers", { url: c.url }));
  await share(b, "everything_get-sum", { pricing: { model: "free" } });
  await share(b, "everything_trigger-long-running-operation", { pricing: { model: "per_time", amount: 3, per: "second", unit: "credit" } });
  await share(b, "everything_echo", { pricing: { model: "per_call", amount: 5, unit: "credit" } });
  await share(c, "everything_get-structured-content", { pricing: { model: "per_call", amount: 2, unit: "credit" } });
  client = await connect(a.mcpUrl);
  await eventually(async () => {
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(["bravo_everything_get-sum", "bravo_everything_echo", "charlie_everything_get-structured-content"]));
  }, 15_000);
}, 90_000);

afterAll(async () => {
  await client?.close();
  await Promise.all([a, b, c, upB, upC].map((n) => n?.stop()));
});

describe("relayed calls A → B and A → C", () => {
  it("answers with the provider's result and keeps one record, signed by both, on both sides", async () => {
    const sum = await client.callTool({ name: "bravo_everything_get-sum", arguments: { a: 2, b: 40 } });
    expect(text(sum)).toContain("42");
    expect(relayMeta(sum)).toMatchObject({ provider: b.nodeId, cached: false });
    const structured = await client.callTool({ name: "charlie_everything_get-structured-content", arguments: { location: "New York" } });
    expect(structured.structuredContent).toMatchObject({ temperature: expect.any(Number) });
    expect(relayMeta(structured)).toMatchObject({ provider: c.nodeId });

    const echo = await client.callTool({ name: "bravo_everything_echo", arguments: { message: "over the hop" } });
    expect(text(echo)).toBe("Echo: over the hop");
    const id = relayMeta(echo).record!;
    // A countersigned at once; B confirms once the countersignature reaches it, here on A's tick.
    await tick(a);
    const [atA, atB] = [(await ledgerOf(a)).find((r) => r.id === id)!, (await ledgerOf(b)).find((r) => r.id === id)!];
    expect(atA).toMatchObject({ peer: b.nodeId, role: "consumer", status: "confirmed", amount: 5, unit: "credit" });
    expect(atB).toMatchObject({ peer: a.nodeId, role: "provider", status: "confirmed", amount: 5, unit: "credit" });
    expect(atB.record).toBe(atA.record);
    const record = JSON.parse(atA.record) as LedgerRecord;
    expect(record.intent).toMatchObject({ consumer: a.nodeId, provider: b.nodeId, tool: { id: `${b.nodeId}/everything/echo` }, price: { model: "per_call", amount: 5 } });
    expect(record.sigs.countersign).toBeDefined();
    // The record has hashes, never the arguments or the result.
    expect(atA.record).not.toContain("over the hop");
  });
});
