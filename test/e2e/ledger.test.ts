// The ledger across real node processes on loopback: A peers with B, C and D. Calls cannot be
// relayed yet, so the test signs records as the nodes would, with their own keys (it gives each
// node its NODE_SEED), and hands them to the nodes through the admin API's restore, which
// verifies them as it would a peer's. Damage is done behind the nodes' backs, in their libSQL files.
import { eq, inArray } from "drizzle-orm";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compositeVerifier } from "../../src/protocol/identity/composite.ts";
import { signingKeyFromSeed } from "../../src/protocol/identity/keys.ts";
import { primitives, type Primitives } from "../../src/protocol/identity/primitives.ts";
import { newSeed, parseSeed } from "../../src/protocol/identity/seed.ts";
import { toBase64url } from "../../src/protocol/encoding/bytes.ts";
import { sha256Hex } from "../../src/protocol/encoding/hash.ts";
import { quoteOf, type Pricing } from "../../src/protocol/ledger/pricing.ts";
import { canonicalRecord, recordHash, withoutCountersign, type LedgerRecord } from "../../src/protocol/ledger/record.ts";
import type { Balance } from "../../src/store/ledger.ts";
import { COUNTERSIGN_CONTEXT, countersign, RECEIPT_CONTEXT, receiptBytes, signIntent, signReceipt, type LedgerSigner, type LedgerVerifier } from "../../src/protocol/ledger/signing.ts";
import { canonicalJson } from "../../src/protocol/encoding/canonical-json.ts";
import { ledgerRecords } from "../../src/store/schema/index.ts";
import { cli } from "../support/cli.ts";
import { openedAnswer, sealAs } from "../support/seal-as.ts";
import { openDatabaseFile } from "../support/libsql.ts";
import { connect } from "../support/mcp.ts";
import { eventually, json, loopbackNode, startEverything, type NodeProc } from "../support/processes.ts";
import { tick } from "../support/tick.ts";

interface Party {
  seed: string;
  id: string;
  signer: LedgerSigner;
}

interface RecordView {
  id: string;
  peer: string;
  role: string;
  status: string;
  reason: string | null;
  record: LedgerRecord;
}

interface Flag {
  recordId: string | null;
  source: string | null;
  reason: string;
  received: string;
}


const seededNode = (name: string, seed: string, env: Record<string, string> = {}) => loopbackNode(name, { env: { NODE_SEED: seed, PEER_POLICY: "open", ...env } });

let p: Primitives;
const parties = new Map<string, Party>();
const publicKeys = new Map<string, Uint8Array>();
/** Each node's key, as the nodes themselves check them. */
const verifier: LedgerVerifier = {
  async keyOf(node) {
    const pub = publicKeys.get(node);
    if (!pub) return undefined;
    const key = await compositeVerifier(p, pub);
    return { verify: (message, signature, context) => key.verify(signature, message, context) };
  },
};

async function party(seed: string): Promise<Party> {
  const k = await signingKeyFromSeed(p, parseSeed(seed));
  publicKeys.set(k.nodeId, k.signer.publicKey);
  const x = { seed, id: k.nodeId, signer: { nodeId: k.nodeId, sign: (m: Uint8Array, c: string) => k.signer.sign(m, c) } };
  parties.set(k.nodeId, x);
  return x;
}

const FINGERPRINT = `sha256:${"ab".repeat(32)}`;
const USD: Pricing = { model: "per_call", amount: 250, unit: "usd-micro" };
let clock = Date.now() - 3_600_000;

/** One whole call between two nodes, signed by each with its own key: the confirmed record. */
async function call(consumer: Party, provider: Party, pricing: Pricing = USD): Promise<LedgerRecord> {
  const at = (clock += 1000);
  const intent = await signIntent(consumer.signer, {
    provider: provider.id,
    tool: { id: `${provider.id}/everything/echo`, fingerprint: FINGERPRINT },
    params: { name: "echo", arguments: { message: `call at ${at}` } },
    price: quoteOf(pricing),
    requestedAt: at,
  });
  const receipt = await signReceipt(provider.signer, intent, { result: { content: [] }, durationMs: 40, completedAt: at + 40 });
  return countersign(consumer.signer, verifier, intent, receipt, 1000);
}

