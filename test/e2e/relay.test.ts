// Relayed calls across real node processes on loopback: A peers with B and C, which each front
// their own server-everything. A's MCP client calls B's and C's tools through A; the records
// both sides keep are read straight from each node's libSQL file.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { sql } from "drizzle-orm";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LedgerRecord } from "../../src/protocol/ledger/record.ts";
import { primitives } from "../../src/protocol/identity/primitives.ts";
import { signingKeyFromSeed } from "../../src/protocol/identity/keys.ts";
import { newSeed, parseSeed } from "../../src/protocol/identity/seed.ts";
import { countersign, receiptBytes, RECEIPT_CONTEXT, signIntent, type LedgerSigner } from "../../src/protocol/ledger/signing.ts";
import { answerFrame, callFrame, countersignedAck } from "../../src/protocol/messages/relay.ts";
import { readFrames } from "../../src/protocol/messages/relay-frames.ts";
import { requestHash } from "../../src/protocol/ledger/request-hash.ts";
import { toBase64url } from "../../src/protocol/encoding/bytes.ts";
import type { Card } from "../../src/protocol/card/schema.ts";
import { signingKey } from "../../src/protocol/identity/imported.ts";
import { canonicalRecord } from "../../src/protocol/ledger/record.ts";
import { openDatabaseFile, type TestDatabase } from "../support/libsql.ts";
import { cli } from "../support/cli.ts";
import { openedAnswer, sealAs } from "../support/seal-as.ts";
import { connect } from "../support/mcp.ts";
import { eventually, json, loopbackNode, type NodeOptions, type NodeProc, startEverything, type Upstream } from "../support/processes.ts";
import { tick as tickOnce } from "../support/tick.ts";

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

const openNode = (name: string, opts: NodeOptions = {}) => loopbackNode(name, { ...opts, env: { PEER_POLICY: "open", ...opts.env } });

const share = async (n: NodeProc, tool: string, extra: Record<string, unknown> = {}) => json(await n.admin("POST", "/shares", { tool, visibility: "peers", ...extra }));
const tick = async (...nodes: NodeProc[]) => {
  for (const n of nodes) await tickOnce(n);
};

/** The node's ledger rows, read from its database file as the node wrote them. */
async function ledgerOf(n: NodeProc): Promise<Row[]> {
  const store: TestDatabase = await openDatabaseFile(join(n.dataDir, "node.db"));
  try {
    return await store.db.all<Row>(sql`SELECT id, peer, role, status, reason, record, amount, unit FROM ledger_records ORDER BY completed_at, id`);
  } finally {
    store.close();
  }
}

const text = (r: unknown) => ((r as { content: { type: string; text: string }[] }).content[0]?.text ?? "");
const relayMeta = (r: unknown) => (r as { _meta?: Record<string, unknown> })._meta?.["mcpfed/relay"] as { provider: string; record?: string; cached: boolean };

// A's and C's seeds, so that the test can speak for A and sign as C.
const seedA = newSeed();
const seedC = newSeed();
let upB: Upstream;
let upC: Upstream;
let a: NodeProc;
let b: NodeProc;
let c: NodeProc;
let client: Client;

