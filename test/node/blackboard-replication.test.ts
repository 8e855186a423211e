// The blackboard on two nodes' real libSQL stores, connected in-process (the federation route is
// covered by test/e2e/blackboard-*.test.ts): local writes merge at once and reach the other
// replica by push; a missed push is found by repair; deltas that are forged, from a non-replica,
// oversize or for an unknown namespace are refused with their code and change nothing.
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { Blackboard } from "../../src/node/blackboard/board.ts";
import { BlackboardReplication, type BlackboardTransport } from "../../src/node/blackboard/replication.ts";
import { opFor, viewOf } from "../../src/node/blackboard/requests.ts";
import { BlackboardError } from "../../src/node/blackboard/errors.ts";
import { signDelta } from "../../src/protocol/blackboard/delta.ts";
import { BlackboardStore } from "../../src/store/blackboard.ts";
import { memoryDb } from "../support/libsql.ts";
import { ed25519TestSigner, TestKeyring, type TestIdentity } from "../support/ed25519.ts";

interface TestReplica {
  id: TestIdentity;
  board: Blackboard;
  replication: BlackboardReplication;
  /** While false, pushes to this node are lost. */
  reachable: boolean;
  /** Pushes started and not yet settled. */
  pushes: Promise<unknown>[];
}

async function replicas(n: number): Promise<TestReplica[]> {
  const ids = await Promise.all(Array.from({ length: n }, () => ed25519TestSigner()));
  const keys = new TestKeyring().add(...ids);
  const nodes: TestReplica[] = [];
  const byId = (peer: string) => {
    const r = nodes.find((x) => x.id.signer.nodeId === peer)!;
    if (!r.reachable) throw new Error("unreachable");
    return r;
  };
  const from = (self: string): BlackboardTransport => ({
    push: async (peer, r) => (await byId(peer).replication.onRequest(self, r)) as never,
    reconcile: async (peer, r) => (await byId(peer).replication.onRequest(self, r)) as never,
    transfer: async (peer, r) => (await byId(peer).replication.onRequest(self, r)) as never,
  });
  for (const id of ids) {
    const board = new Blackboard({ self: id.signer.nodeId, store: new BlackboardStore(await memoryDb()), signer: id.signer, keys: { keyOf: async (node) => keys.keyOf(node) } });
    const pushes: Promise<unknown>[] = [];
    const replication = new BlackboardReplication({ board, transport: from(id.signer.nodeId), activePeers: async () => ids.map((i) => i.signer.nodeId), later: (w) => pushes.push(w) });
    nodes.push({ id, board, replication, reachable: true, pushes });
  }
  return nodes;
}

const put = (r: TestReplica, ns: string, key: string, value: z.core.util.JSONType) => r.board.write(ns, key, (held) => opFor({ type: "register", op: "set", value }, held, r.board.self));