/** Hands records to a node through the admin API's restore, which verifies each one. */
async function restore(node: NodeProc, records: LedgerRecord[]): Promise<void> {
  const body = await json<{ results: { id: string; outcome: string }[] }>(await node.admin("POST", "/ledger/records", { records }));
  expect(body.results).toEqual(records.map((r) => ({ id: r.intent.id, outcome: "stored" })));
}

const recordsOf = async (n: NodeProc, query = "") => (await json<{ records: RecordView[] }>(await n.admin("GET", `/ledger/records?limit=1000${query}`))).records;
const balancesOf = async (n: NodeProc) => (await json<{ balances: Balance[] }>(await n.admin("GET", "/ledger/balances"))).balances;
const flagsOf = async (n: NodeProc) => (await json<{ flags: Flag[] }>(await n.admin("GET", "/ledger/flags"))).flags;
/** What a node holds with one peer, as text: id, status, canonical record. */
const heldWith = async (n: NodeProc, peer: string) =>
  (await recordsOf(n, `&peer=${peer}`)).map((r) => `${r.id} ${r.status} ${canonicalJson(r.record)}`).sort();
/** A node's balances with one peer, as the peer sees them. */
const mirrored = (list: Balance[], self: string) =>
  list.map((b) => ({ peer: self, unit: b.unit, earned: b.spent, spent: b.earned, cleared: 0 - b.cleared, settled: 0 - b.settled, net: -b.net, calls: b.calls }));

/** Works on a node's libSQL file while it runs, as a damaged or tampered store would look. */
async function withStore<T>(n: NodeProc, work: (db: Awaited<ReturnType<typeof openDatabaseFile>>["db"]) => Promise<T>): Promise<T> {
  const store = await openDatabaseFile(join(n.dataDir, "node.db"));
  try {
    return await work(store.db);
  } finally {
    store.close();
  }
}

/** A validly sealed federation message from `from` (the test holds its seed), and the node's opened answer. */
async function sendAs(from: Party, to: NodeProc, name: string, payload: unknown): Promise<{ ok: boolean; result?: unknown; error?: { code: string } }> {
  const request = await sealAs(from, to, name, payload);
  const res = await request.post();
  expect(res.status).toBe(200);
  return openedAnswer(request, res);
}

let pa: Party, pb: Party, pc: Party, pd: Party;
let a: NodeProc, b: NodeProc, c: NodeProc, d: NodeProc;
/** Records between A and B (A is the consumer of ab*, the provider of ba1), and between A and C. */
let ab1: LedgerRecord, ab2: LedgerRecord, ab3: LedgerRecord, ba1: LedgerRecord, ac1: LedgerRecord;

beforeAll(async () => {
  p = await primitives();
  const seeds = [newSeed(), newSeed(), newSeed(), newSeed()];
  [pa, pb, pc, pd] = (await Promise.all(seeds.map(party))) as [Party, Party, Party, Party];
  // D ticks every 5 s: the scheduled reconciliation is tested on it; the others tick only at start.
  [a, b, c, d] = await Promise.all([
    seededNode("alpha", seeds[0]!),
    seededNode("bravo", seeds[1]!),
    seededNode("charlie", seeds[2]!),
    seededNode("delta", seeds[3]!, { TICK_SECONDS: "5" }),
  ]);
  expect([a.nodeId, b.nodeId, c.nodeId, d.nodeId]).toEqual([pa.id, pb.id, pc.id, pd.id]);
  for (const n of [b, c, d]) await json(await n.admin("POST", "/peers", { url: a.url }));

  ab1 = await call(pa, pb);
  ab2 = await call(pa, pb);
  ab3 = await call(pa, pb, { model: "free" });
  ba1 = await call(pb, pa, { model: "per_call", amount: 3, unit: "credit" });
  ac1 = await call(pa, pc, { model: "per_call", amount: 7, unit: "credit" });
  await restore(a, [ab1, ab2, ab3, ba1, ac1]);
  await restore(b, [ab1, ab2, ab3, ba1]);
  await restore(c, [ac1]);
}, 90_000);

