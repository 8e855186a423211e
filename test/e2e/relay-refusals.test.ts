// The provider's refusals of a relayed call, over real node processes on loopback. B fronts
// server-everything and an upstream whose tool can change; A and C are B's peers. C tries to have
// A billed with an intent A signed (protocol §6.6: the intent must be signed by the envelope's
// sender). A's client calls B's tools after B withdrew one, after one changed at its upstream, and
// after B changed a price: A's catalog is kept stale by switching off the forwarder A's peers
// reach it through (A's PUBLIC_URL), so B's gossip push cannot arrive before the call.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { sql } from "drizzle-orm";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signingKeyFromSeed } from "../../src/protocol/identity/keys.ts";
import { primitives } from "../../src/protocol/identity/primitives.ts";
import { newSeed, parseSeed } from "../../src/protocol/identity/seed.ts";
import type { LedgerRecord } from "../../src/protocol/ledger/record.ts";
import { signIntent, type LedgerSigner } from "../../src/protocol/ledger/signing.ts";
import { readFrames } from "../../src/protocol/messages/relay-frames.ts";
import { answerFrame, callFrame } from "../../src/protocol/messages/relay.ts";
import { openDatabaseFile } from "../support/libsql.ts";
import { connect } from "../support/mcp.ts";
import { startMutableUpstream, type MutableUpstream } from "../support/mutable-upstream.ts";
import { eventually, freePort, json, loopbackNode, startEverything, type NodeOptions, type NodeProc, type Upstream } from "../support/processes.ts";
import { sealAs } from "../support/seal-as.ts";
import { switchProxy, type SwitchProxy } from "../support/switch-proxy.ts";

interface Row {
  id: string;
  peer: string;
  role: string;
  status: string;
  record: string;
  amount: number;
}

const openNode = (name: string, opts: NodeOptions = {}) => loopbackNode(name, { ...opts, env: { PEER_POLICY: "open", ...opts.env } });
const share = async (n: NodeProc, tool: string, extra: Record<string, unknown> = {}) => json(await n.admin("POST", "/shares", { tool, visibility: "peers", ...extra }));

async function ledgerOf(n: NodeProc): Promise<Row[]> {
  const store = await openDatabaseFile(join(n.dataDir, "node.db"));
  try {
    return await store.db.all<Row>(sql`SELECT id, peer, role, status, record, amount FROM ledger_records ORDER BY completed_at, id`);
  } finally {
    store.close();
  }
}

async function invocationsOf(n: NodeProc) {
  return (await json<{ invocations: { caller: string; toolId: string; outcome: string }[] }>(await n.admin("GET", "/invocations"))).invocations;
}

const relayMeta = (r: unknown) => (r as { _meta?: Record<string, unknown> })._meta?.["mcpfed/relay"] as { provider: string; record?: string };

const seedA = newSeed();
const seedC = newSeed();
let everything: Upstream;
let mutable: MutableUpstream;
let reachA: SwitchProxy;
let a: NodeProc;
let b: NodeProc;
let c: NodeProc;
let client: Client;

const listedAtA = async (name: string) => (await client.listTools()).tools.find((t) => t.name === name);

