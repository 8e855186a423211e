import { describe, expect, it } from "vitest";
import { encodeHlc } from "../../src/protocol/registry/hlc.ts";
import {
  decodeMessage,
  DEFAULT_RECONCILE,
  encodeMessage,
  ID_PREFIX_BYTES,
  ReconcileFormatError,
  ReconcileSession,
  ReconcileSet,
  respond,
  type ReconcileItem,
  type ReconcileParams,
} from "../../src/protocol/reconciliation.ts";
import { toBase64url } from "../../src/protocol/encoding/bytes.ts";
import { randomHex, seeded } from "../support/random.ts";

async function reconcile(a: ReconcileItem[], b: ReconcileItem[], params: ReconcileParams = DEFAULT_RECONCILE, maxRounds = 64) {
  const session = new ReconcileSession(ReconcileSet.of(a), params);
  const responder = ReconcileSet.of(b);
  let message: string | undefined = await session.start();
  let rounds = 0;
  let bytes = 0;
  let largest = 0;
  while (message !== undefined) {
    const reply = await respond(responder, message, params);
    bytes += message.length + reply.length;
    largest = Math.max(largest, message.length, reply.length);
    rounds++;
    if (rounds > maxRounds) throw new Error("does not settle");
    message = await session.next(reply);
  }
  return { ...session.found, rounds, bytes, largest };
}

function expectExact(found: { have: Set<string>; need: Set<string> }, a: ReconcileItem[], b: ReconcileItem[]) {
  const inA = new Set(a.map((x) => x.id));
  const inB = new Set(b.map((x) => x.id));
  expect([...found.have].sort()).toEqual(a.filter((x) => !inB.has(x.id)).map((x) => x.id).sort());
  expect([...found.need].sort()).toEqual(b.filter((x) => !inA.has(x.id)).map((x) => x.id.slice(0, ID_PREFIX_BYTES * 2)).sort());
}

function items(random: () => number, n: number, spreadMs: number, from = 1_732_000_000_000): ReconcileItem[] {
  return Array.from({ length: n }, () => ({
    hlc: encodeHlc({ wall: from + Math.floor(random() * spreadMs), counter: Math.floor(random() * 3) }),
    id: randomHex(random, 32),
  }));
}

describe("range-based set reconciliation", () => {
  it("finds exactly the symmetric difference of random sets", async () => {
    const random = seeded(7);
    for (let trial = 0; trial < 40; trial++) {
      const n = Math.floor(random() ** 2 * 3000);
      // Narrow spreads make many equal HLCs, so ranges must split inside the id space too.
      const shared = items(random, n, trial % 3 === 0 ? 3 : 100_000);
      const onlyA = items(random, Math.floor(random() * 60), 100_000);
      const onlyB = items(random, Math.floor(random() * 60), 100_000);
      const a = [...shared, ...onlyA];
      const b = [...shared, ...onlyB];
      expectExact(await reconcile(a, b), a, b);
    }
  });

  it("handles empty sides, one side empty, and sets that share nothing", async () => {
    const random = seeded(11);
    const x = items(random, 500, 10_000);
    const y = items(random, 300, 10_000);
    for (const [a, b] of [[[], []], [x, []], [[], x], [x, y]] as [ReconcileItem[], ReconcileItem[]][]) {
      expectExact(await reconcile(a, b), a, b);
    }
  });

  it("settles in one round trip when in sync", async () => {
    const set = items(seeded(3), 10_000, 1_000_000);
    const r = await reconcile(set, [...set].reverse());
    expect(r.rounds).toBe(1);
    expect(r.have.size + r.need.size).toBe(0);
    expect(r.bytes).toBeLessThan(600);
  });

  it("costs little for one difference in a large set: at most 3 round trips and 2 KB", async () => {
    const random = seeded(5);
    const shared = items(random, 50_000, 5_000_000);
    const extra = items(random, 1, 5_000_000);
    const r = await reconcile([...shared, ...extra], shared);
    expect(r.have.size).toBe(1);
    expect(r.rounds).toBeLessThanOrEqual(3);
    expect(r.bytes).toBeLessThanOrEqual(2048);
  });

  it("costs in proportion to the differences when they are recent", async () => {
    const random = seeded(9);
    const shared = items(random, 50_000, 5_000_000);
    const recent = items(random, 200, 1000, 1_732_000_000_000 + 5_000_000);
    const r = await reconcile(shared, [...shared, ...recent]);
    expect(r.need.size).toBe(200);
    expect(r.bytes).toBeLessThanOrEqual(2048 + 100 * 200);
  });

  it("still converges, in more but bounded messages, when each message is capped at a small frame", async () => {
    const random = seeded(13);
    const shared = items(random, 5_000, 100_000);
    const a = [...shared, ...items(random, 400, 100_000)];
    const b = [...shared, ...items(random, 400, 100_000)];
    const frameBytes = 1024;
    const capped = await reconcile(a, b, { ...DEFAULT_RECONCILE, frameBytes }, 1000);
    expectExact(capped, a, b);
    const free = await reconcile(a, b);
    expect(capped.rounds).toBeGreaterThan(free.rounds);
    expect(free.largest).toBeGreaterThan(4 * frameBytes);
    // A reply may answer a full frame and then one fingerprint per remaining range: about twice the frame, in base64.
    expect(capped.largest).toBeLessThanOrEqual(((2 * frameBytes + 512) * 4) / 3);
  });

  it("round-trips its wire form", () => {
    const message = encodeMessage([
      { upper: "01934df93d7b0000", mode: "fingerprint", fingerprint: new Uint8Array(16).fill(7) },
      { upper: "01934df93d7b0001ab", mode: "skip" },
      { upper: "01934df93d7c0000", mode: "ids", ids: ["0011223344556677"] },
      { upper: "~", mode: "diff", missing: ["8899aabbccddeeff"], lacks: [true, false, false, true, false, false, false, false, true] },
    ]);
    expect(decodeMessage(message)).toEqual([
      { upper: "01934df93d7b0000", mode: "fingerprint", fingerprint: new Uint8Array(16).fill(7) },
      { upper: "01934df93d7b0001ab", mode: "skip" },
      { upper: "01934df93d7c0000", mode: "ids", ids: ["0011223344556677"] },
      { upper: "~", mode: "diff", missing: ["8899aabbccddeeff"], lacks: [true, false, false, true, false, false, false, false, true] },
    ]);
  });

  it("refuses malformed messages", async () => {
    const set = ReconcileSet.of(items(seeded(1), 100, 1000));
    const bad = [
      "!!!",
      toBase64url(new Uint8Array([2])), // unknown version
      toBase64url(new Uint8Array([1, 0x80])), // truncated varint
      toBase64url(new Uint8Array([1, 5, 0, 0, 1, 1, 2, 0, 0, 1])), // truncated fingerprint
      toBase64url(new Uint8Array([1, 5, 0, 0, 0, 1, 0, 0, 0])), // bounds do not ascend
      toBase64url(new Uint8Array([1, 0, 0, 5, 0, 0, 0])), // a range after infinity
      toBase64url(new Uint8Array([1, 0, 9])), // unknown mode
    ];
    for (const m of bad) await expect(respond(set, m), m).rejects.toThrow(ReconcileFormatError);
    // Only the initiator may receive a diff.
    const diff = encodeMessage([{ upper: "~", mode: "diff", missing: [], lacks: [] }]);
    await expect(respond(set, diff)).rejects.toThrow(ReconcileFormatError);
  });
});
