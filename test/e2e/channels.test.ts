// Peer channels between real node processes on loopback (docs/protocol.md §5.6): A calls B's tool
// through A, and gossip flows both ways; after the first handshake every request rides on the
// channel. Counts come from each node's GET /admin/federation/channels, channel rows from its
// libSQL file.
import { sql } from "drizzle-orm";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabaseFile } from "../support/libsql.ts";
import { connect } from "../support/mcp.ts";
import { eventually, json, loopbackNode, startEverything, type NodeOptions, type NodeProc, type Upstream } from "../support/processes.ts";

interface Status {
  channels: { cid: string; peer: string; role: "initiator" | "responder"; epoch: number; startsAt: number; expiresAt: number }[];
  counts: Record<"opened" | "accepted" | "sent" | "received" | "reopened" | "fallbacks", number>;
}

export const channelStatus = async (n: NodeProc): Promise<Status> => json<Status>(await n.admin("GET", "/federation/channels"));

const openNode = (name: string, opts: NodeOptions = {}) => loopbackNode(name, { ...opts, env: { PEER_POLICY: "open", ...opts.env } });
const text = (r: unknown) => ((r as { content: { type: string; text: string }[] }).content[0]?.text ?? "");

/** Rows of a table in the node's database file, as the node wrote them. */
async function rows<T>(n: NodeProc, query: ReturnType<typeof sql>): Promise<T[]> {
  const store = await openDatabaseFile(join(n.dataDir, "node.db"));
  try {
    return await store.db.all<T>(query);
  } finally {
    store.close();
  }
}

let up: Upstream;
let a: NodeProc;
let b: NodeProc;
let client: Client;

beforeAll(async () => {
  up = await startEverything();
  a = await openNode("alpha");
  b = await openNode("bravo");
  expect((await b.admin("POST", "/upstreams", { name: "everything", kind: "http", url: up.url })).status).toBe(201);
  await json(await a.admin("POST", "/peers", { url: b.url }));
  await json(await b.admin("POST", "/shares", { tool: "everything_get-sum", visibility: "peers", pricing: { model: "free" } }));
  client = await connect(a.mcpUrl);
  await eventually(async () => expect((await client.listTools()).tools.map((t) => t.name)).toContain("bravo_everything_get-sum"), 15_000);
}, 120_000);

afterAll(async () => {
  await client?.close();
  await Promise.all([a, b, up].map((n) => n?.stop()));
});

describe("a channel between two Node processes", () => {
  it("carries gossip: B told A of its share on a channel B opened, and A answered on it", async () => {
    const [atA, atB] = [await channelStatus(a), await channelStatus(b)];
    const opened = atB.channels.filter((c) => c.peer === a.nodeId && c.role === "initiator");
    expect(opened).toHaveLength(1);
    expect(atA.channels.filter((c) => c.peer === b.nodeId && c.role === "responder").map((c) => c.cid)).toEqual(opened.map((c) => c.cid));
    expect(atB.counts).toMatchObject({ opened: 1, fallbacks: 0 });
    expect(atB.counts.sent).toBeGreaterThanOrEqual(1);
    expect(atA.counts.received).toBeGreaterThanOrEqual(1);
  });

  it("carries relayed calls after one handshake, and both sides keep its secrets sealed", async () => {
    const before = await channelStatus(a);
    for (let i = 0; i < 3; i++) {
      const sum = await client.callTool({ name: "bravo_everything_get-sum", arguments: { a: i, b: 40 } });
      expect(text(sum)).toContain(String(40 + i));
    }
    const [atA, atB] = [await channelStatus(a), await channelStatus(b)];
    expect(atA.counts.sent - before.counts.sent).toBeGreaterThanOrEqual(3);
    expect(atA.counts.fallbacks).toBe(0);
    expect(atA.channels.filter((c) => c.peer === b.nodeId && c.role === "initiator")).toHaveLength(1);
    expect(atB.channels.filter((c) => c.peer === a.nodeId && c.role === "responder").map((c) => c.cid)).toEqual(
      atA.channels.filter((c) => c.peer === b.nodeId && c.role === "initiator").map((c) => c.cid),
    );
    expect(atB.counts.received).toBeGreaterThanOrEqual(3);
    const stored = await rows<{ request_secret: string; answer_secret: string }>(b, sql`SELECT request_secret, answer_secret FROM peer_channels`);
    for (const r of stored) {
      expect(r.request_secret).toMatch(/^sealed:v1:/);
      expect(r.answer_secret).toMatch(/^sealed:v1:/);
    }
  });
});
