// The intent limit per principal (protocol §17.3) is kept by the store: a place is reserved by one
// conditional insert, so requests racing from two connections to one database file (two isolates
// of a node) never hold more open intents than the limit between them.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { declaredIntent, markIntentWithdrawn, releaseDeclaredIntent, reserveDeclaredIntent, settleDeclaredIntent } from "../../src/store/agents.ts";
import { openDatabaseFile, type TestDatabase } from "../support/libsql.ts";

const dir = mkdtempSync(join(tmpdir(), "mcpfed-intents-"));
const opened: TestDatabase[] = [];
afterAll(() => {
  for (const d of opened) d.close();
  rmSync(dir, { recursive: true, force: true });
});

const NOW = 1_767_225_600_000;
const place = (n: number, principal = "alice", expires = NOW + 60_000) => ({ key: `intent/${n.toString(16).padStart(32, "0")}`, principal, expires });

describe("reserving a declared intent", () => {
  it("lets racing requests on two connections hold no more than the limit, per principal", async () => {
    const file = join(dir, "node.db");
    const a = await openDatabaseFile(file);
    opened.push(a);
    const b = await openDatabaseFile(file);
    opened.push(b);
    const tries = Array.from({ length: 12 }, (_, i) => reserveDeclaredIntent((i % 2 === 0 ? a : b).db, place(i), 3, NOW).catch(() => false));
    const bob = reserveDeclaredIntent(b.db, place(100, "bob"), 3, NOW);
    const won = (await Promise.all(tries)).filter(Boolean).length;
    expect(won).toBe(3);
    expect(await bob).toBe(true);
    // Withdrawn and expired intents no longer count; a released place frees its slot.
    const held = (await Promise.all(Array.from({ length: 12 }, (_, i) => declaredIntent(a.db, { key: place(i).key })))).filter((r) => r !== undefined);
    expect(held).toHaveLength(3);
    await markIntentWithdrawn(a.db, held[0]!.key);
    expect(await reserveDeclaredIntent(a.db, place(200), 3, NOW)).toBe(true);
    expect(await reserveDeclaredIntent(a.db, place(201), 3, NOW)).toBe(false);
    await releaseDeclaredIntent(a.db, place(200).key);
    expect(await reserveDeclaredIntent(b.db, place(202, "alice", NOW + 1), 3, NOW)).toBe(true);
    expect(await reserveDeclaredIntent(b.db, place(203), 3, NOW + 2)).toBe(true);
    await settleDeclaredIntent(a.db, place(203).key, "e".repeat(64));
    expect(await declaredIntent(a.db, { entryId: "e".repeat(64) })).toMatchObject({ key: place(203).key, principal: "alice", withdrawn: false });
  });
});