afterAll(async () => {
  await Promise.all([a, b, c, d].map((n) => n?.stop()));
});

describe("the ledger in the admin API and the CLI", () => {
  const expectedA = () =>
    [
      { peer: pb.id, unit: "credit", earned: 3, spent: 0, cleared: 0, settled: 0, net: 3, calls: 1 },
      { peer: pb.id, unit: "usd-micro", earned: 0, spent: 500, cleared: 0, settled: 0, net: -500, calls: 2 },
      { peer: pc.id, unit: "credit", earned: 0, spent: 7, cleared: 0, settled: 0, net: -7, calls: 1 },
    ].sort((x, y) => (x.peer === y.peer ? (x.unit < y.unit ? -1 : 1) : x.peer < y.peer ? -1 : 1));

  it("serves balances as JSON and as a CSV download, mirrored on the peer", async () => {
    expect(await balancesOf(a)).toEqual(expectedA());
    expect(await balancesOf(b)).toEqual(mirrored(expectedA().filter((x) => x.peer === pb.id), pa.id));
    const res = await a.admin("GET", "/ledger/balances?format=csv");
    expect(res.headers.get("content-type")).toMatch(/^text\/csv/);
    expect(res.headers.get("content-disposition")).toBe('attachment; filename="ledger-balances.csv"');
    const csv = ["peer,unit,earned,spent,net,calls,cleared,settled", ...expectedA().map((x) => `${x.peer},${x.unit},${x.earned},${x.spent},${x.net},${x.calls},0,0`)].join("\r\n") + "\r\n";
    expect(await res.text()).toBe(csv);
    expect((await a.admin("GET", "/ledger/balances?format=xml")).status).toBe(400);
  });

  it("lists records by peer and status, as both nodes hold them byte for byte", async () => {
    const withB = await recordsOf(a, `&peer=${pb.id}&status=confirmed`);
    expect(withB.map((r) => r.id).sort()).toEqual([ab1, ab2, ab3, ba1].map((r) => r.intent.id).sort());
    expect(withB.find((r) => r.id === ba1.intent.id)).toMatchObject({ peer: pb.id, role: "provider", status: "confirmed", reason: null });
    expect(withB.find((r) => r.id === ab1.intent.id)).toMatchObject({ peer: pb.id, role: "consumer" });
    for (const r of withB) expect(canonicalJson(r.record)).toBe(canonicalRecord([ab1, ab2, ab3, ba1].find((x) => x.intent.id === r.id)!));
    expect(await heldWith(a, pb.id)).toEqual(await heldWith(b, pa.id));
    // Newest first, and the limit holds.
    expect((await recordsOf(a, "")).map((r) => r.id)).toEqual([ac1, ba1, ab3, ab2, ab1].map((r) => r.intent.id));
    expect((await json<{ records: RecordView[] }>(await a.admin("GET", "/ledger/records?limit=2"))).records).toHaveLength(2);
    expect(await recordsOf(a, "&status=disputed")).toEqual([]);
    for (const q of ["status=lost", "limit=0", "limit=x", "peer=%20"]) expect((await a.admin("GET", `/ledger/records?${q}`)).status, q).toBe(400);
  });

  it("restores only records that verify and name this node, and flags the others", async () => {
    const forged = structuredClone(ab1);
    forged.receipt.amount = 1;
    const body = await json<{ results: { id: string | null; outcome: string; reason?: string }[] }>(
      await a.admin("POST", "/ledger/records", { records: [ab1, forged, { intent: "nonsense" }] }),
    );
    expect(body.results).toEqual([
      { id: ab1.intent.id, outcome: "duplicate" },
      { id: ab1.intent.id, outcome: "rejected", reason: "bad_receipt_signature" },
      { id: null, outcome: "rejected", reason: "malformed" },
    ]);
    expect(await balancesOf(a)).toEqual(expectedA());
    // C is no party to an A–B record, and does not even know B's key to check it.
    expect((await json<{ results: unknown[] }>(await c.admin("POST", "/ledger/records", { records: [ab2] }))).results).toEqual([
      { id: ab2.intent.id, outcome: "rejected", reason: "unknown_node" },
    ]);
    expect(await recordsOf(c)).toHaveLength(1);
    expect((await a.admin("POST", "/ledger/records", { records: [] })).status).toBe(400);
  });

  it("exports every record for accounting, as JSON and CSV", async () => {
    const row = (r: LedgerRecord, peer: string, role: string) => ({
      id: r.intent.id,
      peer,
      role,
      status: "confirmed",
      tool: r.intent.tool.id,
      units: r.receipt.units,
      amount: r.receipt.amount,
      unit: r.receipt.unit ?? "",
      requestedAt: new Date(r.intent.requestedAt).toISOString(),
      completedAt: new Date(r.receipt.completedAt).toISOString(),
      // Composite records prove it all once confirmed (protocol §8.5).
      stage: "post_quantum_final",
      kind: "call",
    });
    const rows = [row(ab1, pb.id, "consumer"), row(ab2, pb.id, "consumer"), row(ab3, pb.id, "consumer"), row(ba1, pb.id, "provider"), row(ac1, pc.id, "consumer")];
    expect(await json(await a.admin("GET", "/ledger/export?format=json"))).toEqual({ records: rows });
    const res = await a.admin("GET", "/ledger/export?format=csv");
    expect(res.headers.get("content-disposition")).toBe('attachment; filename="ledger-records.csv"');
    const csv = ["id,peer,role,status,tool,units,amount,unit,requestedAt,completedAt,stage,kind", ...rows.map((r) => Object.values(r).join(","))].join("\r\n") + "\r\n";
    expect(await res.text()).toBe(csv);
  });

  it("shows the same through the CLI", async () => {
    const env = { MCPFED_URL: a.url, ADMIN_TOKEN: a.adminToken };
    const balances = await cli(["ledger", "balances"], env);
    expect(balances, balances.stderr).toMatchObject({ code: 0 });
    expect(balances.stdout).toMatch(/^PEER\s+UNIT\s+EARNED\s+SPENT\s+NET\s+CALLS\s+CLEARED\s+SETTLED\n/);
    expect(balances.stdout).toMatch(new RegExp(`${pb.id}\\s+usd-micro\\s+0\\s+500\\s+-500\\s+2\\s+0\\s+0\\n`));
    const csv = await (await a.admin("GET", "/ledger/balances?format=csv")).text();
    expect((await cli(["ledger", "balances", "--csv"], env)).stdout).toBe(`${csv.replace(/\r\n$/, "")}\n`);
    expect(JSON.parse((await cli(["ledger", "balances", "--json"], env)).stdout)).toEqual({ balances: expectedA() });

    const records = await cli(["ledger", "records", "--peer", pc.id], env);
    expect(records.stdout).toMatch(new RegExp(`^ID\\s+PEER\\s+ROLE\\s+STATUS\\s+STAGE\\s+TOOL\\s+AMOUNT\\s+COMPLETED\\s+REASON\\n${ac1.intent.id.slice(0, 16)}\\s+\\S+\\s+consumer\\s+confirmed\\s+post-quantum final\\s+.*7 credit`));
    expect(records.stdout.trim().split("\n")).toHaveLength(2);
    const listed = JSON.parse((await cli(["ledger", "records", "--status", "confirmed", "--json"], env)).stdout) as { records: RecordView[] };
    expect(listed.records).toHaveLength(5);
    expect((await cli(["ledger", "records", "--status", "lost"], env)).code).toBe(2);

    const out = join(a.dataDir, "export.csv");
    const exported = await cli(["ledger", "export", "--csv", "--out", out], env);
    expect(exported, exported.stderr).toMatchObject({ code: 0, stdout: "" });
    expect(readFileSync(out, "utf8")).toBe(await (await a.admin("GET", "/ledger/export?format=csv")).text());
    expect(JSON.parse((await cli(["ledger", "export"], env)).stdout)).toEqual(await json(await a.admin("GET", "/ledger/export")));

    const disputes = await cli(["ledger", "disputes"], env);
    expect(disputes.stdout).toMatch(/^Disputed records:\n\(none\)\n\nRefused records \(flags\):\nAT\s+SOURCE\s+RECORD\s+REASON\n/);
    expect(disputes.stdout).toContain("bad_receipt_signature");
  });
});

