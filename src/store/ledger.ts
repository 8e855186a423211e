// The ledger on the node's database. A record id holds one record: a second, different record
// under it is never merged but marks the held one disputed and is kept as a flag. The one change
// a held record takes is a pending one gaining its last signature (a call's countersignature, a
// settlement's payee signature).
import { and, asc, desc, eq, gte, inArray, lt, lte, not, or, sql } from "drizzle-orm";
import type { ReconcileItem } from "../protocol/reconciliation.ts";
import { chunks, prepareOnce, type Database } from "./database.ts";
import { ledgerFlags, ledgerRecords } from "./schema/index.ts";
import { canonicalRecord, canonicalRecordHash, withoutCountersign, type LedgerRecord } from "../protocol/ledger/record.ts";

const t = ledgerRecords;

export type Status = "pending" | "confirmed" | "disputed";
export type Kind = "call" | "set-off" | "settlement";
export type PutOutcome = "stored" | "confirmed" | "duplicate" | "disputed";

export interface StoredRecord {
  id: string;
  kind: Kind;
  peer: string;
  role: "consumer" | "provider";
  status: Status;
  completedAt: number;
  reason: string | null;
  /** The canonical record text, as both nodes hold it. */
  record: string;
}

export interface Balance {
  peer: string;
  unit: string;
  /** Owed to this node for calls it served. */
  earned: number;
  /** Owed by this node for calls it made. */
  spent: number;
  /** Set-offs: + where they reduced what this node owed, − where they reduced what it was owed. */
  cleared: number;
  /** Settlements, with the same signs: + where this node paid, − where it was paid. */
  settled: number;
  /** earned − spent + cleared + settled: positive when the peer owes this node. */
  net: number;
  calls: number;
}

/** A set-off or settlement row, as the node ledger derives it from a verified record. */
export interface EntryRow {
  id: string;
  kind: Exclude<Kind, "call">;
  peer: string;
  role: "consumer" | "provider";
  unit: string;
  amount: number;
  completedAt: number;
  /** The canonical text, and its hex SHA-256. */
  record: string;
  hash: string;
  /** The canonical text without the last signature (a pending settlement's): equal to `record` when there is none to add. */
  bare: string;
}

/** The included rows' hashes and the signed sum, for an obligation (node/ledger/obligations.ts). */
export interface NetRows {
  net: number;
  hashes: string[];
}

/**
 * How a confirmed row moves `net` (positive: the peer owes this node). A call this node served is
 * owed to it; a set-off or settlement where it was the debtor or payer reduces what it owed.
 */
const signedAmount = sql<number>`CASE WHEN (${t.kind} = 'call') = (${t.role} = 'provider') THEN ${t.amount} ELSE -${t.amount} END`;

export interface Flag {
  recordId: string | null;
  source: string | null;
  reason: string;
  received: string;
  at: number;
}

/** Reconciliation's keys are (HLC, id); completion time in ms with a zero counter orders records the same way. */
function hlcOf(completedAt: number): string {
  return completedAt.toString(16).padStart(12, "0") + "0000";
}

export class LedgerRepository {
  constructor(
    private readonly db: Database,
    /** This node's id: which side of each record it is on. */
    private readonly self: string,
  ) {}

  /** Stores a record already verified as `status` (verifyRecord's "valid" or "pending"). */
  async put(r: LedgerRecord, status: "pending" | "confirmed", source: string | null): Promise<PutOutcome> {
    const role = r.intent.provider === this.self ? "provider" : "consumer";
    const canonical = canonicalRecord(r);
    const hash = await canonicalRecordHash(canonical);
    // Every relayed call writes its record: the statement is built once per database.
    const inserted = await prepareOnce(this.db, "ledgerRecordInsert", () =>
      this.db
        .insert(t)
        .values({
          id: sql.placeholder("id"),
          peer: sql.placeholder("peer"),
          role: sql.placeholder("role"),
          status: sql.placeholder("status"),
          hash: sql.placeholder("hash"),
          completedAt: sql.placeholder("completedAt"),
          unit: sql.placeholder("unit"),
          amount: sql.placeholder("amount"),
          record: sql.placeholder("record"),
        })
        .onConflictDoNothing()
        .returning({ id: t.id })
        .prepare(),
    ).all({
      id: r.intent.id,
      peer: role === "provider" ? r.intent.consumer : r.intent.provider,
      role,
      status,
      hash,
      completedAt: r.receipt.completedAt,
      unit: r.receipt.unit ?? null,
      amount: r.receipt.amount,
      record: canonical,
    });
    if (inserted.length) return "stored";
    const [held] = await this.db.select().from(t).where(eq(t.id, r.intent.id));
    if (!held) throw new Error(`ledger record ${r.intent.id} neither inserted nor held`);
    if (held.kind !== "call") {
      await this.flag(r.intent.id, source, "id_in_use", canonical);
      return "disputed";
    }
    if (held.record === canonical) return "duplicate";
    const bare = canonicalRecord(withoutCountersign(r));
    if (held.status === "confirmed" && status === "pending" && canonicalRecord(withoutCountersign(JSON.parse(held.record) as LedgerRecord)) === bare) {
      return "duplicate";
    }
    if (held.status === "pending" && status === "confirmed" && held.record === bare && (await this.complete(r))) return "confirmed";
    await this.dispute(r.intent.id, "conflicting_record", source, canonical);
    return "disputed";
  }