beforeAll(async () => {
  [upB, upC] = await Promise.all([startEverything(), startEverything()]);
  // One after the other: three nodes starting at once on a busy machine can outlast startNode's wait.
  a = await openNode("alpha", { env: { NODE_SEED: seedA } });
  b = await openNode("bravo", { env: { COUNTERSIGN_ASK_AFTER_SECONDS: "0" } });
  c = await openNode("charlie", { env: { NODE_SEED: seedC } });
  for (const [n, up] of [[b, upB], [c, upC]] as const) {
    expect((await n.admin("POST", "/upstreams", { name: "everything", kind: "http", url: up.url })).status).toBe(201);
  }
  await json(await a.admin("POST", "/peers", { url: b.url }));
  await json(await a.admin("POST", "/peers", { url: c.url }));
  await share(b, "everything_get-sum", { pricing: { model: "free" } });
  await share(b, "everything_trigger-long-running-operation", { pricing: { model: "per_time", amount: 3, per: "second", unit: "credit" } });
  await share(b, "everything_echo", { pricing: { model: "per_call", amount: 5, unit: "credit" }, replicable: true });
  await share(c, "everything_get-structured-content", { pricing: { model: "per_call", amount: 2, unit: "credit" } });
  client = await connect(a.mcpUrl);
  await eventually(async () => {
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(["bravo_everything_get-sum", "bravo_everything_echo", "charlie_everything_get-structured-content"]));
  }, 15_000);
}, 180_000);

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

    // call_tool takes the global id.
    const byId = await client.callTool({ name: "call_tool", arguments: { id: `${b.nodeId}/everything/get-sum`, arguments: { a: 1, b: 2 } } });
    expect(text(byId)).toContain("3");
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
    // The consumer's signature, in the scheme of the provider's receipt.
    expect(record.sigs.countersign).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(record.sigs.countersign).toHaveLength(record.sigs.receipt.length);
    // The record has hashes, never the arguments or the result.
    expect(atA.record).not.toContain("over the hop");
  });
});

describe("calls paid from a budget", () => {
  it("checks A's caller's budget against the quoted price, debits the record's amount after, and refuses a call it cannot pay", async () => {
    const task = "relay-charges";
    const budget = { owner: a.nodeId, task, unit: "credit" };
    await json(await a.admin("POST", "/budgets", { task, unit: "credit", amount: 7 }));
    // The test's client has no token: A serves it as the principal "anonymous".
    await json(await a.admin("PUT", "/budgets/charges/anonymous", { budget }));
    try {
      const paid = await client.callTool({ name: "bravo_everything_echo", arguments: { message: "paid" } });
      const id = relayMeta(paid).record!;
      expect(relayMeta(paid)).toMatchObject({ charged: { budget, amount: 5, remaining: 2 } });
      const held = [(await ledgerOf(a)).length, (await ledgerOf(b)).length];
      const refused = await client.callTool({ name: "bravo_everything_echo", arguments: { message: "unpaid" } }).catch((err: unknown) => err);
      expect(refused).toMatchObject({ code: -32014, data: { type: "budget_exhausted", budget } });
      // Nothing was sent: no record on either side.
      expect([(await ledgerOf(a)).length, (await ledgerOf(b)).length]).toEqual(held);
      const view = await json(await a.admin("GET", `/budgets/${a.nodeId}/credit/${task}`));
      expect(view).toMatchObject({ spent: 5, remaining: 2, debits: [{ kind: "spend", amount: 5, principal: "anonymous", record: id }] });
    } finally {
      expect((await a.admin("DELETE", "/budgets/charges/anonymous")).status).toBe(204);
    }
  });
});

describe("progress, cancellation and pricing by time", () => {
  const long = "bravo_everything_trigger-long-running-operation";

  it("passes progress through and bills per started second of the provider's measured duration", async () => {
    const progress: number[] = [];
    const r = await client.callTool({ name: long, arguments: { duration: 1.2, steps: 3 } }, undefined, { onprogress: (p) => void progress.push(p.progress) });
    expect(progress).toEqual([1, 2, 3]);
    const row = (await ledgerOf(a)).find((x) => x.id === relayMeta(r).record)!;
    const record = JSON.parse(row.record) as LedgerRecord;
    expect(record.receipt.durationMs).toBeGreaterThanOrEqual(1200);
    expect(record.receipt.units).toBe(Math.ceil(record.receipt.durationMs / 1000));
    expect(row.amount).toBe(record.receipt.units * 3);
  });

  it("cancels the provider's upstream call when the client cancels, and records nothing", async () => {
    const before = (await ledgerOf(b)).length;
    const ctl = new AbortController();
    const call = client.callTool({ name: long, arguments: { duration: 30, steps: 30 } }, undefined, { signal: ctl.signal, onprogress: () => ctl.abort("enough") });
    await expect(call).rejects.toThrow();
    await eventually(async () => {
      const { invocations } = await json<{ invocations: { caller: string; toolId: string; outcome: string }[] }>(await b.admin("GET", "/invocations"));
      expect(invocations.find((i) => i.caller === `peer:${a.nodeId}` && i.toolId.endsWith("/trigger-long-running-operation"))?.outcome).toBe("cancelled");
    }, 10_000);
    expect((await ledgerOf(b)).length).toBe(before);
  });
});

