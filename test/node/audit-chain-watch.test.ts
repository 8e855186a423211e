// The console overview's audit check (AuditChainWatch): from the tick's sealed head or the whole
// chain once, then only what was appended since and the last verified entry; a break in either is
// reported, and an older entry changed after it was verified is left to the full walk, which finds it.
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { AuditTrail, verifyAuditTrail } from "../../src/node/access/audit/audit-trail.ts";
import { AuditChainWatch } from "../../src/node/access/audit/chain-watch.ts";
import { readAuditPosition, writeAuditPosition } from "../../src/node/access/audit/sealed-positions.ts";
import type { Database } from "../../src/store/database.ts";
import { openTestDatabase, type TestDatabase } from "../support/libsql.ts";

const KEY = new Uint8Array(32).fill(7);
let t: TestDatabase;
let db: Database;
let trail: AuditTrail;
const append = (n: number) => Promise.all(Array.from({ length: n }, (_, i) => trail.append({ actor: "operator", action: "admin.POST /tokens", target: `/tokens/${i}`, decision: "ok" })));

beforeAll(async () => {
  t = await openTestDatabase();
  db = t.db;
  trail = new AuditTrail(db, async () => KEY);
});
afterAll(() => t?.close());

it("verifies the whole chain first, then the entries appended since", async () => {
  const watch = new AuditChainWatch(db, async () => KEY);
  await append(5);
  expect(await watch.check()).toMatchObject({ ok: true, entries: 5 });
  await append(3);
  expect(await watch.check()).toMatchObject({ ok: true, entries: 8 });
  expect(await watch.check()).toEqual(await verifyAuditTrail(db, KEY));
});

it("reports an entry appended since that was altered, and the last verified entry changed", async () => {
  const watch = new AuditChainWatch(db, async () => KEY);
  expect(await watch.check()).toMatchObject({ ok: true, entries: 8 });
  await append(2);
  await db.run(sql`UPDATE audit_log SET reason = 'forged' WHERE seq = 10`);
  expect(await watch.check()).toEqual({ ok: false, entries: 9, brokenAt: 10, reason: "entry 10 was altered" });
  // A full walk again after a break, which still finds it.
  expect(await watch.check()).toMatchObject({ ok: false, brokenAt: 10 });
  await db.run(sql`DELETE FROM audit_log WHERE seq = 10`);
  expect(await watch.check()).toMatchObject({ ok: true, entries: 9 });
  await db.run(sql`UPDATE audit_log SET hash = 'forged' WHERE seq = 9`);
  expect(await watch.check()).toEqual({ ok: false, entries: 8, brokenAt: 9, reason: "entry 9 changed since it was verified" });
  await db.run(sql`DELETE FROM audit_log WHERE seq = 9`);
});

it("leaves an older entry changed after it was verified to the full walk", async () => {
  const watch = new AuditChainWatch(db, async () => KEY);
  expect(await watch.check()).toMatchObject({ ok: true, entries: 8 });
  await db.run(sql`UPDATE audit_log SET reason = 'forged' WHERE seq = 2`);
  expect(await watch.check()).toMatchObject({ ok: true, entries: 8 });
  expect(await verifyAuditTrail(db, KEY)).toEqual({ ok: false, entries: 1, brokenAt: 2, reason: "entry 2 was altered" });
});

it("starts a cold process's check at the head the tick sealed, and walks the whole chain past a head not sealed with the key", async () => {
  const own = await openTestDatabase();
  try {
    const ownTrail = new AuditTrail(own.db, async () => KEY);
    await Promise.all(Array.from({ length: 6 }, (_, i) => ownTrail.append({ actor: "operator", action: "admin.POST /peers", target: `/peers/${i}`, decision: "ok" })));
    const whole = await verifyAuditTrail(own.db, KEY);
    expect(whole).toMatchObject({ ok: true, entries: 6 });
    await writeAuditPosition(own.db, KEY, "audit_head", { seq: 6, hash: (whole as { head: string }).head });
    await own.db.run(sql`UPDATE audit_log SET reason = 'forged' WHERE seq = 2`);
    // From the sealed head: entry 2 is the sweep's to find, not this check's.
    expect(await new AuditChainWatch(own.db, async () => KEY).check()).toMatchObject({ ok: true, entries: 6 });
    // A head sealed under another key (a store writer without the seed) is not trusted: the whole chain is walked.
    await writeAuditPosition(own.db, new Uint8Array(32).fill(9), "audit_head", { seq: 6, hash: (whole as { head: string }).head });
    expect(await readAuditPosition(own.db, KEY, "audit_head")).toBeUndefined();
    expect(await new AuditChainWatch(own.db, async () => KEY).check()).toEqual({ ok: false, entries: 1, brokenAt: 2, reason: "entry 2 was altered" });
    // Nor is the sweep's position, sealed with the key, taken for the head: the MAC names which it is.
    await writeAuditPosition(own.db, KEY, "audit_sweep", { seq: 6, hash: (whole as { head: string }).head });
    await own.db.run(sql`DELETE FROM alert_marks WHERE name = 'audit_head'`);
    await own.db.run(sql`UPDATE alert_marks SET name = 'audit_head' WHERE name = 'audit_sweep'`);
    expect(await readAuditPosition(own.db, KEY, "audit_head")).toBeUndefined();
  } finally {
    own.close();
  }
});