  /**
   * Stores a set-off or settlement already verified as `status`. As for calls, a second text under
   * a held id disputes it, except a pending settlement's payee signature arriving, and a pending
   * copy of one held confirmed. An id held by another kind is refused without touching that row.
   */
  async putEntry(row: EntryRow, status: "pending" | "confirmed", source: string | null, bareOf: (text: string) => string): Promise<PutOutcome> {
    const { bare, ...values } = row;
    const inserted = await this.db
      .insert(t)
      .values({ ...values, status })
      .onConflictDoNothing()
      .returning({ id: t.id });
    if (inserted.length) return "stored";
    const [held] = await this.db.select().from(t).where(eq(t.id, row.id));
    if (!held) throw new Error(`ledger record ${row.id} neither inserted nor held`);
    if (held.kind !== row.kind || held.peer !== row.peer) {
      await this.flag(row.id, source, "id_in_use", row.record);
      return "disputed";
    }
    if (held.record === row.record) return "duplicate";
    if (held.status === "confirmed" && status === "pending" && bareOf(held.record) === bare) return "duplicate";
    if (held.status === "pending" && status === "confirmed" && held.record === bare) {
      const done = await this.db
        .update(t)
        .set({ status: "confirmed", hash: row.hash, record: row.record, updatedAt: Date.now() })
        .where(and(eq(t.id, row.id), eq(t.status, "pending"), eq(t.record, bare)))
        .returning({ id: t.id });
      if (done.length) return "confirmed";
    }
    await this.dispute(row.id, "conflicting_record", source, row.record);
    return "disputed";
  }

  /**
   * A held pending record takes its countersigned version; false when it is no longer that pending
   * record (or, given `peer`, not one held with that peer). Conditional on the pending text, so a
   * concurrent dispute is not overwritten.
   */
  async complete(r: LedgerRecord, peer?: string): Promise<boolean> {
    const bare = canonicalRecord(withoutCountersign(r));
    // Every countersignature lands here: one statement per shape (with or without the peer), built once.
    const build = (withPeer: boolean) => () =>
      this.db
        .update(t)
        .set({ status: "confirmed", hash: sql`${sql.placeholder("hash")}`, record: sql`${sql.placeholder("record")}`, updatedAt: sql`${sql.placeholder("updatedAt")}` })
        .where(and(eq(t.id, sql.placeholder("id")), eq(t.status, "pending"), eq(t.record, sql.placeholder("bare")), withPeer ? eq(t.peer, sql.placeholder("peer")) : undefined))
        .returning({ id: t.id })
        .prepare();
    const record = canonicalRecord(r);
    const values = { id: r.intent.id, bare, hash: await canonicalRecordHash(record), record, updatedAt: Date.now() };
    const done =
      peer === undefined
        ? await prepareOnce(this.db, "ledgerRecordComplete", build(false)).all(values)
        : await prepareOnce(this.db, "ledgerRecordCompleteWithPeer", build(true)).all({ ...values, peer });
    return done.length > 0;
  }

  /** Marks a held record disputed and keeps what contradicted it. */
  async dispute(id: string, reason: string, source: string | null, received: string): Promise<void> {
    await this.db.update(t).set({ status: "disputed", reason, updatedAt: Date.now() }).where(eq(t.id, id));
    await this.flag(id, source, reason, received);
  }