describe("reconciliation between real nodes", () => {
  it("restores records deleted on one side, byte for byte, and the balances agree again", async () => {
    const before = await heldWith(a, pb.id);
    await withStore(b, (db) => db.delete(ledgerRecords).where(inArray(ledgerRecords.id, [ab1.intent.id, ba1.intent.id])));
    expect(await heldWith(b, pa.id)).toHaveLength(2);
    expect(await balancesOf(b)).not.toEqual(mirrored((await balancesOf(a)).filter((x) => x.peer === pb.id), pa.id));

    // B asks A for what it lacks.
    const pulled = await json<{ peer: string; reconciled: { sent: number; received: number; refused: number } }>(await b.admin("POST", `/ledger/reconcile/${pa.id}`));
    expect(pulled).toMatchObject({ peer: pa.id, reconciled: { sent: 0, received: 2, refused: 0 } });
    expect(await heldWith(b, pa.id)).toEqual(before);
    expect(await balancesOf(b)).toEqual(mirrored((await balancesOf(a)).filter((x) => x.peer === pb.id), pa.id));

    // A lost one: B, initiating again, sends it.
    await withStore(a, (db) => db.delete(ledgerRecords).where(inArray(ledgerRecords.id, [ab2.intent.id])));
    const pushed = await cli(["ledger", "reconcile", pa.id], { MCPFED_URL: b.url, ADMIN_TOKEN: b.adminToken });
    expect(pushed, pushed.stderr).toMatchObject({ code: 0 });
    expect(pushed.stdout).toMatch(new RegExp(`^reconciled with ${pa.id} in \\d+ rounds: sent 1, received 0, refused 0\\n$`));
    expect(await heldWith(a, pb.id)).toEqual(before);
    expect(await balancesOf(b)).toEqual(mirrored((await balancesOf(a)).filter((x) => x.peer === pb.id), pa.id));
  });

  it("answers an unknown or inactive peer with a typed error", async () => {
    const unknown = await a.admin("POST", "/ledger/reconcile/no-such-node");
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: "not_found" } });
    await json(await a.admin("POST", `/peers/${pd.id}/block`));
    try {
      const blocked = await a.admin("POST", `/ledger/reconcile/${pd.id}`);
      expect(blocked.status).toBe(409);
      expect(await blocked.json()).toMatchObject({ error: { code: "conflict", message: "the peer is blocked, not active" } });
    } finally {
      await json(await a.admin("POST", `/peers/${pd.id}/unblock`));
    }
  });

  it("gives C, a peer of A, only the records it is a party to", async () => {
    await withStore(c, (db) => db.delete(ledgerRecords));
    const r = await json<{ reconciled: { received: number } }>(await c.admin("POST", `/ledger/reconcile/${pa.id}`));
    expect(r.reconciled.received).toBe(1);
    expect((await recordsOf(c)).map((x) => x.id)).toEqual([ac1.intent.id]);
    // And when A initiates.
    await withStore(c, (db) => db.delete(ledgerRecords));
    await json(await a.admin("POST", `/ledger/reconcile/${pc.id}`));
    expect((await recordsOf(c)).map((x) => x.id)).toEqual([ac1.intent.id]);
    expect((await flagsOf(c)).filter((f) => f.source === pa.id)).toEqual([]);

    // On the wire: C asking for A–B records by their hashes gets nothing, and cannot write one either.
    const hashes = await Promise.all([ab1, ab2, ab3, ba1].map(recordHash));
    expect(await sendAs(pc, a, "ledger-transfer", { records: [], want: hashes })).toEqual({ ok: true, result: { refused: 0, wanted: [] } });
    expect(await sendAs(pc, a, "ledger-transfer", { records: [], want: [(await recordHash(ac1)).slice(0, 16)] })).toEqual({
      ok: true,
      result: { refused: 0, wanted: [JSON.parse(canonicalRecord(ac1))] },
    });
    const fresh = await call(pa, pb);
    expect(await sendAs(pc, a, "ledger-transfer", { records: [fresh], want: [] })).toEqual({ ok: true, result: { refused: 1, wanted: [] } });
    expect((await recordsOf(a)).some((x) => x.id === fresh.intent.id)).toBe(false);
    expect(await flagsOf(a)).toContainEqual(expect.objectContaining({ recordId: fresh.intent.id, source: pc.id, reason: "not_a_party" }));
  });

  it("refuses malformed reconciliation messages with a typed error", async () => {
    const before = await heldWith(a, pb.id);
    for (const payload of [{ message: "AAAA" }, { message: 5 }, { message: "", extra: 1 }]) {
      expect(await sendAs(pb, a, "ledger-reconcile", payload), JSON.stringify(payload)).toMatchObject({ ok: false, error: { code: "bad_request" } });
    }
    expect(await sendAs(pb, a, "ledger-transfer", { records: [], want: ["xyz"] })).toMatchObject({ ok: false, error: { code: "bad_request" } });
    expect(await heldWith(a, pb.id)).toEqual(before);
  });

  it("flags a tampered or misattributed record on the receiver, never merges it, and leaves balances alone", async () => {
    const ab4 = await call(pa, pb);
    await restore(a, [ab4]);
    await restore(b, [ab4]);
    const balancesA = await balancesOf(a);

    // B's copy of ab4 now charges more than both signed.
    const tampered = structuredClone(ab4);
    tampered.receipt.amount = 9999;
    // And a record that claims B provided a call, its receipt signed with C's key.
    const intent = await signIntent(pa.signer, { provider: pb.id, tool: { id: `${pb.id}/everything/echo`, fingerprint: FINGERPRINT }, params: {}, price: quoteOf(USD), requestedAt: (clock += 1000) });
    const misattributed = await signReceipt({ nodeId: pb.id, sign: pc.signer.sign }, intent, { result: {}, durationMs: 1, completedAt: clock + 1 });
    expect(misattributed.sigs.receipt).not.toBe(toBase64url(await pb.signer.sign(receiptBytes(misattributed), RECEIPT_CONTEXT)));
    // Countersigned by A, as if A had accepted it (countersign() itself would refuse the receipt).
    const { intent: i, receipt: rc, sigs } = misattributed;
    const countersigned = new TextEncoder().encode(canonicalJson({ intent: i, intentSig: sigs.intent, receipt: rc, receiptSig: sigs.receipt }));
    misattributed.sigs.countersign = toBase64url(await pa.signer.sign(countersigned, COUNTERSIGN_CONTEXT));
    await withStore(b, async (db) => {
      await db
        .update(ledgerRecords)
        .set({ record: canonicalRecord(tampered), hash: await recordHash(tampered), amount: 9999 })
        .where(inArray(ledgerRecords.id, [ab4.intent.id]));
      await db.insert(ledgerRecords).values({
        id: misattributed.intent.id,
        peer: pa.id,
        role: "provider",
        status: "confirmed",
        hash: await sha256Hex(canonicalRecord(misattributed)),
        completedAt: misattributed.receipt.completedAt,
        unit: "usd-micro",
        amount: 250,
        record: canonicalRecord(misattributed),
      });
    });

    const r = await json<{ reconciled: { sent: number; refused: number } }>(await b.admin("POST", `/ledger/reconcile/${pa.id}`));
    expect(r.reconciled.sent).toBe(2);
    expect(r.reconciled.refused).toBeGreaterThanOrEqual(2);

    const flags = await flagsOf(a);
    expect(flags).toContainEqual({ recordId: ab4.intent.id, source: pb.id, reason: "bad_receipt_signature", received: canonicalRecord(tampered), at: expect.any(Number) });
    expect(flags).toContainEqual(expect.objectContaining({ recordId: misattributed.intent.id, source: pb.id, reason: "bad_receipt_signature" }));
    const held = await recordsOf(a, `&peer=${pb.id}`);
    expect(held.find((x) => x.id === ab4.intent.id)).toMatchObject({ status: "confirmed", record: JSON.parse(canonicalRecord(ab4)) });
    expect(held.some((x) => x.id === misattributed.intent.id)).toBe(false);
    expect(await balancesOf(a)).toEqual(balancesA);
    // B, handed A's true copy, disputes its own rather than taking either over the other.
    expect((await recordsOf(b, "&status=disputed")).map((x) => [x.id, canonicalJson(x.record)])).toEqual([[ab4.intent.id, canonicalRecord(tampered)]]);
    const disputes = await cli(["ledger", "disputes"], { MCPFED_URL: b.url, ADMIN_TOKEN: b.adminToken });
    expect(disputes.stdout).toMatch(new RegExp(`${ab4.intent.id.slice(0, 16)}\\s+\\S+\\s+provider\\s+disputed\\s+.*conflicting_record`));

    // Again: nothing new is stored or flagged twice.
    await json(await b.admin("POST", `/ledger/reconcile/${pa.id}`));
    expect(await flagsOf(a)).toHaveLength(flags.length);
    expect(await balancesOf(a)).toEqual(balancesA);
  });
});

