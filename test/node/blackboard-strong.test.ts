// Strong consistency's node side in one process (src/node/blackboard/strong.ts,
// strong-namespaces.ts): three replicas on their own libSQL stores, their messages handed straight
// to each other's handlers. What a peer sends is checked before it counts: a descriptor only from
// its creator, an entry only from the key's home with its signature, an acknowledgement only from
// the replica that signed that very entry. Every refusal leaves the stores as they were.
import { beforeEach, describe, expect, it } from "vitest";
import { StrongBlackboard, type StrongPorts } from "../../src/node/blackboard/strong.ts";
import { StrongNamespaces } from "../../src/node/blackboard/strong-namespaces.ts";
import { homeOf } from "../../src/protocol/blackboard/home.ts";
import { signDescriptor } from "../../src/protocol/blackboard/namespace.ts";
import { signStrongAck, signStrongEntry, type StrongEntry } from "../../src/protocol/blackboard/strong-log.ts";
import { HybridClock } from "../../src/protocol/registry/hlc.ts";
import { BlackboardStore } from "../../src/store/blackboard.ts";
import { StrongLogRepository } from "../../src/store/blackboard-strong-log.ts";
import { memoryDb } from "../support/libsql.ts";
import { ed25519TestSigner, TestKeyring, type TestIdentity } from "../support/ed25519.ts";

interface Replica {
  id: TestIdentity;
  log: StrongLogRepository;
  namespaces: StrongNamespaces;
  board: StrongBlackboard;
  ports: StrongPorts;
}

const ids = await Promise.all([1, 2, 3].map((n) => ed25519TestSigner(new Uint8Array(32).fill(n))));
const keyring = new TestKeyring().add(...ids);
let replicas: Replica[];
/** Replicas that drop every message sent to them. */
let unreachable: Set<string>;
/** Swaps a replica's answer to an append, to play a dishonest one. */
let tamper: ((from: string, answer: Awaited<ReturnType<StrongBlackboard["serveAppend"]>>) => Promise<Awaited<ReturnType<StrongBlackboard["serveAppend"]>>>) | undefined;

const byId = (node: string) => replicas.find((r) => r.id.signer.nodeId === node)!;
function reach(node: string): Replica {
  if (unreachable.has(node)) throw new Error(`${node} is unreachable`);
  return byId(node);
}

beforeEach(async () => {
  unreachable = new Set();
  tamper = undefined;
  replicas = [];
  for (const id of ids) {
    const db = await memoryDb();
    const self = id.signer.nodeId;
    const keyOf = (node: string) => keyring.keyOf(node);
    const clock = new HybridClock();
    const log = new StrongLogRepository(db);
    const namespaces = new StrongNamespaces({ self, signer: id.signer, keyOf, store: new BlackboardStore(db), clock, send: async (to, d) => reach(to).namespaces.receive(self, d) });
    const ports: StrongPorts = {
      self,
      signer: id.signer,
      keyOf,
      replicasOf: (ns) => namespaces.replicasOf(ns),
      append: async (to, entry) => {
        const answer = await reach(to).board.serveAppend(self, entry);
        return tamper ? tamper(to, answer) : answer;
      },
      forward: async (home, ns, key, op) => reach(home).board.serveForward(self, ns, key, op),
      log,
      clock,
      ackTimeoutMs: 2000,
    };
    const board = new StrongBlackboard(ports);
    replicas.push({ id, log, namespaces, board, ports });
  }
});

async function describeKv(): Promise<{ namespace: string; key: string; home: Replica; others: Replica[] }> {
  const creator = replicas[0]!;
  const { descriptor, missed } = await creator.namespaces.describe("kv", replicas.slice(1).map((r) => r.id.signer.nodeId));
  expect(missed).toEqual([]);
  const home = byId(homeOf(descriptor.namespace, "k", descriptor.replicas as string[]));
  return { namespace: descriptor.namespace, key: "k", home, others: replicas.filter((r) => r !== home) };
}

