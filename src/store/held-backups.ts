// Peers' backups this node holds (table held_backups, docs/protocol.md §19.2).
import { and, desc, eq, inArray, sql } from "drizzle-orm";
import type { Database } from "./database.ts";
import { heldBackups } from "./schema/index.ts";

export interface HeldRow {
  depositor: string;
  seq: number;
  bytes: number;
  file: string;
  signature: string;
  received: number;
}

/** The copies held for a depositor, newest first, without their files. */
export function copiesOf(db: Database, depositor: string): Promise<{ seq: number; bytes: number }[]> {
  return db.select({ seq: heldBackups.seq, bytes: heldBackups.bytes }).from(heldBackups).where(eq(heldBackups.depositor, depositor)).orderBy(desc(heldBackups.seq));
}

/** Keeps `row` and drops the depositor's copies `drop` (by seq), in one batch. */
export async function keepCopy(db: Database, row: HeldRow, drop: number[]): Promise<void> {
  await db.batch([
    db.delete(heldBackups).where(and(eq(heldBackups.depositor, row.depositor), inArray(heldBackups.seq, drop.length ? drop : [-1]))),
    db.insert(heldBackups).values(row),
  ]);
}

/** The depositor's newest copy, or undefined. */
export async function newestCopy(db: Database, depositor: string): Promise<HeldRow | undefined> {
  const [row] = await db.select().from(heldBackups).where(eq(heldBackups.depositor, depositor)).orderBy(desc(heldBackups.seq)).limit(1);
  return row;
}

export interface HeldSummary {
  depositor: string;
  copies: number;
  bytes: number;
  newestSeq: number;
  newestReceived: number;
}

/** What is held, per depositor: counts, sizes and times only. */
export function heldSummaries(db: Database): Promise<HeldSummary[]> {
  return db
    .select({
      depositor: heldBackups.depositor,
      copies: sql<number>`count(*)`,
      bytes: sql<number>`sum(${heldBackups.bytes})`,
      newestSeq: sql<number>`max(${heldBackups.seq})`,
      newestReceived: sql<number>`max(${heldBackups.received})`,
    })
    .from(heldBackups)
    .groupBy(heldBackups.depositor)
    .orderBy(heldBackups.depositor);
}
