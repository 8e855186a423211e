import { afterEach, describe, expect, it } from "vitest";
import type { ExchangeRequest } from "../../src/protocol/messages/gossip.ts";
import type { Entry, SignedEntry } from "../../src/protocol/registry/entry.ts";
import { entryFor, expectedStateHash, sampleTool } from "../support/entries.ts";
import { ed25519TestSigner } from "../support/ed25519.ts";
import { TestFederation, type TestNode } from "../support/federation.ts";
import { seeded } from "../support/random.ts";
import { registryEntries, registryLog } from "../../src/store/schema/index.ts";
import { newGeneration } from "../../src/store/store-generation.ts";

let fed: TestFederation;
afterEach(() => fed?.close());

/** What a node holds for (origin, key): "live", "withdrawn" (a tombstone), or "absent". */
async function state(n: TestNode, origin: TestNode, key: string): Promise<string> {
  const held = await n.store.slots(origin.id, "tool", key);
  if (held.length === 0) return "absent";
  const newest = held.reduce((x, y) => (y.signed.hlc > x.signed.hlc ? y : x));
  return newest.signed.tombstone ? "withdrawn" : "live";
}

async function line(store: "libsql" | "memory" = "libsql"): Promise<TestFederation> {
  fed = new TestFederation(seeded(1));
  for (const name of ["A", "B", "C"]) await fed.add(name, { store });
  fed.link("A", "B");
  fed.link("B", "C");
  return fed;
}