beforeAll(async () => {
  [everything, mutable] = await Promise.all([startEverything(), startMutableUpstream()]);
  const aPort = await freePort();
  reachA = await switchProxy(await freePort(), aPort);
  // One after the other: three nodes starting at once on a busy machine can outlast startNode's wait.
  a = await openNode("alpha", { port: aPort, env: { NODE_SEED: seedA, PUBLIC_URL: reachA.url } });
  b = await openNode("bravo");
  c = await openNode("charlie", { env: { NODE_SEED: seedC } });
  expect((await b.admin("POST", "/upstreams", { name: "everything", kind: "http", url: everything.url })).status).toBe(201);
  expect((await b.admin("POST", "/upstreams", { name: "mutable", kind: "http", url: mutable.url })).status).toBe(201);
  await json(await a.admin("POST", "/peers", { url: b.url }));
  await json(await c.admin("POST", "/peers", { url: b.url }));
  await share(b, "everything_get-structured-content", { pricing: { model: "per_call", amount: 2, unit: "credit" } });
  await share(b, "everything_get-sum", { pricing: { model: "free" } });
  await share(b, "everything_echo", { pricing: { model: "per_call", amount: 5, unit: "credit" } });
  await share(b, "mutable_weather", { pricing: { model: "per_call", amount: 1, unit: "credit" } });
  client = await connect(a.mcpUrl);
  await eventually(async () => {
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toEqual(
      expect.arrayContaining(["bravo_everything_get-structured-content", "bravo_everything_get-sum", "bravo_everything_echo", "bravo_mutable_weather"]),
    );
  }, 15_000);
}, 90_000);

afterAll(async () => {
  await client?.close();
  await Promise.all([a, b, c, everything].map((n) => n?.stop()));
  await Promise.all([mutable?.close(), reachA?.close()]);
  for (const n of [a, b, c]) if (n) rmSync(n.dataDir, { recursive: true, force: true });
});

describe("an intent signed by another node than the envelope's sender", () => {
  const tool = "get-structured-content";
  const args = { location: "New York" };

  /** An intent to call B's tool, signed with A's seed as A would sign it. */
  async function intentOfA() {
    const signing = await signingKeyFromSeed(await primitives(), parseSeed(seedA));
    const signer: LedgerSigner = { nodeId: a.nodeId, sign: (m, ctx) => signing.signer.sign(m, ctx) };
    const listed = (await listedAtA(`bravo_everything_${tool}`))!;
    return signIntent(signer, {
      provider: b.nodeId,
      tool: { id: `${b.nodeId}/everything/${tool}`, fingerprint: listed._meta!["mcpfed/fingerprint"] as string },
      params: { name: tool, arguments: args },
      price: listed._meta!["mcpfed/pricing"] as never,
      requestedAt: Date.now(),
    });
  }

  /** The call sealed in `from`'s name, and B's answer to it. */
  async function callAs(from: { seed: string; id: string }, intent: unknown) {
    const request = { type: "call", key: `everything/${tool}`, arguments: args, intent, timeoutMs: 10_000, progress: false, countersigned: [] };
    const { sealed, post } = await sealAs(from, b, "call", request);
    const res = await post();
    expect(res.status).toBe(200);
    for await (const frame of readFrames(res.body!)) {
      const f = callFrame.parse(JSON.parse(new TextDecoder().decode(await sealed.openResponse(frame))));
      if (f.type === "answer") return answerFrame.parse(f).answer;
    }
    throw new Error("no answer frame");
  }

  it("is refused when a third node sends it, and B records and bills nothing", async () => {
    const intent = await intentOfA();
    const id = intent.intent.id;
    const ledgerBefore = (await ledgerOf(b)).length;

    const fromC = await callAs({ seed: seedC, id: c.nodeId }, intent);
    expect(fromC).toMatchObject({ ok: false, error: { code: "intent_refused", message: expect.stringContaining("signed by another node than the sender") } });
    expect(await ledgerOf(b)).toHaveLength(ledgerBefore);
    expect((await ledgerOf(b)).some((r) => r.id === id)).toBe(false);
    expect((await invocationsOf(b)).filter((i) => i.caller === `peer:${c.nodeId}`)).toEqual([]);

    // The same intent from its signer is served and billed to A: only the sender made it wrong.
    const fromA = await callAs({ seed: seedA, id: a.nodeId }, intent);
    expect(fromA).toMatchObject({ ok: true });
    expect((await ledgerOf(b)).filter((r) => r.id === id)).toEqual([expect.objectContaining({ peer: a.nodeId, role: "provider", status: "pending", amount: 2 })]);
  });
});

