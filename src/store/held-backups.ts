// Peers' backups this node holds (tables held_backups and held_backup_parts, docs/protocol.md §19.2).
import { and, asc, desc, eq, inArray, ne, sql } from "drizzle-orm";
import type { Database } from "./database.ts";
import { heldBackupParts, heldBackups } from "./schema/index.ts";

export interface HeldCopyRow {
  depositor: string;
  seq: number;
  bytes: number;
  signature: string;
  received: number;
}

export interface HeldPart {
  offset: number;
  bytes: number;
  data: string;
}

const complete = eq(heldBackups.complete, 1);

/** The whole copies held for a depositor, newest first, without their files. */
export function copiesOf(db: Database, depositor: string): Promise<{ seq: number; bytes: number }[]> {
  return db
    .select({ seq: heldBackups.seq, bytes: heldBackups.bytes })
    .from(heldBackups)
    .where(and(eq(heldBackups.depositor, depositor), complete))
    .orderBy(desc(heldBackups.seq));
}

/** The depositor's newest whole copy, or undefined. */
export async function newestCopy(db: Database, depositor: string): Promise<HeldCopyRow | undefined> {
  const [row] = await db
    .select({ depositor: heldBackups.depositor, seq: heldBackups.seq, bytes: heldBackups.bytes, signature: heldBackups.signature, received: heldBackups.received })
    .from(heldBackups)
    .where(and(eq(heldBackups.depositor, depositor), complete))
    .orderBy(desc(heldBackups.seq))
    .limit(1);
  return row;
}

/** The depositor's staged copy (parts still arriving), or undefined. */
export async function stagedCopy(db: Database, depositor: string): Promise<(HeldCopyRow & { staged: number }) | undefined> {
  const [row] = await db
    .select({ depositor: heldBackups.depositor, seq: heldBackups.seq, bytes: heldBackups.bytes, signature: heldBackups.signature, received: heldBackups.received })
    .from(heldBackups)
    .where(and(eq(heldBackups.depositor, depositor), eq(heldBackups.complete, 0)));
  if (!row) return undefined;
  const [{ staged } = { staged: 0 }] = await db
    .select({ staged: sql<number>`coalesce(sum(${heldBackupParts.bytes}), 0)` })
    .from(heldBackupParts)
    .where(and(eq(heldBackupParts.depositor, depositor), eq(heldBackupParts.seq, row.seq)));
  return { ...row, staged: Number(staged) };
}

/** The parts of one copy, in order. */
export function partsOf(db: Database, depositor: string, seq: number): Promise<HeldPart[]> {
  return db
    .select({ offset: heldBackupParts.offset, bytes: heldBackupParts.bytes, data: heldBackupParts.data })
    .from(heldBackupParts)
    .where(and(eq(heldBackupParts.depositor, depositor), eq(heldBackupParts.seq, seq)))
    .orderBy(asc(heldBackupParts.offset));
}

/** The part of one copy that starts at `offset`, or undefined. */
export async function partAt(db: Database, depositor: string, seq: number, offset: number): Promise<HeldPart | undefined> {
  const [part] = await db
    .select({ offset: heldBackupParts.offset, bytes: heldBackupParts.bytes, data: heldBackupParts.data })
    .from(heldBackupParts)
    .where(and(eq(heldBackupParts.depositor, depositor), eq(heldBackupParts.seq, seq), eq(heldBackupParts.offset, offset)));
  return part;
}

/** Starts staging a copy: any other staged copy of the depositor goes, with its parts. */
export async function stageCopy(db: Database, row: HeldCopyRow, first: HeldPart): Promise<void> {
  await db.batch([
    ...dropStatements(db, row.depositor, { staged: true }),
    db.insert(heldBackups).values({ ...row, complete: 0 }),
    db.insert(heldBackupParts).values({ depositor: row.depositor, seq: row.seq, ...first }),
  ]);
}

/** Adds a part to the staged copy `seq`. */
export async function stagePart(db: Database, depositor: string, seq: number, part: HeldPart): Promise<void> {
  await db.insert(heldBackupParts).values({ depositor, seq, ...part });
}

/**
 * Keeps a copy whole: a staged one (`seq` with its parts, plus `last`) is marked complete, or a
 * one-message copy inserted with its one part; the depositor's copies `drop` (by seq) go, in one batch.
 */
export async function keepCopy(db: Database, row: HeldCopyRow, last: HeldPart, drop: number[], staged: boolean): Promise<void> {
  const mine = and(eq(heldBackups.depositor, row.depositor), eq(heldBackups.seq, row.seq));
  await db.batch([
    ...dropStatements(db, row.depositor, { seqs: drop }),
    // A one-message copy also ends any staged one: it may carry the same seq.
    ...(staged ? [] : dropStatements(db, row.depositor, { staged: true })),
    staged ? db.update(heldBackups).set({ complete: 1 }).where(mine) : db.insert(heldBackups).values({ ...row, complete: 1 }),
    db.insert(heldBackupParts).values({ depositor: row.depositor, seq: row.seq, ...last }),
  ]);
}

/** Drops the depositor's staged copy, as one that failed its checks. */
export async function dropStaged(db: Database, depositor: string): Promise<void> {
  const [first, second] = dropStatements(db, depositor, { staged: true });
  await db.batch([first, second]);
}

function dropStatements(db: Database, depositor: string, which: { staged: true } | { seqs: number[] }) {
  const seqs =
    "staged" in which
      ? db.select({ seq: heldBackups.seq }).from(heldBackups).where(and(eq(heldBackups.depositor, depositor), eq(heldBackups.complete, 0)))
      : which.seqs.length
        ? which.seqs
        : [-1];
  return [
    db.delete(heldBackupParts).where(and(eq(heldBackupParts.depositor, depositor), inArray(heldBackupParts.seq, seqs))),
    db.delete(heldBackups).where(and(eq(heldBackups.depositor, depositor), inArray(heldBackups.seq, seqs), "staged" in which ? ne(heldBackups.complete, 1) : complete)),
  ] as const;
}

export interface HeldSummary {
  depositor: string;
  copies: number;
  bytes: number;
  newestSeq: number;
  newestReceived: number;
}

/** What is held whole, per depositor: counts, sizes and times only. */
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
    .where(complete)
    .groupBy(heldBackups.depositor)
    .orderBy(heldBackups.depositor);
}