describe("the scheduled tick", () => {
  it("reconciles with a peer on its own, and reports it in POST /admin/tick", async () => {
    // D ticks every 5 s; A alone holds their record until then.
    const ad1 = await call(pd, pa, { model: "per_call", amount: 11, unit: "credit" });
    await restore(a, [ad1]);
    await eventually(async () => expect((await recordsOf(d)).map((x) => canonicalJson(x.record))).toEqual([canonicalRecord(ad1)]), 20_000);
    expect(await balancesOf(d)).toEqual([{ peer: pa.id, unit: "credit", earned: 0, spent: 11, cleared: 0, settled: 0, net: -11, calls: 1 }]);

    const report = await tick(c);
    expect(report.ledger).toMatchObject({ due: 1, peers: [{ peer: pa.id, reconciled: { received: 0 } }] });
  });

  it("follows the schedule the operator sets for a peer (CLI and admin API)", async () => {
    const asC = { MCPFED_URL: c.url, ADMIN_TOKEN: c.adminToken };
    // Daily: C reconciled with A on its last tick, today, so the next tick leaves A alone.
    expect((await cli(["ledger", "schedule", pa.id, "daily"], asC)).stdout).toBe(`ledger reconciliation with ${pa.id}: daily\n`);
    expect((await tick(c)).ledger).toEqual({ due: 0, peers: [] });
    interface Listed { default: string; perTick: number; peers: { peer: string; schedule: string; own: boolean; lastRunAt: number; failures: number; nextDueAt: number }[] }
    const listed = await json<Listed>(await c.admin("GET", "/ledger/schedules"));
    expect(listed).toMatchObject({ default: "tick", perTick: 1, peers: [{ peer: pa.id, schedule: "daily", own: true, failures: 0 }] });
    const ran = new Date(listed.peers[0]!.lastRunAt);
    expect(listed.peers[0]!.nextDueAt).toBe(Date.UTC(ran.getUTCFullYear(), ran.getUTCMonth(), ran.getUTCDate() + 1));
    // A schedule that does not exist changes nothing.
    const bad = await c.admin("PUT", `/ledger/schedules/${pa.id}`, { schedule: "hourly" });
    expect(bad.status).toBe(400);
    expect((await json<Listed>(await c.admin("GET", "/ledger/schedules"))).peers[0]).toMatchObject({ schedule: "daily", own: true });
    // Back to the default, every tick: A is reconciled again.
    expect((await cli(["ledger", "schedule", pa.id, "default"], asC)).stdout).toBe(`ledger reconciliation with ${pa.id}: tick (default)\n`);
    expect((await tick(c)).ledger).toMatchObject({ due: 1, peers: [{ peer: pa.id, reconciled: { refused: 0 } }] });
  });
});

