// The blackboard at rest (protocol §17.5–17.7): namespace descriptors, verified deltas and merged values.
// A value changes only by merging a delta into it, written back only if no one else wrote it in
// between (a version check, which every driver offers, D1 included), with the delta's row in the
// same atomic batch. Callers verify deltas before they come here.
import { and, asc, eq, gte, lt, max, or, sql } from "drizzle-orm";
import type { Database } from "./database.ts";
import { blackboardDeltas, blackboardNamespaces, blackboardValues } from "./schema/index.ts";
import { now } from "./schema/defaults.ts";
import { generationOf } from "./store-generation.ts";
import { applyDelta, type SignedDelta } from "../protocol/blackboard/delta.ts";
import { encodeValue, valueHash, type BlackboardValue } from "../protocol/blackboard/value.ts";
import type { SignedDescriptor } from "../protocol/blackboard/namespace.ts";
import type { VersionVector } from "../protocol/blackboard/session-token.ts";
import type { ReconcileItem } from "../protocol/reconciliation.ts";
import { canonicalJson } from "../protocol/encoding/canonical-json.ts";
import { sha256Hex } from "../protocol/encoding/hash.ts";

export interface StoredValue {
  value: BlackboardValue;
  stateHash: string;
  version: number;
}

/** A key that changed after a watcher's cursor, with its merged value as of the read. */
export interface ChangedKey {
  key: string;
  value: BlackboardValue;
  stateHash: string;
}

export type ApplyOutcome = { applied: false } | { applied: true; value: StoredValue };

/** A concurrent writer can win the version check; past this many tries something is wrong. */
const MAX_APPLY_TRIES = 64;

const nv = blackboardValues;
const nd = blackboardDeltas;

export class BlackboardStore {
  constructor(private readonly db: Database) {}

  async descriptor(namespace: string): Promise<SignedDescriptor | undefined> {
    const [row] = await this.db.select({ d: blackboardNamespaces.descriptor }).from(blackboardNamespaces).where(eq(blackboardNamespaces.namespace, namespace));
    return row ? (JSON.parse(row.d) as SignedDescriptor) : undefined;
  }

  /** Keeps `d` when it is newer than the one held (by HLC); returns whether it did. */
  async saveDescriptor(d: SignedDescriptor): Promise<boolean> {
    const row = { namespace: d.namespace, creator: d.namespace.slice(0, d.namespace.indexOf("/")), hlc: d.hlc, replicas: JSON.stringify(d.replicas), consistency: d.consistency, descriptor: canonicalJson(d) };
    const written = await this.db
      .insert(blackboardNamespaces)
      .values(row)
      .onConflictDoUpdate({ target: blackboardNamespaces.namespace, set: { ...row, updatedAt: Date.now() }, setWhere: sql`excluded.hlc > ${blackboardNamespaces.hlc}` })
      .returning({ namespace: blackboardNamespaces.namespace });
    return written.length > 0;
  }

  async holdsAny(): Promise<boolean> {
    return (await this.db.select({ n: blackboardNamespaces.namespace }).from(blackboardNamespaces).limit(1)).length > 0;
  }

  async namespaces(): Promise<SignedDescriptor[]> {
    const rows = await this.db.select({ d: blackboardNamespaces.descriptor }).from(blackboardNamespaces).orderBy(asc(blackboardNamespaces.namespace));
    return rows.map((r) => JSON.parse(r.d) as SignedDescriptor);
  }

  async value(namespace: string, key: string): Promise<StoredValue | undefined> {
    const [row] = await this.db.select().from(nv).where(and(eq(nv.namespace, namespace), eq(nv.key, key)));
    return row ? { value: JSON.parse(row.state) as BlackboardValue, stateHash: row.stateHash, version: row.version } : undefined;
  }

  async holds(namespace: string, hash: string): Promise<boolean> {
    const [row] = await this.db.select({ hash: nd.hash }).from(nd).where(and(eq(nd.namespace, namespace), eq(nd.hash, hash)));
    return row !== undefined;
  }