describe("strong blackboard on the node", () => {
  it("commits a write made at any replica at the home, on a majority's acknowledgements", async () => {
    const { namespace, key, home, others } = await describeKv();
    expect(await others[0]!.board.run(namespace, key, { op: "write", value: "v1" })).toEqual({ ok: true, result: { op: "write", slot: 1 } });
    const row = await home.log.get(namespace, key);
    expect(row?.slot).toBe(1);
    // A majority of three is the home and one more: the commit waits for no more than that.
    const acks = JSON.parse(row!.acks!) as { replica: string }[];
    expect(acks.length).toBeGreaterThanOrEqual(1);
    for (const a of acks) expect((await byId(a.replica).log.get(namespace, key))?.slot).toBe(1);
    expect(await others[1]!.board.run(namespace, key, { op: "cas", expected: { value: "v1" }, value: "v2" })).toEqual({ ok: true, result: { op: "cas", ok: true, slot: 2 } });
    expect(await others[0]!.board.run(namespace, key, { op: "read" })).toEqual({ ok: true, result: { op: "read", value: "v2", slot: 2 } });
  });

  // Workers: the runtime's key queue (a Durable Object) calls orderHere in the key's object.
  it("hands the home's operations to the runtime's key queue, and answers unavailable when it does not answer", async () => {
    const { namespace, key, home, others } = await describeKv();
    const queued: string[] = [];
    const viaQueue = new StrongBlackboard({
      ...home.ports,
      home: {
        order: (ns, k, op, reps) => {
          queued.push(op.op);
          return home.board.orderHere(ns, k, op, reps);
        },
      },
    });
    expect(await viaQueue.run(namespace, key, { op: "write", value: "v1" })).toEqual({ ok: true, result: { op: "write", slot: 1 } });
    expect(await viaQueue.serveForward(others[0]!.id.signer.nodeId, namespace, key, { op: "read" })).toEqual({ ok: true, result: { op: "read", value: "v1", slot: 1 } });
    expect(queued).toEqual(["write", "read"]);
    expect((await home.log.get(namespace, key))?.slot).toBe(1);

    // The queue's answer lost: a write may have been applied there, a read surely changed nothing.
    const lost = new StrongBlackboard({ ...home.ports, home: { order: () => Promise.reject(new Error("the object was reset")) } });
    expect(await lost.run(namespace, key, { op: "write", value: "v2" })).toMatchObject({ ok: false, error: "unavailable", applied: "unknown" });
    expect(await lost.run(namespace, key, { op: "read" })).toMatchObject({ ok: false, error: "unavailable", applied: "no" });
    expect((await home.log.get(namespace, key))?.slot).toBe(1);
  });

  it("drops a write no majority acknowledged, and says it took no effect", async () => {
    const { namespace, key, home, others } = await describeKv();
    await home.board.run(namespace, key, { op: "write", value: "kept" });
    for (const r of others) unreachable.add(r.id.signer.nodeId);
    expect(await home.board.run(namespace, key, { op: "write", value: "lost" })).toMatchObject({ ok: false, error: "unavailable", applied: "no" });
    expect(await home.board.run(namespace, key, { op: "read" })).toEqual({ ok: true, result: { op: "read", value: "kept", slot: 1 } });
  });

  it("counts no forged, misdirected or foreign acknowledgement", async () => {
    const { namespace, key, home, others } = await describeKv();
    const [x, y] = others as [Replica, Replica];
    const forgeries: ((answer: Awaited<ReturnType<StrongBlackboard["serveAppend"]>>, entry: StrongEntry) => Promise<Awaited<ReturnType<StrongBlackboard["serveAppend"]>>>)[] = [
      // Signed by the home instead of the replica it names.
      async (a) => (a.type === "blackboard-ack" ? { ...a, ack: { ...(await signStrongAck(JSON.parse((await x.log.get(namespace, key))!.entry), home.id.signer)), replica: a.ack.replica } } : a),
      // The other replica's acknowledgement, passed off as this one's.
      async (a) => (a.type === "blackboard-ack" ? { ...a, ack: { ...a.ack, replica: a.ack.replica === x.id.signer.nodeId ? y.id.signer.nodeId : x.id.signer.nodeId } } : a),
      // An acknowledgement of another slot.
      async (a) => (a.type === "blackboard-ack" ? { ...a, ack: { ...a.ack, slot: a.ack.slot + 1 } } : a),
    ];
    for (const forge of forgeries) {
      tamper = (_to, answer) => forge(answer, undefined as never);
      expect(await home.board.run(namespace, key, { op: "write", value: "forged" })).toMatchObject({ ok: false, error: "unavailable", applied: "no" });
      expect(await home.log.get(namespace, key)).toBeUndefined();
    }
  });

  it("refuses an entry not from the key's home, badly signed, tampered with or stale, and keeps its copy", async () => {
    const { namespace, key, home, others } = await describeKv();
    const [x, y] = others as [Replica, Replica];
    await home.board.run(namespace, key, { op: "write", value: "v1" });
    const stored = await x.log.get(namespace, key);
    const { sig: _sig, ...good } = JSON.parse(stored!.entry) as StrongEntry;
    const fromY = await signStrongEntry({ ...good, slot: 2, home: y.id.signer.nodeId }, y.id.signer);
    const next = { ...good, slot: 2, hlc: "7fffffffffff0000" };
    const signedByY = { ...(await signStrongEntry({ ...next, home: y.id.signer.nodeId }, y.id.signer)), home: home.id.signer.nodeId };
    const tampered = { ...(await signStrongEntry({ ...next, home: home.id.signer.nodeId }, home.id.signer)), value: "changed" };
    expect(await x.board.serveAppend(y.id.signer.nodeId, fromY)).toMatchObject({ type: "blackboard-refused", code: "not_home" });
    expect(await x.board.serveAppend(y.id.signer.nodeId, { ...good, sig: _sig, slot: 2 })).toMatchObject({ type: "blackboard-refused", code: "not_home" });
    expect(await x.board.serveAppend(home.id.signer.nodeId, signedByY)).toMatchObject({ type: "blackboard-refused", code: "bad_signature" });
    expect(await x.board.serveAppend(home.id.signer.nodeId, tampered)).toMatchObject({ type: "blackboard-refused", code: "bad_signature" });
    const older = await signStrongEntry({ ...good, slot: 1, hlc: "0000000000000001" }, home.id.signer);
    expect(await x.board.serveAppend(home.id.signer.nodeId, older)).toMatchObject({ type: "blackboard-refused", code: "stale" });
    expect(await x.log.get(namespace, key)).toEqual(stored);
  });

  it("serves forwarded operations only from a replica, and only as the key's home", async () => {
    const { namespace, key, home, others } = await describeKv();
    const stranger = await ed25519TestSigner(new Uint8Array(32).fill(9));
    expect(await home.board.serveForward(stranger.signer.nodeId, namespace, key, { op: "write", value: "x" })).toMatchObject({ ok: false, error: "not_replica" });
    expect(await others[0]!.board.serveForward(home.id.signer.nodeId, namespace, key, { op: "write", value: "x" })).toMatchObject({ ok: false, error: "not_home" });
    expect(await home.log.get(namespace, key)).toBeUndefined();
  });

  it("keeps a descriptor only from its creator, signed by it, naming the receiver", async () => {
    const [a, b, c] = replicas as [Replica, Replica, Replica];
    const own = await signDescriptor({ namespace: `${a.id.signer.nodeId}/other`, hlc: "019b76daa8000000", replicas: [a.id.signer.nodeId, b.id.signer.nodeId].sort(), consistency: "strong" }, a.id.signer);
    expect(await b.namespaces.receive(c.id.signer.nodeId, own)).toBe(false);
    expect(await b.namespaces.receive(a.id.signer.nodeId, { ...own, replicas: [a.id.signer.nodeId, b.id.signer.nodeId, c.id.signer.nodeId].sort() })).toBe(false);
    expect(await c.namespaces.receive(a.id.signer.nodeId, own)).toBe(false);
    expect(await b.namespaces.replicasOf(own.namespace)).toBeUndefined();
    expect(await b.namespaces.receive(a.id.signer.nodeId, own)).toBe(true);
    expect(await b.namespaces.replicasOf(own.namespace)).toEqual(own.replicas);
  });
});