/** A request to B's federation route `name`, sealed by the test as A from A's seed. */
const sealAsA = (name: string, payload: unknown) => sealAs({ seed: seedA, id: a.nodeId }, b, name, payload);

/** A call to B sealed by the test as A: what an attacker who recorded A's traffic could resend. */
async function sealedCallAsA(o: { reuse?: unknown; sendArgs?: Record<string, number>; tool?: string; args?: Record<string, number>; timeoutMs?: number; progress?: boolean } = {}) {
  const signing = await signingKeyFromSeed(await primitives(), parseSeed(seedA));
  const signer: LedgerSigner = { nodeId: a.nodeId, sign: (m, ctx) => signing.signer.sign(m, ctx) };
  const { tools } = await client.listTools();
  const tool = o.tool ?? "get-sum";
  const listed = tools.find((t) => t.name === `bravo_everything_${tool}`)!;
  const args = o.args ?? { a: 1, b: 1 };
  const intent =
    o.reuse ??
    (await signIntent(signer, {
      provider: b.nodeId,
      tool: { id: `${b.nodeId}/everything/${tool}`, fingerprint: listed._meta!["mcpfed/fingerprint"] as string },
      params: { name: tool, arguments: args },
      price: listed._meta!["mcpfed/pricing"] as never,
      requestedAt: Date.now(),
    }));
  const request = { type: "call", key: `everything/${tool}`, arguments: o.sendArgs ?? args, intent, timeoutMs: o.timeoutMs ?? 10_000, progress: o.progress ?? false, countersigned: [] };
  const { sealed, post } = await sealAsA("call", request);
  const answer = async (res: Response) => {
    for await (const frame of readFrames(res.body!)) {
      const f = callFrame.parse(JSON.parse(new TextDecoder().decode(await sealed.openResponse(frame))));
      if (f.type === "answer") return answerFrame.parse(f).answer;
    }
    throw new Error("no answer");
  };
  return { intent, post, answer, signer, sealed };
}

