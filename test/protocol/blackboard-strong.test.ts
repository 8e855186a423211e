// The pure core of strong consistency (src/protocol/blackboard/home.ts, quorum.ts, strong-log.ts):
// every replica computes the same home, an entry commits only on a majority, signatures cover every
// field under their own context, and compare-and-set decides on the committed value.
import { describe, expect, it } from "vitest";
import { homeOf } from "../../src/protocol/blackboard/home.ts";
import { AckTally, majority } from "../../src/protocol/blackboard/quorum.ts";
import {
  decide,
  entryHash,
  signStrongAck,
  signStrongEntry,
  STRONG_ACK_CONTEXT,
  STRONG_ENTRY_CONTEXT,
  strongEntry,
  strongOp,
  supersedes,
  verifyStrongAck,
  verifyStrongEntry,
  type UnsignedStrongEntry,
} from "../../src/protocol/blackboard/strong-log.ts";
import { MAX_VALUE_BYTES } from "../../src/protocol/blackboard/limits.ts";
import { ed25519TestSigner } from "../support/ed25519.ts";

const home = await ed25519TestSigner(new Uint8Array(32).fill(1));
const replica = await ed25519TestSigner(new Uint8Array(32).fill(2));
const h = home.signer.nodeId;
const base: UnsignedStrongEntry = { namespace: `${h}/kv`, key: "k", slot: 3, hlc: "019b76daa8000000", home: h, value: { n: 1 } };

describe("home of a key", () => {
  const replicas = ["n-a", "n-b", "n-c", "n-d"];
  it("is the same whatever order the replicas are listed in, and spreads keys over the replicas", () => {
    const homes = new Set<string>();
    for (let i = 0; i < 64; i++) {
      const key = `key-${i}`;
      const at = homeOf("n-a/kv", key, replicas);
      expect(homeOf("n-a/kv", key, [...replicas].reverse())).toBe(at);
      homes.add(at);
    }
    expect(homes.size).toBe(4);
  });

  it("moves only the keys of a replica that leaves", () => {
    for (let i = 0; i < 64; i++) {
      const before = homeOf("n-a/kv", `key-${i}`, replicas);
      const after = homeOf("n-a/kv", `key-${i}`, replicas.filter((r) => r !== "n-d"));
      if (before !== "n-d") expect(after).toBe(before);
    }
  });
});

describe("majority tally", () => {
  it("commits on a majority with the home counted, and is lost once a majority cannot be had", () => {
    expect([1, 2, 3, 4, 5].map(majority)).toEqual([1, 2, 2, 3, 3]);
    expect(new AckTally(["h"], "h").state).toBe("committed");
    const three = new AckTally(["h", "r1", "r2"], "h");
    expect(three.state).toBe("waiting");
    expect(three.ack("r1")).toBe("committed");
    const lost = new AckTally(["h", "r1", "r2"], "h");
    expect(lost.fail("r1")).toBe("waiting");
    expect(lost.fail("r2")).toBe("lost");
  });

  it("counts nothing from outside the replica set, nor one replica twice", () => {
    const five = new AckTally(["h", "r1", "r2", "r3", "r4"], "h");
    expect(five.ack("stranger")).toBe("waiting");
    expect(five.ack("r1")).toBe("waiting");
    expect(five.ack("r1")).toBe("waiting");
    expect(five.ack("r2")).toBe("committed");
    expect(five.acked).toEqual(["h", "r1", "r2"]);
  });
});