describe("gossip on a line A–B–C", () => {
  it("carries a public tool to C, a peers tool to B only, a private tool nowhere, and a withdrawal to C", async () => {
    const f = await line();
    const [A, B, C] = ["A", "B", "C"].map((n) => f.node(n));
    await f.share("A", sampleTool("pub", "1.0.0", "public"));
    await f.share("A", sampleTool("near", "1.0.0", "peers"));
    await f.share("A", sampleTool("secret", "1.0.0", "private"));
    await f.settle();
    expect([await state(B!, A!, "demo/pub"), await state(C!, A!, "demo/pub")]).toEqual(["live", "live"]);
    expect([await state(B!, A!, "demo/near"), await state(C!, A!, "demo/near")]).toEqual(["live", "absent"]);
    expect([await state(B!, A!, "demo/secret"), await state(C!, A!, "demo/secret")]).toEqual(["absent", "absent"]);
    for (const n of [A!, B!, C!]) expect(await n.store.slots(A!.id, "tool", "demo/secret")).toEqual([]);

    await f.withdraw("A", "demo/pub");
    await f.settle();
    expect(await state(C!, A!, "demo/pub")).toBe("withdrawn");
    // Narrowing to peers withdraws the tool from C, which is not a direct peer.
    await f.share("A", sampleTool("wide", "1.0.0", "public"));
    await f.settle();
    expect(await state(C!, A!, "demo/wide")).toBe("live");
    await f.share("A", sampleTool("wide", "1.0.0", "peers"));
    await f.settle();
    expect([await state(B!, A!, "demo/wide"), await state(C!, A!, "demo/wide")]).toEqual(["live", "withdrawn"]);
  });

  it("pushes on change without waiting for a tick, and sends each entry to each peer at most once", async () => {
    const f = await line();
    const [A, , C] = ["A", "B", "C"].map((n) => f.node(n));
    f.link("A", "C"); // a triangle: C can hear of A's tool from A and from B
    await f.share("A", sampleTool("first"));
    await f.settle(); // first contact: repairs set the cursors up
    const sent = new Map<string, number>();
    f.network.onDeliver = (kind, from, to, request) => {
      if (kind !== "exchange") return;
      for (const e of (request as ExchangeRequest).entries) {
        const k = `${from}>${to}:${(e as SignedEntry).key}:${(e as SignedEntry).hlc}`;
        sent.set(k, (sent.get(k) ?? 0) + 1);
      }
    };
    for (let i = 0; i < 5; i++) await f.share("A", sampleTool(`t${i}`));
    const tasks = await f.settle();
    expect(tasks).toBeGreaterThan(0);
    for (let i = 0; i < 5; i++) expect(await state(C!, A!, `demo/t${i}`)).toBe("live");
    expect(Math.max(...sent.values())).toBe(1);
    expect(f.network.traffic.reconcile.requests).toBeGreaterThan(0); // the first contact only
  });

  it("refuses forged entries and never stores or relays them", async () => {
    const f = await line();
    const [A, B, C] = ["A", "B", "C"].map((n) => f.node(n));
    await f.share("A", sampleTool("real"));
    await f.settle();
    const genuine = (await A!.store.slots(A!.id, "tool", "demo/real"))[0]!.signed;
    const forgedBody = { ...genuine, hlc: "ffffffffffff0000" } as SignedEntry; // outlives everything, if it were believed
    const impostor = await ed25519TestSigner(); // unknown to everyone
    const foreign = await entryFor(impostor, { key: "demo/real" });
    const claimed = { ...foreign.signed, origin: A!.id } as SignedEntry;
    const before = await B!.store.stateHash();
    const reply = await B!.gossip.onExchange(A!.id, { entries: [forgedBody, claimed, foreign.signed] });
    expect(reply.refused).toBe(3);
    expect(B!.registry.metrics.snapshot().rejected).toMatchObject({ future_hlc: 1, bad_signature: 1, unknown_origin: 1 });
    await f.settle();
    expect((await C!.gossip.tick()).error).toBeUndefined();
    expect(await B!.store.stateHash()).toBe(before);
    expect(await C!.store.has([foreign.id])).toEqual(new Set());
    expect(await state(C!, A!, "demo/real")).toBe("live");
  });

  it("heals a partition: entries made on both sides meet after the link returns", async () => {
    const f = await line();
    const [A, B, C] = ["A", "B", "C"].map((n) => f.node(n));
    await f.share("A", sampleTool("before"));
    await f.settle();
    f.network.cut(B!.id, C!.id);
    await f.share("A", sampleTool("during-a"));
    await f.share("C", sampleTool("during-c"));
    await f.withdraw("A", "demo/before");
    await f.settle();
    expect(await state(C!, A!, "demo/during-a")).toBe("absent");
    expect(await state(C!, A!, "demo/before")).toBe("live");
    f.network.heal(B!.id, C!.id);
    // No push is pending any more: only the tick's push-pull can bring them together.
    for (let i = 0; i < 4 && (await state(C!, A!, "demo/before")) !== "withdrawn"; i++) {
      expect((await C!.gossip.tick()).error).toBeUndefined();
      await f.settle();
    }
    expect(await state(C!, A!, "demo/during-a")).toBe("live");
    expect(await state(C!, A!, "demo/before")).toBe("withdrawn");
    expect(await state(A!, C!, "demo/during-c")).toBe("live");
  });

  it("recovers lost pushes on the next tick", async () => {
    const f = await line();
    const [A, , C] = ["A", "B", "C"].map((n) => f.node(n));
    await f.share("A", sampleTool("seed"));
    await f.settle();
    f.network.loss = 1;
    await f.share("A", sampleTool("lost"));
    await f.settle();
    expect(await state(C!, A!, "demo/lost")).toBe("absent");
    f.network.loss = 0;
    expect((await A!.gossip.tick()).error).toBeUndefined();
    await f.settle();
    expect(await state(C!, A!, "demo/lost")).toBe("live");
  });

  it("repairs a wiped node by reconciliation: its epoch changed, so cursors into it are stale", async () => {
    const f = await line();
    const [A, B] = ["A", "B"].map((n) => f.node(n));
    for (let i = 0; i < 20; i++) await f.share("A", sampleTool(`w${i}`));
    await f.share("B", sampleTool("own"));
    await f.settle();
    const cursorBefore = await A!.store.cursor(B!.id);
    expect(cursorBefore.theirs?.epoch).toBe((await B!.store.head()).epoch);
    const wiped = await f.wipe("B");
    expect((await wiped.store.head()).seq).toBe(0);
    // A's push-pull carries its old position in B's log, which B's new log does not know.
    const report = await A!.gossip.sync(wiped.id, "push-pull");
    expect(report.mode).toBe("repair");
    await f.settle();
    for (let i = 0; i < 20; i++) expect(await state(wiped, A!, `demo/w${i}`)).toBe("live");
    // What B had published before it lost its database comes back from its peers.
    expect(await state(wiped, wiped, "demo/own")).toBe("live");
    expect((await A!.store.cursor(B!.id)).theirs?.epoch).toBe((await wiped.store.head()).epoch);
  });

  it("after a restore from a backup, a peer's cursor into the replaced log is stale: it repairs and misses nothing", async () => {
    const f = await line();
    const [A, B] = ["A", "B"].map((n) => f.node(n));
    await f.share("B", sampleTool("b0"));
    await f.settle();
    const db = B!.database!.db;
    const backup = { entries: await db.select().from(registryEntries), log: await db.select().from(registryLog) };
    await f.share("B", sampleTool("b1"));
    await f.share("B", sampleTool("b2"));
    await f.settle();
    await A!.gossip.sync(B!.id, "push-pull");
    await f.settle();
    const before = await B!.store.head();
    expect((await A!.store.cursor(B!.id)).theirs).toMatchObject(before);

    // The restore puts the backed-up rows back as they were and draws a new store generation.
    await db.delete(registryEntries);
    await db.delete(registryLog);
    await db.insert(registryLog).values(backup.log);
    await db.insert(registryEntries).values(backup.entries);
    await db.batch([newGeneration(db)]);
    const restored = await B!.store.head();
    expect(restored.seq).toBeLessThan(before.seq);
    expect(restored.epoch).not.toBe(before.epoch);

    // B's log now gives the seqs after the backup's head again, up past A's cursor; no push reaches A.
    for (let i = 0; i < 4; i++) await f.share("B", sampleTool(`c${i}`));
    f.drop();
    expect((await B!.store.head()).seq).toBeGreaterThan(before.seq);
    const report = await A!.gossip.sync(B!.id, "push-pull");
    expect(report.mode).toBe("repair");
    await f.settle();
    for (let i = 0; i < 4; i++) expect(await state(A!, B!, `demo/c${i}`)).toBe("live");
  });

  it("brings a new peer up to date by reconciliation", async () => {
    const f = await line("memory");
    const [A, C] = ["A", "C"].map((n) => f.node(n));
    for (let i = 0; i < 30; i++) await f.share("A", sampleTool(`n${i}`));
    await f.settle();
    const D = await f.add("D", { store: "libsql" });
    f.link("C", "D");
    const report = await D.gossip.tick();
    expect(report).toMatchObject({ collected: 0, sync: { peer: C!.id, mode: "repair" } });
    expect(report.error).toBeUndefined();
    await f.settle();
    for (let i = 0; i < 30; i++) expect(await state(D, A!, `demo/n${i}`)).toBe("live");
  });
});