describe("forged and replayed inputs", () => {
  it("refuses a replayed call envelope, and a second call under one intent", async () => {
    const first = await sealedCallAsA();
    const ok = await first.answer(await first.post());
    expect(ok).toMatchObject({ ok: true, result: { content: [{ type: "text", text: expect.stringContaining("2") }] } });
    const id = (first.intent as { intent: { id: string } }).intent.id;
    expect((await ledgerOf(b)).filter((r) => r.id === id)).toHaveLength(1);

    const replay = await first.post();
    expect(replay.status).toBe(409);
    expect(await replay.json()).toMatchObject({ error: { code: "replayed" } });

    const again = await sealedCallAsA({ reuse: first.intent });
    expect(await again.answer(await again.post())).toMatchObject({ ok: false, error: { code: "intent_refused", message: expect.stringContaining("already used") } });
    expect((await ledgerOf(b)).filter((r) => r.id === id)).toHaveLength(1);
  });

  it("answers a call that asked for no progress in one body, and one that did as a stream, with the same frames", async () => {
    const plain = await sealedCallAsA();
    const one = await plain.post();
    expect(one.headers.get("content-type")).toBe("application/mcpfed-frames");
    expect(Number(one.headers.get("content-length"))).toBeGreaterThan(0);
    expect(await plain.answer(one)).toMatchObject({ ok: true, result: { content: [{ type: "text", text: expect.stringContaining("2") }] } });
    const streaming = await sealedCallAsA({ progress: true });
    const stream = await streaming.post();
    expect(stream.headers.get("content-type")).toBe("application/mcpfed-frames");
    expect(stream.headers.get("content-length")).toBeNull();
    expect(await streaming.answer(stream)).toMatchObject({ ok: true, result: { content: [{ type: "text", text: expect.stringContaining("2") }] } });
  });

  it("holds the upstream call to the timeout the consumer asked for", async () => {
    const call = await sealedCallAsA({ tool: "trigger-long-running-operation", args: { duration: 3, steps: 1 }, timeoutMs: 300 });
    // The operation takes 3 s and B's own limit is a minute: only the asked-for 300 ms can time it out.
    expect(await call.answer(await call.post())).toMatchObject({ ok: false, error: { code: "upstream_timeout" } });
  });

  it("refuses an intent signed for other arguments than the call carries", async () => {
    const before = (await ledgerOf(b)).length;
    const call = await sealedCallAsA({ sendArgs: { a: 2, b: 2 } });
    expect((call.intent as { intent: { request: string } }).intent.request).toBe(await requestHash("get-sum", { a: 1, b: 1 }));
    expect(await call.answer(await call.post())).toMatchObject({ ok: false, error: { code: "intent_refused", message: expect.stringContaining("other arguments") } });
    expect((await ledgerOf(b)).length).toBe(before);
  });

  it("flags forged countersigned records, altered amounts and receipts signed by the wrong node, and keeps the held record", async () => {
    const call = await sealedCallAsA();
    expect(await call.answer(await call.post())).toMatchObject({ ok: true });
    const id = (call.intent as { intent: { id: string } }).intent.id;
    const held = (await ledgerOf(b)).find((r) => r.id === id)!;
    expect(held.status).toBe("pending");
    const pending = JSON.parse(held.record) as LedgerRecord;

    const p = await primitives();
    const cSigning = await signingKeyFromSeed(p, parseSeed(seedC));
    const altered: LedgerRecord = { ...pending, receipt: { ...pending.receipt, amount: 1000, unit: "credit" } };
    const wrongSigner: LedgerRecord = { ...pending, sigs: { ...pending.sigs, receipt: toBase64url(await cSigning.signer.sign(receiptBytes(pending), RECEIPT_CONTEXT)) } };
    const forged = [altered, wrongSigner].map((r) => ({ ...r, sigs: { ...r.sigs, countersign: pending.sigs.intent } }));
    const push = async (records: unknown[]) => {
      const request = await sealAsA("countersigned", { type: "countersigned", records });
      return countersignedAck.parse((await openedAnswer(request, await request.post())).result);
    };
    await push(forged);
    const store = await openDatabaseFile(join(b.dataDir, "node.db"));
    try {
      const flags = await store.db.all<{ reason: string; source: string }>(sql`SELECT reason, source FROM ledger_flags WHERE record_id = ${id}`);
      expect(flags.map((f) => f.reason).sort()).toEqual(["bad_receipt_signature", "bad_receipt_signature"]);
      expect(flags.every((f) => f.source === a.nodeId)).toBe(true);
    } finally {
      store.close();
    }
    expect((await ledgerOf(b)).find((r) => r.id === id)).toMatchObject({ status: "pending", record: held.record });

    // The genuine countersignature still completes it.
    const card = (await (await fetch(`${b.url}/.well-known/mcpfed`)).json()) as Card;
    const keys = new Map([
      [b.nodeId, await signingKey(p, card.keys.sig.pub)],
      [a.nodeId, await signingKey(p, toBase64url((await signingKeyFromSeed(p, parseSeed(seedA))).signer.publicKey))],
    ]);
    const verifier = {
      keyOf: async (node: string) => {
        const key = keys.get(node);
        return key && { verify: (m: Uint8Array, sig: Uint8Array, ctx: string) => key.verify(sig, m, ctx) };
      },
    };
    const genuine = await countersign(call.signer, verifier, call.intent as never, pending, 60_000);
    expect((await push([genuine])).acked).toEqual([id]);
    expect((await ledgerOf(b)).find((r) => r.id === id)).toMatchObject({ status: "confirmed", record: canonicalRecord(genuine) });
  });
});