  /** Stores a verified delta and merges it into its key's value; a delta held already changes nothing. */
  async apply(d: SignedDelta, source: string | null): Promise<ApplyOutcome> {
    const text = canonicalJson(d);
    const hash = await sha256Hex(text);
    if (await this.holds(d.namespace, hash)) return { applied: false };
    for (let tries = 0; tries < MAX_APPLY_TRIES; tries++) {
      const stored = await this.#merge(d, { hash, text, source });
      if (stored) return { applied: true, value: stored };
    }
    throw new Error(`blackboard value ${d.namespace} ${d.key} kept changing under the write`);
  }

  /**
   * One try at merging `d` into the value: the new value and the delta row go in one batch, the
   * row only if the value was written as this try made it, so that the deltas held and the value
   * never disagree (a read sees both as of one moment). Undefined when another write came first.
   */
  async #merge(d: SignedDelta, row: { hash: string; text: string; source: string | null }): Promise<StoredValue | undefined> {
    const held = await this.value(d.namespace, d.key);
    const value = applyDelta(held?.value, d);
    const next = { value, stateHash: valueHash(value), version: (held?.version ?? 0) + 1 };
    const state = encodeValue(value);
    const unchanged = held?.stateHash === next.stateHash;
    const written = unchanged ? held : next;
    const write = !held
      ? this.db.insert(nv).values({ namespace: d.namespace, key: d.key, state, stateHash: next.stateHash, version: next.version }).onConflictDoNothing()
      : this.db
          .update(nv)
          .set(unchanged ? { version: held.version } : { state, stateHash: next.stateHash, version: next.version, updatedAt: Date.now() })
          .where(and(eq(nv.namespace, d.namespace), eq(nv.key, d.key), eq(nv.version, held.version)));
    const guardVersion = unchanged ? held.version : next.version;
    // A query builder, not a raw statement: D1's batch takes only statements prepared on its own
    // database, which drizzle makes for builders (a raw `db.run` with parameters fails there).
    // Selecting from the value row is the guard: no row as this try wrote it, no delta row.
    const insert = this.db
      .insert(nd)
      .select(
        this.db
          .select({
            namespace: sql<string>`${d.namespace}`.as("namespace"),
            hash: sql<string>`${row.hash}`.as("hash"),
            key: sql<string>`${d.key}`.as("key"),
            hlc: sql<string>`${d.hlc}`.as("hlc"),
            writer: sql<string>`${d.writer}`.as("writer"),
            delta: sql<string>`${row.text}`.as("delta"),
            source: sql<string | null>`${row.source}`.as("source"),
            receivedAt: sql<number>`${now}`.as("received_at"),
          })
          .from(nv)
          .where(and(eq(nv.namespace, d.namespace), eq(nv.key, d.key), eq(nv.version, guardVersion), eq(nv.stateHash, written.stateHash))),
      )
      .onConflictDoNothing();
    await this.db.batch([write, insert]);
    return (await this.holds(d.namespace, row.hash)) ? written : undefined;
  }

  /** The value and the version vector of a key as of one moment. */
  async snapshot(namespace: string, key: string): Promise<{ value: StoredValue | undefined; vector: VersionVector }> {
    const [rows, writers] = await this.db.batch([
      this.db.select().from(nv).where(and(eq(nv.namespace, namespace), eq(nv.key, key))),
      this.db
        .select({ writer: nd.writer, hlc: max(nd.hlc) })
        .from(nd)
        .where(and(eq(nd.namespace, namespace), eq(nd.key, key)))
        .groupBy(nd.writer),
    ]);
    const row = rows[0];
    return {
      value: row ? { value: JSON.parse(row.state) as BlackboardValue, stateHash: row.stateHash, version: row.version } : undefined,
      vector: Object.fromEntries(writers.filter((r) => r.hlc !== null).map((r) => [r.writer, r.hlc!])),
    };
  }

  /** Per writer, the highest HLC of its deltas on the key held here. */
  async vector(namespace: string, key: string): Promise<VersionVector> {
    const rows = await this.db
      .select({ writer: nd.writer, hlc: max(nd.hlc) })
      .from(nd)
      .where(and(eq(nd.namespace, namespace), eq(nd.key, key)))
      .groupBy(nd.writer);
    return Object.fromEntries(rows.filter((r) => r.hlc !== null).map((r) => [r.writer, r.hlc!]));
  }

  /** The highest HLC of `writer`'s deltas anywhere: where its clock resumes after a restart. */
  async lastHlcOf(writer: string): Promise<string | undefined> {
    const [row] = await this.db.select({ hlc: max(nd.hlc) }).from(nd).where(eq(nd.writer, writer));
    return row?.hlc ?? undefined;
  }

  /** The namespace's deltas as reconciliation sees them. */
  async items(namespace: string): Promise<ReconcileItem[]> {
    return this.db.select({ hlc: nd.hlc, id: nd.hash }).from(nd).where(eq(nd.namespace, namespace));
  }

  /** The signed deltas whose hashes start with one of `prefixes` (full hashes are prefixes of themselves). */
  async byHashPrefix(namespace: string, prefixes: string[]): Promise<SignedDelta[]> {
    const out: SignedDelta[] = [];
    // Two parameters per prefix and one for the namespace, within D1's hundred.
    for (let i = 0; i < prefixes.length; i += 49) {
      const match = or(...prefixes.slice(i, i + 49).map((p) => and(gte(nd.hash, p), lt(nd.hash, `${p}g`))));
      for (const r of await this.db.select({ delta: nd.delta }).from(nd).where(and(eq(nd.namespace, namespace), match))) out.push(JSON.parse(r.delta) as SignedDelta);
    }
    return out;
  }

  /** Every key's state hash, by key: what replicas compare after they settle. */
  async stateHashes(namespace: string): Promise<Record<string, string>> {
    const rows = await this.db.select({ key: nv.key, h: nv.stateHash }).from(nv).where(eq(nv.namespace, namespace)).orderBy(asc(nv.key));
    return Object.fromEntries(rows.map((r) => [r.key, r.h]));
  }

  /**
   * The keys of `namespace` whose deltas this node stored after `after`, in the order it stored
   * them, each once with its value now: at most `limit` deltas and about `maxBytes` of values are
   * read. The cursor is the delta row's rowid, which only grows, in commit order, as the store has
   * one writer at a time (SQLite, libSQL, D1); it is this node's, and deltas are never deleted.
   */
  async changesSince(namespace: string, after: number, o: { limit: number; maxBytes: number; prefix?: string | undefined }): Promise<{ changes: ChangedKey[]; cursor: number; more: boolean }> {
    const prefix = o.prefix ? sql`AND substr(d.key, 1, ${o.prefix.length}) = ${o.prefix}` : sql``;
    const rows = await this.db.all<{ seq: number; key: string; state: string; stateHash: string }>(sql`SELECT d.rowid AS seq, d.key AS key, v.state AS state, v.state_hash AS stateHash
      FROM blackboard_deltas d JOIN blackboard_values v ON v.namespace = d.namespace AND v.key = d.key
      WHERE d.namespace = ${namespace} AND d.rowid > ${after} ${prefix} ORDER BY d.rowid LIMIT ${o.limit + 1}`);
    const byKey = new Map<string, ChangedKey>();
    let cursor = after;
    let bytes = 0;
    let more = rows.length > o.limit;
    for (const r of rows.slice(0, o.limit)) {
      if (!byKey.has(r.key)) {
        if (byKey.size > 0 && bytes + r.state.length > o.maxBytes) {
          more = true;
          break;
        }
        bytes += r.state.length;
      }
      // A key seen again moves to where it changed last.
      byKey.delete(r.key);
      byKey.set(r.key, { key: r.key, value: JSON.parse(r.state) as BlackboardValue, stateHash: r.stateHash });
      cursor = r.seq;
    }
    return { changes: [...byKey.values()], cursor, more };
  }

  /** The store's generation: a watch cursor is a position in this generation's rows (§17.7). */
  generation(): Promise<string> {
    return generationOf(this.db);
  }

  async deltaCount(namespace: string): Promise<number> {
    const [row] = await this.db.select({ n: sql<number>`count(*)` }).from(nd).where(eq(nd.namespace, namespace));
    return row?.n ?? 0;
  }
}