describe("refusals a consumer meets through a real A → B hop", () => {
  /** The call's error as A's client sees it; nothing is recorded on either side. */
  async function refusedCall(name: string, args: Record<string, unknown>) {
    const [atA, atB, invocationsAtB] = [(await ledgerOf(a)).length, (await ledgerOf(b)).length, (await invocationsOf(b)).length];
    const err = await client.callTool({ name, arguments: args }).then(
      () => expect.fail(`${name} was served`),
      (e: unknown) => e as { message: string; data?: { type?: string } },
    );
    expect(await ledgerOf(a)).toHaveLength(atA);
    expect(await ledgerOf(b)).toHaveLength(atB);
    // Refused before B ran it: B called no upstream.
    expect(await invocationsOf(b)).toHaveLength(invocationsAtB);
    return err;
  }

  it("not_shared: a tool B withdrew after A listed it", async () => {
    reachA.off();
    try {
      await json(await b.admin("DELETE", "/shares/everything/get-sum"));
      expect(await listedAtA("bravo_everything_get-sum")).toMatchObject({ name: "bravo_everything_get-sum" });
      const err = await refusedCall("bravo_everything_get-sum", { a: 1, b: 2 });
      expect(err.message).toContain("everything/get-sum is not shared by this node");
      expect(err.data?.type).toBe("peer_unavailable");
      // A's next gossip with B brings the tombstone, and the tool leaves A's catalog.
      await json(await a.admin("POST", "/tick"));
      await eventually(async () => expect(await listedAtA("bravo_everything_get-sum")).toBeUndefined(), 10_000);
    } finally {
      reachA.on();
    }
  });

  it("fingerprint_changed: a tool whose upstream changed it after B shared it is not served", async () => {
    const callsBefore = mutable.calls();
    mutable.describe("Reports the weather, in a changed description");
    expect(await json(await b.admin("POST", "/upstreams/mutable/refresh"))).toMatchObject({ refresh: { ok: true } });
    // B's operator accepts the new definition (definition pins), but does not share it again.
    const [change] = (await json<{ changes: { id: number }[] }>(await b.admin("GET", "/tools/changes?status=pending&upstream=mutable"))).changes;
    await json(await b.admin("POST", `/tools/changes/${change!.id}/approve`));
    const err = await refusedCall("bravo_mutable_weather", {});
    expect(err.message).toContain("mutable/weather changed since it was shared");
    expect(err.data?.type).toBe("peer_unavailable");
    expect(mutable.calls()).toBe(callsBefore);
  });

  it("price_changed: a stale quote is refused, and the next quote, at the new price, is served", async () => {
    reachA.off();
    try {
      await share(b, "everything_echo", { pricing: { model: "per_call", amount: 7, unit: "credit" } });
      expect((await listedAtA("bravo_everything_echo"))?._meta?.["mcpfed/pricing"]).toMatchObject({ amount: 5 });
      const err = await refusedCall("bravo_everything_echo", { message: "at the old price" });
      expect(err.message).toContain("the price of everything/echo changed; quote it again");
      expect(err.data?.type).toBe("peer_unavailable");

      // The consumer re-quotes from its catalog: once A's gossip with B brings the new entry, the
      // same call is quoted, signed and billed at the new price.
      await json(await a.admin("POST", "/tick"));
      await eventually(async () => expect((await listedAtA("bravo_everything_echo"))?._meta?.["mcpfed/pricing"]).toMatchObject({ amount: 7 }), 10_000);
      const served = await client.callTool({ name: "bravo_everything_echo", arguments: { message: "at the new price" } });
      const id = relayMeta(served).record!;
      const row = (await ledgerOf(a)).find((r) => r.id === id)!;
      expect(row).toMatchObject({ peer: b.nodeId, role: "consumer", amount: 7 });
      expect((JSON.parse(row.record) as LedgerRecord).intent.price).toMatchObject({ model: "per_call", amount: 7, unit: "credit" });
    } finally {
      reachA.on();
    }
  });
});