  /** Keeps a refused record for the operator, once per distinct text and reason (reconciliation resends). */
  async flag(recordId: string | null, source: string | null, reason: string, received: string): Promise<void> {
    const [seen] = await this.db
      .select({ seq: ledgerFlags.seq })
      .from(ledgerFlags)
      .where(and(eq(ledgerFlags.received, received), eq(ledgerFlags.reason, reason)));
    if (!seen) await this.db.insert(ledgerFlags).values({ recordId, source, reason, received });
  }

  /** Says why pending records are still pending, for the operator; their status does not change. */
  async note(ids: string[], reason: string): Promise<void> {
    for (const chunk of chunks(ids, 90)) {
      await this.db.update(t).set({ reason, updatedAt: Date.now() }).where(and(inArray(t.id, chunk), eq(t.status, "pending")));
    }
  }

  /**
   * Counts one more unanswered ask for each of these pending records, and returns those that
   * reached `max`: persisted, so that a restart does not start the count again.
   */
  async countAsks(ids: string[], max: number): Promise<StoredRecord[]> {
    const out: StoredRecord[] = [];
    for (const chunk of chunks(ids, 90)) {
      const rows = await this.db
        .update(t)
        .set({ asks: sql`${t.asks} + 1`, updatedAt: Date.now() })
        .where(and(inArray(t.id, chunk), eq(t.status, "pending")))
        .returning();
      for (const r of rows) if (r.asks >= max) out.push(stored(r));
    }
    return out;
  }

  async get(id: string): Promise<StoredRecord | undefined> {
    const [row] = await prepareOnce(this.db, "ledgerRecordById", () => this.db.select().from(t).where(eq(t.id, sql.placeholder("id"))).prepare()).all({ id });
    return row && stored(row);
  }

  /** The held records among `ids`, by id: one statement per 100 ids (one parameter each). */
  async getMany(ids: readonly string[]): Promise<Map<string, StoredRecord>> {
    const out = new Map<string, StoredRecord>();
    for (const chunk of chunks([...new Set(ids)], 1)) for (const row of await this.db.select().from(t).where(inArray(t.id, chunk))) out.set(row.id, stored(row));
    return out;
  }

  /** Calls still waiting for a countersignature, oldest first: the wiring retries these. */
  async pending(): Promise<StoredRecord[]> {
    return (await this.db.select().from(t).where(and(eq(t.status, "pending"), eq(t.kind, "call"))).orderBy(asc(t.completedAt))).map(stored);
  }

  /** Held records, newest first, optionally of one status, peer or kind; all of them without a limit. */
  async list(filter: { status?: Status; peer?: string; kind?: Kind; limit?: number } = {}): Promise<StoredRecord[]> {
    const where = and(filter.status ? eq(t.status, filter.status) : undefined, filter.peer ? eq(t.peer, filter.peer) : undefined, filter.kind ? eq(t.kind, filter.kind) : undefined);
    const q = this.db.select().from(t).where(where).orderBy(desc(t.completedAt), desc(t.id));
    return (await (filter.limit === undefined ? q : q.limit(filter.limit))).map(stored);
  }

  async disputed(): Promise<StoredRecord[]> {
    return (await this.db.select().from(t).where(eq(t.status, "disputed")).orderBy(asc(t.completedAt))).map(stored);
  }

  async flags(): Promise<Flag[]> {
    return this.db
      .select({ recordId: ledgerFlags.recordId, source: ledgerFlags.source, reason: ledgerFlags.reason, received: ledgerFlags.received, at: ledgerFlags.at })
      .from(ledgerFlags)
      .orderBy(asc(ledgerFlags.seq));
  }

  /**
   * What this node holds of its calls with one peer, for reconciliation. Not the records it served
   * and still waits to have countersigned: the consumer takes no pending copy (reconciliation.ts),
   * so offering one would resend it every time; the consumer's confirmed copy still comes.
   */
  async items(peer: string): Promise<ReconcileItem[]> {
    const awaiting = sql`(${t.kind} = 'call' AND ${t.role} = 'provider' AND ${t.status} = 'pending')`;
    const rows = await this.db.select({ completedAt: t.completedAt, hash: t.hash }).from(t).where(and(eq(t.peer, peer), not(awaiting)));
    return rows.map((r) => ({ hlc: hlcOf(r.completedAt), id: r.hash }));
  }