describe("pricing changes and caching", () => {
  it("bills a price change only to calls made after it", async () => {
    const first = await client.callTool({ name: "bravo_everything_echo", arguments: { message: "before" } });
    await share(b, "everything_echo", { pricing: { model: "per_call", amount: 7, unit: "credit" }, replicable: true });
    const seen = async () => {
      const { tools } = await client.listTools();
      return tools.find((t) => t.name === "bravo_everything_echo")?._meta?.["mcpfed/pricing"];
    };
    await eventually(async () => expect(await seen()).toEqual({ model: "per_call", amount: 7, unit: "credit" }), 10_000);
    const second = await client.callTool({ name: "bravo_everything_echo", arguments: { message: "after" } });
    const rows = await ledgerOf(a);
    expect(rows.find((r) => r.id === relayMeta(first).record)?.amount).toBe(5);
    expect(rows.find((r) => r.id === relayMeta(second).record)?.amount).toBe(7);
  });

  it("answers identical calls to a cacheable tool from A's cache within its TTL, and records the hit", async () => {
    // The CLI's way to share with a price and a TTL.
    const shared = await cli(["share", "everything_get-tiny-image", "--price", "4/call:credit", "--cache-ttl", "60"], { MCPFED_URL: b.url, ADMIN_TOKEN: b.adminToken });
    expect(shared.code, shared.stderr).toBe(0);
    await eventually(async () => {
      const { tools } = await client.listTools();
      expect(tools.find((t) => t.name === "bravo_everything_get-tiny-image")?._meta?.["mcpfed/cacheTtlSeconds"]).toBe(60);
    }, 10_000);
    const before = (await ledgerOf(a)).length;
    const first = await client.callTool({ name: "bravo_everything_get-tiny-image", arguments: {} });
    const second = await client.callTool({ name: "bravo_everything_get-tiny-image", arguments: {} });
    expect(relayMeta(first)).toMatchObject({ cached: false, record: expect.any(String) });
    expect(relayMeta(second)).toEqual({ provider: b.nodeId, cached: true });
    expect(second.content).toEqual(first.content);
    expect((await ledgerOf(a)).length).toBe(before + 1);
    await eventually(async () => {
      const { invocations } = await json<{ invocations: { toolId: string; outcome: string }[] }>(await a.admin("GET", "/invocations"));
      expect(invocations.filter((i) => i.toolId === `${b.nodeId}/everything/get-tiny-image`).map((i) => i.outcome)).toEqual(["cache_hit", "ok"]);
    });
  });

  it("sells a subscription as one record signed by both, then bills its calls at 0 under the grant", async () => {
    await share(b, "everything_get-env", { pricing: { model: "subscription", amount: 100, periodSeconds: 3600, unit: "credit" } });
    const name = "bravo_everything_get-env";
    await eventually(async () => expect((await client.listTools()).tools.find((t) => t.name === name)?._meta?.["mcpfed/pricing"]).toMatchObject({ model: "subscription" }), 10_000);
    await expect(client.callTool({ name, arguments: {} })).rejects.toMatchObject({ message: expect.stringContaining("subscribe first") });

    const bought = await cli(["subscribe", name], { MCPFED_URL: a.url, ADMIN_TOKEN: a.adminToken });
    expect(bought.code, bought.stderr).toBe(0);
    const [sub] = (await json<{ subscriptions: { grantId: string; recordId: string; tool: string }[] }>(await a.admin("GET", "/subscriptions"))).subscriptions;
    expect(sub?.tool).toBe(`${b.nodeId}/everything/get-env`);
    const result = await client.callTool({ name, arguments: {} });
    expect(relayMeta(result).record).toMatch(/^[0-9a-f]{64}$/);
    await tick(a);

    const [rowsA, rowsB] = [await ledgerOf(a), await ledgerOf(b)];
    const purchase = rowsA.find((r) => r.id === sub!.recordId)!;
    expect(purchase).toMatchObject({ status: "confirmed", amount: 100, unit: "credit" });
    expect(JSON.parse(purchase.record).intent.price).toEqual({ model: "grant", grant: sub!.grantId, amount: 100, unit: "credit" });
    const call = rowsA.find((r) => r.id === relayMeta(result).record)!;
    expect(call).toMatchObject({ status: "confirmed", amount: 0, unit: "credit" });
    expect(JSON.parse(call.record).intent.price).toEqual({ model: "subscription", grant: sub!.grantId, unit: "credit" });
    for (const id of [purchase.id, call.id]) expect(rowsB.find((r) => r.id === id)).toMatchObject({ status: "confirmed", record: rowsA.find((r) => r.id === id)!.record });
  });

  it("refuses a cache TTL on a tool not annotated read-only and idempotent", async () => {
    const res = await b.admin("POST", "/shares", { tool: "everything_toggle-subscriber-updates", visibility: "peers", cacheTtlSeconds: 60 });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { message: expect.stringContaining("read-only and idempotent") } });
  });

  it("refuses a pricing descriptor it cannot read", async () => {
    const res = await b.admin("POST", "/shares", { tool: "everything_get-env", visibility: "peers", pricing: { model: "per_call", amount: -1, unit: "credit" } });
    expect(res.status).toBe(400);
  });
});

