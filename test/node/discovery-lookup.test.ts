// The index lookup (src/node/discovery/lookup.ts) over an in-memory transport, with records signed
// by a real (Ed25519 test) key: a holder that forges a record, one that hides it, one that answers
// an older version and one that is down change nothing an honest holder answered; the direct
// structures (XOR, and rendezvous before index-xor) ask the k owners in one round, and the next k
// only for a key the first k gave nothing for.
import { describe, expect, it } from "vitest";
import { checkIndexRecord, signIndexRecord, type IndexRecord } from "../../src/protocol/discovery/record.ts";
import { NodePositions, positionOf, rendezvousOwners } from "../../src/protocol/discovery/placement.ts";
import type { IndexLookupRequest, IndexLookupResult } from "../../src/protocol/discovery/messages.ts";
import { DEFAULT_LOOKUP, lookupIndex, type IndexNode } from "../../src/node/discovery/lookup.ts";
import { ed25519TestSigner } from "../support/ed25519.ts";

const NOW = 1_767_225_600;
const origin = await ed25519TestSigner();
const tool = { key: "weather/forecast", name: "forecast", fingerprint: `sha256:${"cd".repeat(32)}` };
const sign = (seq: number, tools = [tool]) => signIndexRecord({ v: 1, origin: origin.signer.nodeId, key: "kw:forecast", url: "https://weather.example", seq, exp: NOW + 3600, tools }, origin.signer);
const nodes: IndexNode[] = Array.from({ length: 12 }, (_, i) => ({ id: `node-${i}`, url: `https://n${i}.example` }));
const directory = new NodePositions(nodes);
/** The key's owners as each direct structure ranks them: the test names them independently of the lookup. */
const ownersBy = {
  rendezvous: (n: number) => rendezvousOwners("kw:forecast", nodes.map((x) => x.id), n),
  xor: (n: number) =>
    nodes
      .map((x) => ({ id: x.id, d: Buffer.from(positionOf(x.id).map((b, i) => b ^ positionOf("kw:forecast")[i]!)).toString("hex") }))
      .sort((a, b) => (a.d < b.d ? -1 : 1))
      .slice(0, n)
      .map((x) => x.id),
};
const verify = async (raw: unknown) => {
  const c = await checkIndexRecord(raw, origin.key, NOW);
  return "record" in c ? c.record : undefined;
};

function network(answers: Map<string, (r: IndexLookupRequest) => IndexLookupResult | "down">) {
  const asked: string[] = [];
  return {
    asked,
    transport: {
      async lookup(node: IndexNode, request: IndexLookupRequest): Promise<IndexLookupResult> {
        asked.push(node.id);
        const a = answers.get(node.id)?.(request) ?? { type: "index-lookup" as const, records: [] };
        if (a === "down") throw new Error("unreachable");
        return a;
      },
    },
  };
}

describe.each(["rendezvous", "xor"] as const)("index lookup, %s placement", (structure) => {
  it("keeps the honest, newest record whatever the other owners answer", async () => {
    const [honest, forger, stale] = ownersBy[structure](3) as [string, string, string];
    const current = await sign(2);
    const older = await sign(1);
    const forged: IndexRecord = { ...current, seq: 3, tools: [{ ...tool, name: "steal" }] };
    const net = network(
      new Map([
        [honest, () => ({ type: "index-lookup", records: [current] })],
        [forger, () => ({ type: "index-lookup", records: [forged, { ...current, key: "kw:other" }] })],
        [stale, () => ({ type: "index-lookup", records: [older] })],
      ]),
    );
    const report = await lookupIndex({ self: "asker", known: async () => directory, transport: net.transport, verify }, ["kw:forecast"], { ...DEFAULT_LOOKUP, structure, replicas: 3 });
    expect(report.records.get("kw:forecast")).toEqual([current]);
    expect(report.rounds).toBe(1);
    expect(net.asked.sort()).toEqual([honest, forger, stale].sort());
  });

  it("asks the next k when the first k are down or hide the record", async () => {
    const ranked = ownersBy[structure](6);
    const record = await sign(5);
    const net = network(
      new Map<string, (r: IndexLookupRequest) => IndexLookupResult | "down">([
        [ranked[0]!, () => "down"],
        [ranked[1]!, () => ({ type: "index-lookup", records: [] })],
        [ranked[2]!, () => "down"],
        [ranked[4]!, () => ({ type: "index-lookup", records: [record] })],
      ]),
    );
    const report = await lookupIndex({ self: "asker", known: async () => directory, transport: net.transport, verify }, ["kw:forecast"], { ...DEFAULT_LOOKUP, structure, replicas: 3 });
    expect(report.records.get("kw:forecast")).toEqual([record]);
    expect(report.rounds).toBe(2);
    expect(report.failed).toBe(2);
    expect(net.asked.sort()).toEqual([...ranked].sort());
  });
});

describe("index lookup, iterative", () => {
  it("finds the record through closer nodes in the iterative structure", async () => {
    const record = await sign(7);
    // Each node knows only its successor; the last holds the record.
    const answers = new Map<string, (r: IndexLookupRequest) => IndexLookupResult>(
      nodes.map((n, i) => [n.id, () => ({ type: "index-lookup", records: i === nodes.length - 1 ? [record] : [], closer: [nodes[(i + 1) % nodes.length]!] })]),
    );
    const net = network(answers);
    const report = await lookupIndex({ self: "asker", known: async () => directory, transport: net.transport, verify }, ["kw:forecast"], { ...DEFAULT_LOOKUP, structure: "kademlia", replicas: 12, alpha: 3 });
    expect(report.records.get("kw:forecast")).toEqual([record]);
    expect(report.rounds).toBeGreaterThan(1);
  });

  it("asks every one of the k closest not yet asked once a round found nothing closer", async () => {
    // Nobody knows anyone closer: after the first α, the rest of the k closest go in one round.
    const net = network(new Map());
    const report = await lookupIndex({ self: "asker", known: async () => directory, transport: net.transport, verify }, ["kw:forecast"], { ...DEFAULT_LOOKUP, structure: "kademlia", replicas: 8, alpha: 2 });
    expect(report.rounds).toBe(2);
    expect(report.trace.filter((t) => t.round === 0)).toHaveLength(2);
    expect(report.trace.filter((t) => t.round === 1)).toHaveLength(6);
    expect(net.asked.sort()).toEqual(ownersBy.xor(8).sort());
  });

  it("goes on while answers bring closer nodes, and reports the k closest that answered", async () => {
    const ranked = ownersBy.xor(nodes.length).map((id) => nodes.find((x) => x.id === id)!);
    // The asker knows only the 4 farthest; each of them knows the 4 closest, of which the closest is down.
    const far = ranked.slice(-4);
    const answers = new Map<string, (r: IndexLookupRequest) => IndexLookupResult | "down">([
      ...far.map((n) => [n.id, () => ({ type: "index-lookup" as const, records: [], closer: ranked.slice(0, 4) })] as const),
      [ranked[0]!.id, () => "down"],
    ]);
    const net = network(answers);
    const report = await lookupIndex({ self: "asker", known: async () => new NodePositions(far), transport: net.transport, verify }, ["kw:forecast"], { ...DEFAULT_LOOKUP, structure: "kademlia", replicas: 3, alpha: 3 });
    expect(report.rounds).toBeGreaterThan(1);
    expect(report.failed).toBe(1);
    expect(report.closest.get("kw:forecast")).toEqual(ranked.slice(1, 4));
  });
});