  /** Held records with one peer whose hash starts with one of the prefixes. */
  async byHashPrefix(peer: string, prefixes: string[]): Promise<string[]> {
    const out: string[] = [];
    // Two parameters per prefix and one for the peer, within D1's hundred.
    for (let i = 0; i < prefixes.length; i += 49) {
      const match = or(...prefixes.slice(i, i + 49).map((p) => and(gte(t.hash, p), lt(t.hash, `${p}g`))));
      for (const r of await this.db.select({ record: t.record }).from(t).where(and(eq(t.peer, peer), match))) out.push(r.record);
    }
    return out;
  }

  /**
   * What `peer` owes this node in `unit`: the calls this node served it, confirmed or still
   * pending its countersignature (served all the same), less the confirmed calls it served this node.
   */
  async owedBy(peer: string, unit: string): Promise<number> {
    const served = sql<number>`coalesce(sum(CASE WHEN ${t.kind} = 'call' AND ${t.role} = 'provider' AND ${t.status} IN ('confirmed', 'pending') THEN ${t.amount} END), 0)`;
    const others = sql<number>`coalesce(sum(CASE WHEN NOT (${t.kind} = 'call' AND ${t.role} = 'provider') AND ${t.status} = 'confirmed' THEN ${signedAmount} END), 0)`;
    const [row] = await this.db.select({ served, others }).from(t).where(and(eq(t.peer, peer), eq(t.unit, unit)));
    return Number(row?.served ?? 0) + Number(row?.others ?? 0);
  }

  /** The confirmed rows of every kind with `peer` in `unit` completed by `asOf`: their signed sum and hashes. */
  async netRows(peer: string, unit: string, asOf: number): Promise<NetRows> {
    const rows = await this.db
      .select({ hash: t.hash, signed: signedAmount })
      .from(t)
      .where(and(eq(t.peer, peer), eq(t.unit, unit), eq(t.status, "confirmed"), lte(t.completedAt, asOf)));
    let net = 0;
    for (const r of rows) net += Number(r.signed);
    return { net, hashes: rows.map((r) => r.hash) };
  }

  /** Balances per peer and currency unit, summed from confirmed records only: there is no counter to drift. */
  async balances(): Promise<Balance[]> {
    const earned = sql<number>`coalesce(sum(CASE WHEN ${t.kind} = 'call' AND ${t.role} = 'provider' THEN ${t.amount} END), 0)`;
    const spent = sql<number>`coalesce(sum(CASE WHEN ${t.kind} = 'call' AND ${t.role} = 'consumer' THEN ${t.amount} END), 0)`;
    const cleared = sql<number>`coalesce(sum(CASE WHEN ${t.kind} = 'set-off' THEN ${signedAmount} END), 0)`;
    const settled = sql<number>`coalesce(sum(CASE WHEN ${t.kind} = 'settlement' THEN ${signedAmount} END), 0)`;
    const calls = sql<number>`coalesce(sum(CASE WHEN ${t.kind} = 'call' THEN 1 END), 0)`;
    const rows = await this.db
      .select({ peer: t.peer, unit: sql<string>`${t.unit}`, earned, spent, cleared, settled, calls })
      .from(t)
      .where(and(eq(t.status, "confirmed"), sql`${t.unit} IS NOT NULL`))
      .groupBy(t.peer, t.unit)
      .orderBy(asc(t.peer), asc(t.unit));
    return rows.map((r) => {
      const [earned, spent, cleared, settled] = [Number(r.earned), Number(r.spent), Number(r.cleared), Number(r.settled)];
      return { peer: r.peer, unit: r.unit, earned, spent, cleared, settled, net: earned - spent + cleared + settled, calls: Number(r.calls) };
    });
  }
}

function stored(row: typeof t.$inferSelect): StoredRecord {
  return { id: row.id, kind: row.kind, peer: row.peer, role: row.role, status: row.status, completedAt: row.completedAt, reason: row.reason, record: row.record };
}

/** Records disputed since `since` (ms), newest first, at most `limit`, and how many there are. */
export async function disputedSince(db: Database, since: number, limit: number): Promise<{ count: number; records: { id: string; peer: string; reason: string | null }[] }> {
  const where = and(eq(ledgerRecords.status, "disputed"), gte(ledgerRecords.updatedAt, since));
  const [counted] = await db.select({ n: sql<number>`count(*)` }).from(ledgerRecords).where(where);
  const records = await db.select({ id: ledgerRecords.id, peer: ledgerRecords.peer, reason: ledgerRecords.reason }).from(ledgerRecords).where(where).orderBy(desc(ledgerRecords.updatedAt)).limit(limit);
  return { count: counted?.n ?? 0, records };
}
