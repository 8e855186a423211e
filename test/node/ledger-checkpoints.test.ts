// Checkpoints between two in-process nodes with composite identities on real libSQL files (the
// node's LedgerCheckpoints over its store), and the consumer's check of a dishonest provider's
// receipt under the checkpoint suite, through the same countersignAnswer a relayed call uses.
import { sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LedgerCheckpoints } from "../../src/node/ledger/checkpoints.ts";
import { countersignAnswer } from "../../src/node/relay/answer-receipt.ts";
import { Outbox } from "../../src/node/relay/countersigns.ts";
import { RelayError } from "../../src/node/relay/errors.ts";
import { signingKey } from "../../src/protocol/identity/imported.ts";
import { signingKeyFromSeed } from "../../src/protocol/identity/keys.ts";
import { primitives } from "../../src/protocol/identity/primitives.ts";
import { newSeed, parseSeed } from "../../src/protocol/identity/seed.ts";
import { CHECKPOINT_EVERY, recordLeaf, rootOf, signCheckpoint, type SignedCheckpoint } from "../../src/protocol/ledger/checkpoint.ts";
import type { LedgerRecord, SignedIntent } from "../../src/protocol/ledger/record.ts";
import { countersign, RECEIPT_CONTEXT, receiptBytes, signIntent, signReceipt, type LedgerSigner, type LedgerVerifier } from "../../src/protocol/ledger/signing.ts";
import { CHECKPOINT_SUITE } from "../../src/protocol/ledger/suite.ts";
import type { LedgerCheckpointReply, LedgerCheckpointRequest } from "../../src/protocol/messages/ledger-checkpoint.ts";
import { toBase64url } from "../../src/protocol/encoding/bytes.ts";
import type { LedgerHandlers } from "../../src/node/ledger/reconciliation.ts";
import { CheckpointRepository } from "../../src/store/ledger-checkpoints.ts";
import { ledgerNode, type LedgerNode } from "../support/ledger.ts";

interface Side {
  node: LedgerNode;
  signer: LedgerSigner;
  checkpoints: LedgerCheckpoints;
  /** What its peer answered to each checkpoint it sent. */
  replies: LedgerCheckpointReply[];
}

const TOOL = (provider: string) => ({ id: `${provider}/demo/echo`, fingerprint: `sha256:${"ab".repeat(32)}` });
const PRICE = { model: "per_call" as const, amount: 7, unit: "credit" };
let verifier: LedgerVerifier;
let consumer: Side;
let provider: Side;
let clock = 1_800_000_000;

async function identity(): Promise<{ signer: LedgerSigner; pub: string }> {
  const k = await signingKeyFromSeed(await primitives(), parseSeed(newSeed()));
  return { signer: { nodeId: k.nodeId, sign: (m, c) => k.signer.sign(m, c), signEd25519: (m, c) => k.signer.signEd25519(m, c) }, pub: toBase64url(k.signer.publicKey) };
}

beforeEach(async () => {
  const [c, p] = await Promise.all([identity(), identity()]);
  const pubs = new Map([c, p].map((x) => [x.signer.nodeId, x.pub]));
  verifier = {
    async keyOf(node) {
      const pub = pubs.get(node);
      if (!pub) return undefined;
      const key = await signingKey(await primitives(), pub);
      return { verify: (m, s, ctx) => key.verify(s, m, ctx), verifyEd25519: (m, s, ctx) => key.verifyEd25519(s, m, ctx) };
    },
  };
  const directory = new Map<string, LedgerHandlers>();
  const sides = new Map<string, Side>();
  const side = async (me: { signer: LedgerSigner }): Promise<Side> => {
    const node = await ledgerNode(me.signer, verifier, directory);
    const s: Side = {
      node,
      signer: me.signer,
      replies: [],
      checkpoints: new LedgerCheckpoints({
        self: me.signer.nodeId,
        ledger: node.ledger,
        verifier,
        repository: new CheckpointRepository(node.db(), me.signer.nodeId),
        signer: async () => me.signer,
        agreed: async () => true,
        send: async (peer, request) => {
          const reply = await sides.get(peer)!.checkpoints.receive(me.signer.nodeId, structuredClone(request));
          s.replies.push(reply);
          return reply;
        },
        checkpointSeconds: 60,
        now: () => clock,
      }),
    };
    sides.set(me.signer.nodeId, s);
    return s;
  };
  consumer = await side(c);
  provider = await side(p);
});

afterEach(() => {
  consumer.node.close();
  provider.node.close();
});

