// Peers' leases on shared resources in libSQL: bounded per peer and in all, renewed in place,
// and gone once expired.
import { afterAll, expect, it } from "vitest";
import { endLease, holdLease, runningLeases } from "../../src/store/resource-leases.ts";
import { openTestDatabase, type TestDatabase } from "../support/libsql.ts";

const NOW = 1_800_000_000_000;
const open: TestDatabase[] = [];
afterAll(() => open.forEach((d) => d.close()));

async function db() {
  const d = await openTestDatabase();
  open.push(d);
  return d.db;
}

const lease = (peer: string, n: number, until = NOW + 60_000) => ({ peer, key: `up/res-${n}`, uri: `demo://res/${n}`, until });

it("refuses a new lease over the per-peer cap and over the total, and stores nothing then; a renewal still passes", async () => {
  const d = await db();
  const caps = { perPeer: 2, total: 3 };
  expect(await holdLease(d, lease("p1", 1), NOW, caps)).toBe(true);
  expect(await holdLease(d, lease("p1", 2), NOW, caps)).toBe(true);
  expect(await holdLease(d, lease("p1", 3), NOW, caps)).toBe(false);
  expect(await holdLease(d, lease("p2", 1), NOW, caps)).toBe(true);
  expect(await holdLease(d, lease("p3", 1), NOW, caps)).toBe(false);
  expect(await runningLeases(d, "p1", "demo://res/3", NOW)).toEqual([]);
  expect(await runningLeases(d, "p3", "demo://res/1", NOW)).toEqual([]);
  // At the cap, the same lease is renewed, not refused.
  expect(await holdLease(d, lease("p1", 2, NOW + 120_000), NOW, caps)).toBe(true);
  expect(await runningLeases(d, "p1", "demo://res/2", NOW)).toEqual([lease("p1", 2, NOW + 120_000)]);
});

it("drops an expired lease when read, which gives its room back", async () => {
  const d = await db();
  const caps = { perPeer: 1, total: 10 };
  expect(await holdLease(d, lease("p1", 1), NOW, caps)).toBe(true);
  const later = NOW + 60_000;
  expect(await runningLeases(d, "p1", "demo://res/1", later)).toEqual([]);
  expect(await holdLease(d, lease("p1", 2, later + 60_000), later, caps)).toBe(true);
  expect(await endLease(d, "p1", "up/res-1")).toBeUndefined();
  expect(await endLease(d, "p1", "up/res-2")).toBe("demo://res/2");
  expect(await endLease(d, "p1", "up/res-2")).toBeUndefined();
});
