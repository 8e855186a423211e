// Budgets on the node's database: the signed deltas held per budget (only the highest total of
// each writer's entry is kept) and this node's own debits. A debit is inserted at the budget's
// next seq or not at all: the primary key turns away a second writer that decided on the same
// rights (another isolate), which then reads again and decides again.
import { and, asc, count, desc, eq, sql } from "drizzle-orm";
import type { Database } from "./database.ts";
import { budgetDebits as debits, budgetDeltas as deltas } from "./schema/index.ts";

export type DeltaKind = "allocate" | "transfer" | "spend";

export interface HeldDelta {
  writer: string;
  kind: DeltaKind;
  receiver: string;
  total: number;
  /** The signed delta, canonical JSON. */
  delta: string;
}

export interface Debit {
  seq: number;
  kind: "spend" | "transfer";
  amount: number;
  receiver: string;
  total: number;
  principal: string;
  record: string | null;
  at: number;
}

/** This node's running totals in one budget, as its debits say. */
export interface OwnTotals {
  seq: number;
  spent: number;
  given: Map<string, number>;
}

export interface BudgetId {
  namespace: string;
  key: string;
}

export async function heldDeltas(db: Database, b: BudgetId): Promise<HeldDelta[]> {
  return db
    .select({ writer: deltas.writer, kind: deltas.kind, receiver: deltas.receiver, total: deltas.total, delta: deltas.delta })
    .from(deltas)
    .where(and(eq(deltas.namespace, b.namespace), eq(deltas.key, b.key)));
}

/** Keeps a delta unless one with at least its total is held for the same entry. */
export async function keepDelta(db: Database, b: BudgetId, d: HeldDelta): Promise<void> {
  await db
    .insert(deltas)
    .values({ ...b, ...d })
    .onConflictDoUpdate({
      target: [deltas.namespace, deltas.key, deltas.writer, deltas.kind, deltas.receiver],
      set: { total: sql`excluded.total`, delta: sql`excluded.delta`, receivedAt: sql`excluded.received_at` },
      setWhere: sql`excluded.total > ${deltas.total}`,
    });
}

export async function anyBudget(db: Database): Promise<boolean> {
  return (await db.select({ one: sql<number>`1` }).from(deltas).limit(1)).length > 0;
}

/** Every budget this node holds a delta of. */
export async function heldBudgets(db: Database): Promise<BudgetId[]> {
  return db.selectDistinct({ namespace: deltas.namespace, key: deltas.key }).from(deltas).orderBy(asc(deltas.namespace), asc(deltas.key));
}

export async function countHeldBudgets(db: Database): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(DISTINCT ${deltas.namespace} || '|' || ${deltas.key})` }).from(deltas);
  return row?.n ?? 0;
}

export async function ownTotals(db: Database, b: BudgetId): Promise<OwnTotals> {
  const where = and(eq(debits.namespace, b.namespace), eq(debits.key, b.key));
  const [last] = await db.select({ seq: sql<number>`coalesce(max(${debits.seq}), 0)` }).from(debits).where(where);
  const [spend] = await db
    .select({ total: debits.total })
    .from(debits)
    .where(and(where, eq(debits.kind, "spend")))
    .orderBy(desc(debits.seq))
    .limit(1);
  const given = await db
    .select({ receiver: debits.receiver, total: sql<number>`max(${debits.total})` })
    .from(debits)
    .where(and(where, eq(debits.kind, "transfer")))
    .groupBy(debits.receiver);
  return { seq: last?.seq ?? 0, spent: spend?.total ?? 0, given: new Map(given.map((g) => [g.receiver, g.total])) };
}

/** Inserts the debit at its seq; false when that seq is taken (another writer got there first). */
export async function insertDebit(db: Database, b: BudgetId, d: Omit<Debit, "at">): Promise<boolean> {
  const rows = await db
    .insert(debits)
    .values({ ...b, ...d })
    .onConflictDoNothing()
    .returning({ seq: debits.seq });
  return rows.length === 1;
}

/** The latest debits of a budget, newest first: its burn-down as this node made it. */
export async function listDebits(db: Database, b: BudgetId, limit: number): Promise<Debit[]> {
  return db
    .select({ seq: debits.seq, kind: debits.kind, amount: debits.amount, receiver: debits.receiver, total: debits.total, principal: debits.principal, record: debits.record, at: debits.at })
    .from(debits)
    .where(and(eq(debits.namespace, b.namespace), eq(debits.key, b.key)))
    .orderBy(desc(debits.seq))
    .limit(limit);
}

/** How many debits of one budget name this ledger record: a record is paid for once. */
export async function debitsFor(db: Database, b: BudgetId, record: string): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(debits)
    .where(and(eq(debits.namespace, b.namespace), eq(debits.key, b.key), eq(debits.record, record)));
  return row?.n ?? 0;
}