describe("log entries and acknowledgements", () => {
  it("verify, and fail once any field changed, under another context or key", async () => {
    const e = await signStrongEntry(base, home.signer);
    expect(await verifyStrongEntry(strongEntry.parse(JSON.parse(JSON.stringify(e))), home.key)).toBe(true);
    for (const changed of [{ ...e, slot: 4 }, { ...e, value: { n: 2 } }, { ...e, key: "j" }, { ...e, hlc: "019b76daa8000001" }])
      expect(await verifyStrongEntry(changed, home.key)).toBe(false);
    const { value: _dropped, ...deleted } = e;
    expect(await verifyStrongEntry(deleted, home.key)).toBe(false);
    expect(await verifyStrongEntry(e, replica.key)).toBe(false);
    expect(await verifyStrongEntry(e, undefined)).toBe(false);
    expect(STRONG_ENTRY_CONTEXT).not.toBe(STRONG_ACK_CONTEXT);
  });

  it("are acknowledged for exactly one entry, by the replica that signed", async () => {
    const e = await signStrongEntry(base, home.signer);
    const ack = await signStrongAck(e, replica.signer);
    expect(ack.entry).toBe(entryHash(e));
    expect(await verifyStrongAck(ack, e, replica.key)).toBe(true);
    const other = await signStrongEntry({ ...base, value: { n: 2 } }, home.signer);
    expect(await verifyStrongAck(ack, other, replica.key)).toBe(false);
    expect(await verifyStrongAck(ack, e, home.key)).toBe(false);
    expect(await verifyStrongAck({ ...ack, replica: h }, e, home.key)).toBe(false);
  });

  it("refuses to sign for another home, or a value past the bound", async () => {
    await expect(signStrongEntry({ ...base, home: replica.signer.nodeId }, home.signer)).rejects.toThrow();
    await expect(signStrongEntry({ ...base, value: "x".repeat(MAX_VALUE_BYTES) }, home.signer)).rejects.toThrow();
  });

  it("supersede by slot, then by the HLC of the home's later attempt at one slot", () => {
    expect(supersedes({ slot: 1, hlc: "0000000000000001" }, undefined)).toBe(true);
    expect(supersedes({ slot: 4, hlc: "0000000000000001" }, { slot: 3, hlc: "0000000000000009" })).toBe(true);
    expect(supersedes({ slot: 3, hlc: "000000000000000a" }, { slot: 3, hlc: "0000000000000009" })).toBe(true);
    expect(supersedes({ slot: 3, hlc: "0000000000000009" }, { slot: 3, hlc: "0000000000000009" })).toBe(false);
    expect(supersedes({ slot: 2, hlc: "00000000000000ff" }, { slot: 3, hlc: "0000000000000009" })).toBe(false);
  });
});

describe("operations on the committed value", () => {
  it("read, write, delete and compare-and-set as a register", () => {
    expect(decide({ slot: 0 }, { op: "read" })).toEqual({ result: { op: "read", slot: 0 } });
    expect(decide({ slot: 2, value: "a" }, { op: "read" })).toEqual({ result: { op: "read", value: "a", slot: 2 } });
    expect(decide({ slot: 2, value: "a" }, { op: "write", value: "b" })).toEqual({ result: { op: "write", slot: 3 }, write: { value: "b" } });
    expect(decide({ slot: 2, value: "a" }, { op: "delete" })).toEqual({ result: { op: "delete", slot: 3 }, write: {} });
    expect(decide({ slot: 2, value: { x: 1, y: 2 } }, { op: "cas", expected: { value: { y: 2, x: 1 } }, value: "c" })).toEqual({ result: { op: "cas", ok: true, slot: 3 }, write: { value: "c" } });
    expect(decide({ slot: 2, value: "a" }, { op: "cas", expected: { value: "z" }, value: "c" })).toEqual({ result: { op: "cas", ok: false, slot: 2 } });
    expect(decide({ slot: 2 }, { op: "cas", expected: null, value: "c" })).toEqual({ result: { op: "cas", ok: true, slot: 3 }, write: { value: "c" } });
    expect(decide({ slot: 2, value: "a" }, { op: "cas", expected: null, value: "c" })).toEqual({ result: { op: "cas", ok: false, slot: 2 } });
  });

  it("are checked at the boundary", () => {
    expect(strongOp.safeParse({ op: "write" }).success).toBe(false);
    expect(strongOp.safeParse({ op: "cas", value: 1 }).success).toBe(false);
    expect(strongOp.safeParse({ op: "write", value: 1, extra: true }).success).toBe(false);
    expect(strongOp.safeParse({ op: "write", value: "x".repeat(MAX_VALUE_BYTES) }).success).toBe(false);
  });
});