describe("the provider's policy", () => {
  it("applies B's rules and per-peer rate limits to A's calls, with errors that name B", async () => {
    // Windows are fixed on the clock: a day-long one is not crossed while the test runs.
    const limit = await json<{ limit: { id: string } }>(
      await b.admin("POST", "/limits", { subjectKind: "peer", subjectId: a.nodeId, tool: "*get-sum", windowSeconds: 86_400, maxRequests: 2 }),
    );
    try {
      for (let i = 0; i < 2; i++) expect(text(await client.callTool({ name: "bravo_everything_get-sum", arguments: { a: i, b: 1 } }))).toContain(String(i + 1));
      await expect(client.callTool({ name: "bravo_everything_get-sum", arguments: { a: 9, b: 1 } })).rejects.toMatchObject({
        data: { type: "peer_rate_limited", peer: b.nodeId },
        message: expect.stringContaining("peer bravo: Rate limited"),
      });
    } finally {
      await b.admin("DELETE", `/limits/${limit.limit.id}`);
    }
    const rule = await json<{ rule: { id: string } }>(await b.admin("POST", "/policy/rules", { effect: "deny", subjectKind: "peer", subjectId: a.nodeId, tool: "*echo" }));
    try {
      await expect(client.callTool({ name: "bravo_everything_echo", arguments: { message: "no" } })).rejects.toMatchObject({
        data: { type: "peer_forbidden" },
        message: expect.stringContaining("peer bravo: Forbidden"),
      });
    } finally {
      await b.admin("DELETE", `/policy/rules/${rule.rule.id}`);
    }
  });
});

