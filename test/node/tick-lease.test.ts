// The tick lease over a real libSQL file that several clients open, as instances of one node do.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LeaseLost, TickLease } from "../../src/node/tick-lease.ts";
import { TickLeaseStore } from "../../src/store/tick-lease.ts";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabaseFile, type TestDatabase } from "../support/libsql.ts";

const PERIOD_S = 60;
let dir: string;
let first: TestDatabase;
let others: TestDatabase[];
let clock: number;

function instance(store: TestDatabase): TickLease {
  return new TickLease({ store: new TickLeaseStore(store.db), tickSeconds: PERIOD_S, now: () => clock });
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "mcpfed-lease-"));
  first = await openDatabaseFile(join(dir, "node.db"));
  others = [await openDatabaseFile(join(dir, "node.db")), await openDatabaseFile(join(dir, "node.db"))];
  clock = 1_000 * PERIOD_S * 1000 + 5; // just after a period starts
});

afterEach(() => {
  for (const o of others) o.close();
  first.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("the tick lease", () => {
  it("gives each period to exactly one of several instances racing for it", async () => {
    const instances = [first, ...others, first, ...others].map(instance);
    for (let period = 0; period < 5; period++) {
      const claims = await Promise.all(instances.map((i) => i.forPeriod()));
      const won = claims.filter((c) => c !== undefined);
      expect(won).toHaveLength(1);
      expect(won[0]!.period).toBe(instances[0]!.periodAt(clock));
      await won[0]!.release();
      // Released, the same period is still not run twice.
      expect((await Promise.all(instances.map((i) => i.forPeriod()))).filter((c) => c)).toHaveLength(0);
      clock += PERIOD_S * 1000;
    }
    expect((await new TickLeaseStore(first.db).read())!.fence).toBe(5);
  });

  it("keeps the next period from a holder still working, until its lease runs out", async () => {
    const [a, b] = [instance(first), instance(others[0]!)];
    clock += 50_000; // late in its period
    const held = (await a.forPeriod())!;
    clock += 15_000; // the next period starts; the holder is still working
    expect(await b.forPeriod()).toBeUndefined();
    await held.hold(); // renewed: its lease runs again from now
    clock += 29_000;
    expect(await b.forPeriod()).toBeUndefined();
    clock += 2_000; // 31 s without a renewal: expired
    const taken = (await b.forPeriod())!;
    expect(taken.fence).toBe(held.fence + 1);
    // The old holder is fenced off: it may not renew, and its release leaves the new lease alone.
    await expect(held.hold()).rejects.toBeInstanceOf(LeaseLost);
    await held.release();
    await taken.hold();
    expect((await new TickLeaseStore(first.db).read())!.holder).toBe(b.holder);
  });

  it("lets an operator's tick wait for a running lease, and leaves the period to the schedule", async () => {
    const [a, b] = [instance(first), instance(others[0]!)];
    const held = (await a.forPeriod())!;
    expect(await b.whenFree(0)).toBeUndefined();
    await held.release();
    const now = (await b.whenFree(0))!;
    expect(now.period).toBeUndefined();
    await now.release();
    clock += PERIOD_S * 1000;
    expect((await a.forPeriod())?.period).toBe(a.periodAt(clock));
  });
});
