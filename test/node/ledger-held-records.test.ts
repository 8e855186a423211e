// Reading many held ledger records at once (a peer's checkpoint names up to 64): one statement per
// 100 ids on real libSQL, the records that are held and none that are not.
import { describe, expect, it } from "vitest";
import { LedgerRepository } from "../../src/store/ledger.ts";
import { ledgerRecords } from "../../src/store/schema/index.ts";
import { countedMemoryDb } from "../support/counted-statements.ts";

const id = (i: number) => i.toString(16).padStart(64, "0");

describe("LedgerRepository.getMany", () => {
  it("returns the held records among the ids, in one statement per 100 ids", async () => {
    const { db, during } = await countedMemoryDb();
    const rows = Array.from({ length: 150 }, (_, i) => ({
      id: id(i),
      peer: i % 2 ? "peer-b" : "peer-c",
      role: "provider" as const,
      status: "confirmed" as const,
      hash: id(i + 1000),
      completedAt: 1_800_000_000_000 + i,
      unit: "credit",
      amount: 5,
      record: `{"n":${i}}`,
    }));
    for (let i = 0; i < rows.length; i += 50) await db.insert(ledgerRecords).values(rows.slice(i, i + 50));
    const repo = new LedgerRepository(db, "self");
    const asked = [...rows.slice(0, 120).map((r) => r.id), id(9999), id(0)];
    let held = new Map();
    const ran = await during(async () => (held = await repo.getMany(asked)));
    expect(ran).toHaveLength(2);
    expect(held.size).toBe(120);
    expect(held.has(id(9999))).toBe(false);
    expect(held.get(id(7))).toMatchObject({ id: id(7), peer: "peer-b", record: '{"n":7}', status: "confirmed" });
    expect(await repo.getMany([])).toEqual(new Map());
  });
});