describe("blackboard replication", () => {
  it("pushes a local write to the other replicas, which merge it to the same state", async () => {
    const [a, b, c] = await replicas(3);
    const d = await a!.board.describe("plans", [b!.board.self], "eventual");
    await b!.replication.onRequest(a!.board.self, { type: "push", descriptors: [d], deltas: [] });
    await put(a!, d.namespace, "k", { step: 1 });
    await Promise.all(a!.pushes);
    expect(await b!.board.store.stateHashes(d.namespace)).toEqual(await a!.board.store.stateHashes(d.namespace));
    expect(viewOf((await b!.board.read(d.namespace, "k")).value)).toEqual({ type: "register", value: { step: 1 } });
    // c is no replica: it neither holds the namespace nor takes its deltas.
    await expect(c!.board.read(d.namespace, "k")).rejects.toMatchObject({ code: "unknown_namespace" });
  });

  it("repairs what a lost push left out, both ways, and a second repair finds nothing", async () => {
    const [a, b] = await replicas(2);
    const d = await a!.board.describe("notes", [b!.board.self], "eventual");
    b!.reachable = false;
    for (let i = 0; i < 50; i++) await put(a!, d.namespace, `k${i % 7}`, i);
    await a!.board.write(d.namespace, "count", (held) => opFor({ type: "counter", op: "add", amount: 5 }, held, a!.board.self));
    await Promise.all(a!.pushes);
    b!.reachable = true;
    const first = await a!.replication.repair(d.namespace, b!.board.self);
    expect(first, JSON.stringify(first)).toMatchObject({ sent: 51, refused: 0 });
    a!.reachable = false;
    await b!.board.write(d.namespace, "count", (held) => opFor({ type: "counter", op: "add", amount: -2 }, held, b!.board.self));
    await b!.board.write(d.namespace, "set", (held) => opFor({ type: "set", op: "add", element: "x" }, held, b!.board.self));
    await Promise.all(b!.pushes);
    a!.reachable = true;
    const second = await a!.replication.repair(d.namespace, b!.board.self);
    expect(second.stored).toBe(2);
    expect(await b!.board.store.stateHashes(d.namespace)).toEqual(await a!.board.store.stateHashes(d.namespace));
    expect(viewOf((await a!.board.read(d.namespace, "count")).value)).toEqual({ type: "counter", value: 3 });
    const third = await a!.replication.repair(d.namespace, b!.board.self);
    expect([third.sent, third.stored]).toEqual([0, 0]);
  });

  it("refuses forged, foreign, oversize and unknown deltas with their code, and changes nothing", async () => {
    const [a, b, c] = await replicas(3);
    const d = await a!.board.describe("plans", [b!.board.self], "eventual");
    await b!.board.receiveDescriptors([d], a!.board.self);
    const good = (await put(a!, d.namespace, "k", 1)).delta!;
    await b!.board.receive([good], a!.board.self);
    const before = await b!.board.store.stateHashes(d.namespace);
    const count = await b!.board.store.deltaCount(d.namespace);
    const { sig: _sig, ...unsigned } = good;
    const forged = await signDelta({ ...unsigned, hlc: bump(good.hlc), op: { type: "register", op: "set", value: 2 } }, a!.id.signer);
    const badSig = { ...forged, op: { type: "register", op: "set", value: 666 } };
    const foreign = await signDelta({ namespace: d.namespace, key: "k", hlc: bump(good.hlc), writer: c!.board.self, op: { type: "register", op: "set", value: 3 } }, c!.id.signer);
    const unknown = await signDelta({ namespace: `${a!.board.self}/other`, key: "k", hlc: bump(good.hlc), writer: a!.board.self, op: { type: "register", op: "set", value: 4 } }, a!.id.signer);
    const oversize = { ...good, op: { type: "register", op: "set", value: "x".repeat(17 * 1024) } };
    const got = await b!.board.receive([badSig, foreign, unknown, oversize, { nonsense: true }], a!.board.self);
    expect(got.refused.map((r) => r.code)).toEqual(["bad_signature", "not_a_replica", "unknown_namespace", "oversize", "malformed"]);
    expect(got.stored).toEqual([]);
    // From a node that is no replica, even a good delta is refused.
    expect((await b!.board.receive([forged], c!.board.self)).refused.map((r) => r.code)).toEqual(["not_a_replica"]);
    expect(await b!.board.store.stateHashes(d.namespace)).toEqual(before);
    expect(await b!.board.store.deltaCount(d.namespace)).toBe(count);
    // A descriptor signed by anyone but the creator is refused too.
    const stolen = { ...d, replicas: [...new Set([...(d.replicas as string[]), c!.board.self])].sort() };
    expect((await b!.board.receiveDescriptors([stolen], c!.board.self)).map((r) => r.code)).toEqual(["bad_signature"]);
    expect(await b!.board.store.descriptor(d.namespace)).toEqual(d);
  });

  it("refuses a local write of another type than the key holds", async () => {
    const [a] = await replicas(1);
    const d = await a!.board.describe("t", [], "eventual");
    await put(a!, d.namespace, "k", 1);
    const err = await a!.board.write(d.namespace, "k", (held) => opFor({ type: "counter", op: "add", amount: 1 }, held, a!.board.self)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BlackboardError);
    expect((err as BlackboardError).code).toBe("type_mismatch");
  });

  it("keeps concurrent local counter adds: none is lost to another's running total", async () => {
    const [a] = await replicas(1);
    const d = await a!.board.describe("t", [], "eventual");
    await Promise.all(Array.from({ length: 20 }, () => a!.board.write(d.namespace, "n", (held) => opFor({ type: "counter", op: "add", amount: 1 }, held, a!.board.self))));
    expect(viewOf((await a!.board.read(d.namespace, "n")).value)).toEqual({ type: "counter", value: 20 });
  });
});

function bump(hlc: string): string {
  return (BigInt(`0x${hlc}`) + 1n).toString(16).padStart(16, "0");
}