/** One call under the checkpoint suite, stored by both sides as a node stores it. */
async function call(i: number): Promise<LedgerRecord> {
  const intent = await signIntent(consumer.signer, { provider: provider.signer.nodeId, tool: TOOL(provider.signer.nodeId), params: { i }, price: PRICE, requestedAt: clock * 1000, suite: CHECKPOINT_SUITE });
  const receipt = await signReceipt(provider.signer, intent, { result: { i }, durationMs: 1, completedAt: clock * 1000 + 1 });
  expect(await provider.node.ledger.receive(receipt, null)).toEqual({ outcome: "stored" });
  const done = await countersign(consumer.signer, verifier, intent, receipt, 10);
  expect(await consumer.node.ledger.receive(done, null)).toEqual({ outcome: "stored" });
  expect(await provider.node.ledger.receive(done, consumer.signer.nodeId)).toEqual({ outcome: "confirmed" });
  return done;
}

const stage = async (s: Side, id: string) => (await s.checkpoints.stages([(await s.node.ledger.get(id))!])).get(id);
const checkpointRows = async (s: Side) => (await s.node.db().all<{ n: number }>(sql`SELECT count(*) AS n FROM ledger_checkpoints`))[0]!.n;

describe("checkpoints between two nodes", () => {
  it("are made every CHECKPOINT_EVERY records without a tick, and make both copies post-quantum final", async () => {
    const records: LedgerRecord[] = [];
    for (let i = 0; i < CHECKPOINT_EVERY; i++) {
      records.push(await call(i));
      await Promise.all([consumer.checkpoints.recorded(provider.signer.nodeId), provider.checkpoints.recorded(consumer.signer.nodeId)]);
      if (i < CHECKPOINT_EVERY - 1) expect(consumer.replies).toEqual([]);
    }
    expect(consumer.replies).toEqual([{ verdict: "covered", missing: [] }]);
    expect(provider.replies).toEqual([{ verdict: "covered", missing: [] }]);
    for (const r of [records[0]!, records.at(-1)!]) {
      expect(await stage(consumer, r.intent.id)).toBe("post_quantum_final");
      expect(await stage(provider, r.intent.id)).toBe("post_quantum_final");
    }
    // The next record is covered by seq 1, on the tick once it is CHECKPOINT_SECONDS old.
    const late = await call(99);
    expect(await consumer.checkpoints.tick()).toEqual({ made: 0, delivered: 0, failures: 0 });
    clock += 61;
    expect(await consumer.checkpoints.tick()).toEqual({ made: 1, delivered: 1, failures: 0 });
    expect(await stage(consumer, late.intent.id)).toBe("confirmed");
    await provider.checkpoints.tick();
    expect(await stage(consumer, late.intent.id)).toBe("post_quantum_final");
  });

  it("refuses, keeps as a claim, or flags what does not match, and changes no record's stage", async () => {
    const [r0, r1] = [await call(0), await call(1)];
    const p = provider.signer.nodeId;
    const c = consumer.signer.nodeId;
    const leaves = [r0, r1].map(recordLeaf);
    const body = (extra: object = {}) => ({ v: "mcpfed/1" as const, type: "ledger-checkpoint" as const, signer: p, peer: c, seq: 0, prev: null, size: 2, root: rootOf(leaves), at: clock, ...extra });
    const send = (checkpoint: unknown, ids = [r0.intent.id, r1.intent.id]): Promise<LedgerCheckpointReply> =>
      consumer.checkpoints.receive(p, { type: "ledger-checkpoint", checkpoint, ids } satisfies LedgerCheckpointRequest);
    const good = await signCheckpoint(provider.signer, body());
    expect(await send({ ...good, sig: good.sig.replace(/^./, (x) => (x === "A" ? "B" : "A")) })).toEqual({ verdict: "refused", reason: "bad_checkpoint_signature", missing: [] });
    expect(await consumer.checkpoints.receive(c, { type: "ledger-checkpoint", checkpoint: good, ids: [r0.intent.id, r1.intent.id] })).toMatchObject({ verdict: "refused", reason: "not_a_party" });
    expect(await send(good, [r0.intent.id])).toMatchObject({ verdict: "refused", reason: "size_mismatch" });
    const unknown = "ee".repeat(32);
    expect(await send(await signCheckpoint(provider.signer, body({ seq: 0 })), [r0.intent.id, unknown])).toEqual({ verdict: "missing", missing: [unknown] });
    expect(await checkpointRows(consumer)).toBe(1);
    // Another checkpoint of the same seq: a fork, flagged, not stored.
    expect(await send(good)).toMatchObject({ verdict: "refused", reason: "fork" });
    expect((await consumer.node.ledger.flags()).map((f) => f.reason)).toContain("checkpoint_fork");
    const swapped = await signCheckpoint(provider.signer, body({ seq: 1, prev: "00".repeat(32) }));
    expect(await send(swapped, [r1.intent.id, r0.intent.id])).toMatchObject({ verdict: "refused", reason: "fork" });
    expect(await stage(consumer, r0.intent.id)).toBe("confirmed");
    // A root over other content: kept as evidence and flagged, nothing covered.
    const rows = await consumer.node.db().all<{ hash: string }>(sql`SELECT hash FROM ledger_checkpoints WHERE seq = 0`);
    const wrong = await signCheckpoint(provider.signer, body({ seq: 1, prev: rows[0]!.hash, root: rootOf([leaves[1]!, leaves[0]!]) }));
    expect(await send(wrong)).toEqual({ verdict: "root_mismatch", missing: [] });
    expect((await consumer.node.ledger.flags()).map((f) => f.reason)).toContain("checkpoint_root_mismatch");
    expect(await stage(consumer, r0.intent.id)).toBe("confirmed");
    // The same checkpoint again gets the same answer and stores nothing more.
    expect(await send(wrong)).toEqual({ verdict: "root_mismatch", missing: [] });
    expect(await checkpointRows(consumer)).toBe(2);
  });

  it("keeps at most 16 unmatched claims of a peer", async () => {
    const r0 = await call(0);
    const p = provider.signer.nodeId;
    let prev: string | null = null;
    let last: SignedCheckpoint | undefined;
    for (let seq = 0; seq < 20; seq++) {
      last = await signCheckpoint(provider.signer, { v: "mcpfed/1", type: "ledger-checkpoint", signer: p, peer: consumer.signer.nodeId, seq, prev, size: 2, root: "11".repeat(32), at: clock });
      expect((await consumer.checkpoints.receive(p, { type: "ledger-checkpoint", checkpoint: last, ids: [r0.intent.id, "ee".repeat(32)] })).verdict).toBe("missing");
      prev = (await consumer.node.db().all<{ hash: string }>(sql`SELECT hash FROM ledger_checkpoints WHERE seq = ${seq}`))[0]!.hash;
    }
    expect(await checkpointRows(consumer)).toBe(16);
  });
});