describe("records of relayed calls", () => {
  it("completes the provider's pending copies and restores lost ones from the consumer's", async () => {
    // E fronts its own server-everything and sells echo to A.
    const upstream = await startEverything();
    const e = await seededNode("echoes", newSeed());
    const client = await connect(a.mcpUrl);
    try {
      expect((await e.admin("POST", "/upstreams", { name: "everything", kind: "http", url: upstream.url })).status).toBe(201);
      await json(await e.admin("POST", "/peers", { url: a.url }));
      await json(await e.admin("POST", "/shares", { tool: "everything_echo", visibility: "peers", pricing: { model: "per_call", amount: 5, unit: "credit" } }));
      await eventually(async () => expect((await client.listTools()).tools.map((t) => t.name)).toContain("echoes_everything_echo"), 15_000);
      for (const message of ["one", "two"]) await client.callTool({ name: "echoes_everything_echo", arguments: { message } });
      expect((await recordsOf(a, `&peer=${e.nodeId}`)).map((r) => r.status)).toEqual(["confirmed", "confirmed"]);

      // A pushes each countersignature right after its answer (protocol §6.7). Say the last push
      // was lost: E holds that record pending, as its receipt left it. E reconciles, and the
      // countersignature comes with A's confirmed copy.
      await eventually(async () => expect((await recordsOf(e)).map((r) => r.status)).toEqual(["confirmed", "confirmed"]), 10_000);
      const [last] = await recordsOf(e);
      const pending = withoutCountersign(last!.record as LedgerRecord);
      const hash = await recordHash(pending);
      await withStore(e, (db) => db.update(ledgerRecords).set({ status: "pending", record: canonicalRecord(pending), hash }).where(eq(ledgerRecords.id, last!.id)));
      expect((await recordsOf(e)).map((r) => r.status)).toContain("pending");
      await json(await e.admin("POST", `/ledger/reconcile/${pa.id}`));
      expect(await heldWith(e, pa.id)).toEqual(await heldWith(a, e.nodeId));
      expect((await recordsOf(e)).map((r) => r.status)).toEqual(["confirmed", "confirmed"]);
      expect(await balancesOf(e)).toEqual([{ peer: pa.id, unit: "credit", earned: 10, spent: 0, cleared: 0, settled: 0, net: 10, calls: 2 }]);

      // E loses its ledger; A, initiating, sends it back.
      await withStore(e, (db) => db.delete(ledgerRecords));
      const r = await json<{ reconciled: { sent: number } }>(await a.admin("POST", `/ledger/reconcile/${e.nodeId}`));
      expect(r.reconciled.sent).toBe(2);
      expect(await heldWith(e, pa.id)).toEqual(await heldWith(a, e.nodeId));
      expect(await balancesOf(e)).toEqual([{ peer: pa.id, unit: "credit", earned: 10, spent: 0, cleared: 0, settled: 0, net: 10, calls: 2 }]);
    } finally {
      await client.close();
      await Promise.all([e.stop(), upstream.stop()]);
    }
  }, 60_000);
});