describe("determinism", () => {
  it("ends with identical replicas after random concurrent updates and deletes of the same keys", async () => {
    const random = seeded(2024);
    fed = new TestFederation(random);
    const names = ["A", "B", "C", "D", "E"];
    for (const [i, name] of names.entries()) await fed.add(name, { store: i % 2 === 0 ? "libsql" : "memory" });
    for (let i = 0; i < names.length; i++) fed.link(names[i]!, names[(i + 1) % names.length]!);
    fed.link("A", "C");
    const nodes = names.map((n) => fed.node(n));
    const keys = ["demo/k0", "demo/k1", "demo/k2"];
    fed.network.loss = 0.1;

    // Writers that race on the same slots: each node, and for A also entries signed directly with
    // its key (as a second isolate with a clock 30 s fast, or a restored backup, would make them),
    // delivered first to random nodes. They share two HLCs, so the entry hash breaks the ties.
    const origin = nodes[0]!;
    const pool: Entry[] = [];
    const keep = (entries: Entry[]) => void pool.push(...entries);
    const ahead = Date.now() + 30_000;
    const ops: Promise<unknown>[] = [];
    for (let round = 0; round < 12; round++) {
      for (let w = 0; w < 6; w++) {
        const n = nodes[Math.floor(random() * nodes.length)]!;
        const key = keys[Math.floor(random() * keys.length)]!;
        const r = random();
        if (r < 0.45) ops.push(fed.share(n.name, sampleTool(key.slice(5), `1.${round}.${w}`)).then(keep));
        else if (r < 0.65) ops.push(fed.withdraw(n.name, key).then(keep));
        else {
          const e = await entryFor(origin.identity, { key, wall: ahead + Math.floor(random() * 2), tombstone: random() < 0.3, description: `isolate ${round}.${w}` });
          pool.push(e);
          const target = nodes[1 + Math.floor(random() * (nodes.length - 1))]!;
          ops.push(target.registry.receive([e.signed], origin.id).then((got) => got.stored.length > 0 && target.gossip.changed()));
        }
      }
      for (const n of nodes) if (random() < 0.5) ops.push(n.gossip.tick());
      if (random() < 0.5) ops.push(fed.settle());
      await Promise.all(ops.splice(0));
    }
    // The last word on k0 is a tie: two entries with one HLC, each delivered first to a node with
    // a different kind of store (B in memory, C on libSQL).
    const [x, y] = await Promise.all(
      ["x", "y"].map((d) => entryFor(origin.identity, { key: keys[0], wall: ahead + 5, description: `tie ${d}` })),
    );
    pool.push(x!, y!);
    await Promise.all([nodes[1]!.registry.receive([x!.signed], origin.id), nodes[2]!.registry.receive([y!.signed], origin.id)]);
    for (const n of [nodes[1]!, nodes[2]!]) n.gossip.changed();
    await fed.settle();
    // Heal: no more loss; ticks until every replica agrees.
    fed.network.loss = 0;
    let hashes = new Set<string>();
    for (let round = 0; round < 30; round++) {
      for (const n of nodes) expect((await n.gossip.tick()).error).toBeUndefined();
      await fed.settle();
      hashes = new Set((await fed.stateHashes()).values());
      if (hashes.size === 1) break;
    }
    expect(hashes.size).toBe(1);
    expect([...hashes][0]).toBe(await expectedStateHash(pool));
    // ...and the tie decided k0: the lower entry hash holds it everywhere.
    const tieWinner = x!.id < y!.id ? x! : y!;
    for (const n of nodes) expect(await n.store.has([x!.id, y!.id])).toEqual(new Set([tieWinner.id]));
  });
});