describe("a provider that signs a wrong amount under the checkpoint suite", () => {
  it("is caught before the client gets the result: an error instead, the receipt flagged, nothing countersigned or sent", async () => {
    const p = provider.signer.nodeId;
    const intent: SignedIntent = await signIntent(consumer.signer, { provider: p, tool: TOOL(p), params: {}, price: PRICE, requestedAt: 1_000, suite: CHECKPOINT_SUITE });
    const result = { content: [{ type: "text", text: "42" }] };
    const honest = await signReceipt(provider.signer, intent, { result, durationMs: 1, completedAt: 2_000 });
    // Built from the protocol's pieces, as a dishonest provider would: its own valid signature over a charge the quote does not settle to.
    const greedy: LedgerRecord = { ...honest, receipt: { ...honest.receipt, amount: 70 }, sigs: { intent: honest.sigs.intent, receipt: "" } };
    greedy.sigs.receipt = toBase64url(await provider.signer.signEd25519!(receiptBytes(greedy), RECEIPT_CONTEXT));
    const outbox = new Outbox();
    const deferred: Promise<unknown>[] = [];
    // Nothing is pushed for a refused receipt: the push's ports are never reached.
    const port = { ledger: consumer.node.ledger, relay: { outbox }, checkpoints: consumer.checkpoints } as Parameters<typeof countersignAnswer>[0];
    const answer = { origin: p, name: "peer bravo", result, receipt: greedy, elapsedMs: 100, resultValid: true };
    await expect(countersignAnswer(port, consumer.signer, intent, answer, (w) => deferred.push(w))).rejects.toSatisfy(
      (e: unknown) => e instanceof RelayError && e.failure.kind === "receipt_rejected" && (e.failure as { reason: string }).reason === "amount_mismatch",
    );
    expect(outbox.size).toBe(0);
    expect(deferred).toEqual([]);
    expect(await consumer.node.ledger.get(intent.intent.id)).toBeUndefined();
    expect((await consumer.node.ledger.flags()).map((f) => f.reason)).toEqual(["receipt_amount_mismatch"]);
    // A composite receipt signature passed off under the suite is refused the same way.
    const composite = { ...honest, sigs: { ...honest.sigs, receipt: toBase64url(await provider.signer.sign(receiptBytes(honest), RECEIPT_CONTEXT)) } };
    await expect(countersignAnswer(port, consumer.signer, intent, { ...answer, receipt: composite }, (w) => deferred.push(w))).rejects.toBeInstanceOf(RelayError);
    expect(outbox.size).toBe(0);
  });
});