describe("failures", () => {
  const long = "bravo_everything_trigger-long-running-operation";

  it("gives a clear error when B dies mid-call, and counts no record", async () => {
    const before = await ledgerOf(a);
    const call = client.callTool({ name: long, arguments: { duration: 20, steps: 20 } }, undefined, { onprogress: () => void b.stop("SIGKILL") });
    await expect(call).rejects.toMatchObject({ message: expect.stringMatching(/bravo: the answer broke off/) });
    expect((await ledgerOf(a)).map((r) => r.id)).toEqual(before.map((r) => r.id));
    expect((await ledgerOf(b)).some((r) => JSON.parse(r.record).intent.tool.id.endsWith("/trigger-long-running-operation") && r.status !== "confirmed")).toBe(false);
    b = await openNode("bravo", { port: b.port, dataDir: b.dataDir, env: { COUNTERSIGN_ASK_AFTER_SECONDS: "0" } });
  });

  it("fails over to C, which offers the same fingerprint and marks it replicable as B does, while B is down", async () => {
    // A pushes its countersignature with its answer (protocol §6.7): B may die before it arrives or after.
    const echo = await client.callTool({ name: "bravo_everything_echo", arguments: { message: "last words" } });
    expect(relayMeta(echo).provider).toBe(b.nodeId);
    await b.stop("SIGKILL");

    await share(c, "everything_echo", { pricing: { model: "per_call", amount: 5, unit: "credit" }, replicable: true });
    await eventually(async () => expect((await client.listTools()).tools.map((t) => t.name)).toContain("charlie_everything_echo"), 10_000);
    const failover = await client.callTool({ name: "bravo_everything_echo", arguments: { message: "anyone" } });
    expect(text(failover)).toBe("Echo: anyone");
    expect(relayMeta(failover).provider).toBe(c.nodeId);
  });

  it("completes pending countersignatures once B is back", async () => {
    const waiting = (await ledgerOf(b)).filter((r) => r.status === "pending" && r.peer === a.nodeId);
    expect(waiting.length).toBeGreaterThan(0);
    b = await openNode("bravo", { port: b.port, dataDir: b.dataDir, env: { COUNTERSIGN_ASK_AFTER_SECONDS: "0" } });
    // A pushes what its outbox still holds; B asks for the rest (the test's own calls as A, which A never saw).
    await tick(a, b);
    const [rowsA, rowsB] = [await ledgerOf(a), await ledgerOf(b)];
    // Every record A countersigned reaches B, whether A's push beat B's death or A's tick carried it.
    const known = rowsA.filter((r) => r.peer === b.nodeId && r.status === "confirmed");
    expect(known.length).toBeGreaterThan(0);
    for (const r of known) expect(rowsB.find((x) => x.id === r.id)).toMatchObject({ status: "confirmed", record: r.record });
    const unknownToA = rowsB.filter((r) => r.status === "pending" && !rowsA.some((x) => x.id === r.id));
    expect(unknownToA.length).toBeGreaterThan(0);
    for (const r of unknownToA) expect(r.reason).toBe("consumer_lacks_record");
  });

  it("completes them too when A restarts and loses its outbox: B asks A on its tick", async () => {
    // A record A holds confirmed but never delivered, as an A that died before its push holds it:
    // the test calls as A (its seed), countersigns B's receipt as A, and hands the record to A's
    // store through the admin restore, which verifies it.
    const call = await sealedCallAsA({ args: { a: 4, b: 5 } });
    const answered = await call.answer(await call.post());
    if (!answered.ok || !("receipt" in answered)) throw new Error("B did not answer the call");
    const id = (call.intent as { intent: { id: string } }).intent.id;
    expect((await ledgerOf(b)).find((r) => r.id === id)?.status).toBe("pending");
    const p = await primitives();
    const keys = new Map([
      [b.nodeId, await signingKey(p, ((await (await fetch(`${b.url}/.well-known/mcpfed`)).json()) as Card).keys.sig.pub)],
      [a.nodeId, await signingKey(p, toBase64url((await signingKeyFromSeed(p, parseSeed(seedA))).signer.publicKey))],
    ]);
    const verifier = {
      keyOf: async (node: string) => {
        const key = keys.get(node);
        return key && { verify: (m: Uint8Array, sig: Uint8Array, ctx: string) => key.verify(sig, m, ctx) };
      },
    };
    const confirmed = await countersign(call.signer, verifier, call.intent as never, answered.receipt, 60_000);
    expect((await json<{ results: { outcome: string }[] }>(await a.admin("POST", "/ledger/records", { records: [confirmed] }))).results).toEqual([{ id, outcome: "stored" }]);
    await client.close();
    await a.stop("SIGKILL");
    a = await openNode("alpha", { port: a.port, dataDir: a.dataDir, env: { NODE_SEED: seedA } });
    client = await connect(a.mcpUrl);
    await tick(b);
    expect((await ledgerOf(b)).find((r) => r.id === id)).toMatchObject({ status: "confirmed", record: (await ledgerOf(a)).find((r) => r.id === id)!.record });
  });
});