describe("entries withheld from onward relay (TRUST_RELAY_TIER, quarantine)", () => {
  it("keeps an origin's public entries at the relay and never passes them on, by push, pull or repair, without looping", async () => {
    fed = new TestFederation(seeded(3));
    const A = await fed.add("A");
    const withheld = new Set([A.id]);
    const B = await fed.add("B", { withheld: async (origins) => new Set(origins.filter((o) => withheld.has(o))) });
    const C = await fed.add("C");
    fed.link("A", "B");
    fed.link("B", "C");
    await fed.share("A", sampleTool("pub", "1.0.0", "public"));
    await fed.share("B", sampleTool("own", "1.0.0", "public"));
    await fed.settle();
    expect(await state(B, A, "demo/pub")).toBe("live");
    expect(await state(C, B, "demo/own")).toBe("live");
    expect(await state(C, A, "demo/pub")).toBe("absent");
    // Every way an entry can leave B: C's push-pull, and repairs started from either side, which end.
    await C.gossip.sync(B.id, "push-pull");
    await C.gossip.sync(B.id, "repair");
    await B.gossip.sync(C.id, "repair");
    await fed.settle();
    expect(await state(C, A, "demo/pub")).toBe("absent");
    // Once the origin may be relayed again, repair brings what cursors moved past.
    withheld.clear();
    await B.gossip.sync(C.id, "repair");
    await fed.settle();
    expect(await state(C, A, "demo/pub")).toBe("live");
  });
});
