// The entry store on the node's database (libSQL, or D1 on Workers). Writes are conditional SQL
// run in one batch, so two isolates applying entries at once still end with the winner of each
// slot, and every stored entry takes a fresh seq for the peers' cursors.
import { and, asc, eq, gt, gte, inArray, lt, lte, ne, notExists, or, sql, type SQL } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { alias } from "drizzle-orm/sqlite-core";
import { sha256Hex } from "../protocol/encoding/hash.ts";
import type { ReconcileItem } from "../protocol/reconciliation.ts";
import { chunks, prepareOnce, type Database } from "./database.ts";
import { gossipCursors, registryEntries, registryLog, storeGeneration } from "./schema/index.ts";
import { generationOf } from "./store-generation.ts";
import { byteLength, signedEntry, type Entry, type SignedEntry } from "../protocol/registry/entry.ts";
import { DIRECTORY_KEY, type DirectoryBody } from "../protocol/registry/directory-entries.ts";
import type { Delta, EntryStore, HeldSlot, LogPosition, Pair, PeerCursor, PutOutcome } from "./entry-store.ts";
import { reindexAgents } from "./agent-index.ts";
import { rowOfEntry } from "./directory-rows.ts";
import { byIdPrefixes, entriesOf, genericGuards, heldIds, logAfter, MAX_SEQ, NEXT_SEQ, putStatements, reconcileItems } from "./directory-store.ts";

const t = registryEntries;

function toEntry(row: { id: string; entry: string }): Entry {
  return { id: row.id, canonical: row.entry, signed: JSON.parse(row.entry) as SignedEntry };
}

/**
 * The epoch peers see: the log's own epoch XOR the store's generation. A restore keeps the log's
 * row (the backup holds it) but draws a new generation, so peers' cursors into the replaced log go
 * stale and they repair, instead of missing the entries under seqs the restored log gives again.
 */
function advertisedEpoch(logEpoch: string, generation: string): string {
  let out = "";
  for (let i = 0; i < logEpoch.length; i += 2) out += (parseInt(logEpoch.slice(i, i + 2), 16) ^ parseInt(generation.slice(i, i + 2), 16)).toString(16).padStart(2, "0");
  return out;
}

/** A held entry without its row's extras, as the store's callers take it. */
function entryOnly(e: Entry): Entry {
  return { id: e.id, canonical: e.canonical, signed: e.signed };
}

function universe(pair: Pair): SQL {
  return or(eq(t.visibility, "public"), inArray(t.origin, [pair.self, pair.peer]))!;
}

function newEpoch(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, "0")).join("");
}

// Two statements per entry, up to four for a directory entry (a delete in each table, its source
// or a guard, the insert); D1 and libSQL take large batches, but keep each one bounded.
const ENTRIES_PER_BATCH = 200;

export class EntryRepository implements EntryStore {
  #ready: Promise<void> | undefined;

  constructor(private readonly db: Database) {}

  // The log row is made on first use: a migration cannot draw a random epoch portably.
  #log(): Promise<void> {
    return (this.#ready ??= this.db
      .insert(registryLog)
      .values({ id: 1, epoch: newEpoch(), head: 0 })
      .onConflictDoNothing()
      .then(() => undefined));
  }

  async head(): Promise<LogPosition> {
    await this.#log();
    const generation = this.db.select({ g: storeGeneration.generation }).from(storeGeneration).where(eq(storeGeneration.id, 1));
    const [row] = await this.db
      .select({ epoch: registryLog.epoch, seq: registryLog.head, generation: sql<string | null>`(${generation})` })
      .from(registryLog)
      .where(eq(registryLog.id, 1));
    return { epoch: advertisedEpoch(row!.epoch, row!.generation ?? (await generationOf(this.db))), seq: row!.seq };
  }

  async has(ids: string[]): Promise<Set<string>> {
    const held = await heldIds(this.db, ids);
    for (const c of chunks(ids, 1)) {
      for (const r of await this.db.select({ id: t.id }).from(t).where(inArray(t.id, c))) held.add(r.id);
    }
    return held;
  }

  async put(entries: Entry[], source: string | null): Promise<PutOutcome[]> {
    if (entries.length === 0) return [];
    await this.#log();
    const inserted = new Set<string>();
    for (let i = 0; i < entries.length; i += ENTRIES_PER_BATCH) {
      const batch = entries.slice(i, i + ENTRIES_PER_BATCH);
      // What each statement's returned rows mean: the entry stored, or taken back (none: nothing).
      const meaning: ({ id: string; stored: boolean } | undefined)[] = [];
      const statements = batch.flatMap((e): BatchItem<"sqlite">[] => {
        const s = e.signed;
        const row = rowOfEntry(e);
        if (row) {
          const put = putStatements(this.db, e, row, source);
          meaning.push(...put.map((_, j) => (j === put.length - 1 ? { id: e.id, stored: true } : undefined)));
          return put;
        }
        const guards = s.kind === "directory" ? genericGuards(this.db, e) : undefined;
        const slot = and(eq(t.origin, s.origin), eq(t.kind, s.kind), eq(t.key, s.key), eq(t.visibility, s.visibility));
        // The conflict rule (conflict.ts) in SQL: remove the held entry only if the new one beats it...
        const loses = or(lt(t.hlc, s.hlc), and(eq(t.hlc, s.hlc), gt(t.id, e.id)));
        meaning.push(...(guards ? [undefined] : []), undefined, { id: e.id, stored: true }, ...(guards ? [{ id: e.id, stored: false }] : []));
        return [
          ...(guards ? [guards.before] : []),
          this.db.delete(t).where(and(slot, loses)),
          // ...then insert, which the slot's unique index refuses if a winner is still there.
          this.db
            .insert(t)
            .values({
              seq: NEXT_SEQ,
              id: e.id,
              origin: s.origin,
              kind: s.kind,
              key: s.key,
              visibility: s.visibility,
              hlc: s.hlc,
              tombstone: s.tombstone,
              entry: e.canonical,
              size: byteLength(e.canonical),
              source,
            })
            .onConflictDoNothing()
            .returning({ id: t.id }),
          ...(guards ? [guards.after] : []),
        ];
      });
      const head = this.db.update(registryLog).set({ head: MAX_SEQ }).where(eq(registryLog.id, 1));
      const all: BatchItem<"sqlite">[] = [...statements, head];
      const results: unknown[] = await this.db.batch(all as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
      for (const [j, r] of results.entries()) {
        const m = meaning[j];
        if (!m || !Array.isArray(r) || r.length === 0) continue;
        if (m.stored) inserted.add(m.id);
        else inserted.delete(m.id);
      }
    }
    // Discovery reads its own index (agent-index.ts): it follows every agent entry stored.
    await reindexAgents(this.db, entries.filter((e) => inserted.has(e.id)));
    const notStored = entries.filter((e) => !inserted.has(e.id)).map((e) => e.id);
    const held = await this.has(notStored);
    return entries.map((e) => (inserted.has(e.id) ? "stored" : held.has(e.id) ? "duplicate" : "superseded"));
  }

  async originSlots(origin: string): Promise<HeldSlot[]> {
    const rows = await this.db.select({ kind: t.kind, key: t.key, visibility: t.visibility, tombstone: t.tombstone, size: t.size }).from(t).where(eq(t.origin, origin));
    const compact = (await entriesOf(this.db, origin)).map((e) => ({ kind: "directory", key: e.signed.key, visibility: "public", tombstone: false, size: e.size }));
    return [...rows, ...compact].map((r) => ({ slot: JSON.stringify([origin, r.kind, r.key, r.visibility]), tombstone: r.tombstone, size: r.size }));
  }

  async slots(origin: string, kind: string, key: string): Promise<Entry[]> {
    const rows = await this.db
      .select({ id: t.id, entry: t.entry })
      .from(t)
      .where(and(eq(t.origin, origin), eq(t.kind, kind), eq(t.key, key)));
    const compact = kind === "directory" ? (await entriesOf(this.db, origin)).filter((e) => e.signed.key === key) : [];
    return [...rows.map(toEntry), ...compact.map(entryOnly)];
  }

  async delta(pair: Pair, since: number, limits: { maxEntries: number; maxBytes: number }): Promise<Delta> {
    const head = await this.head();
    const rows = await this.db
      .select({ seq: t.seq, id: t.id, entry: t.entry, size: t.size })
      .from(t)
      .where(
        and(
          gt(t.seq, since),
          lte(t.seq, head.seq),
          or(eq(t.visibility, "public"), eq(t.origin, pair.self)),
          ne(t.origin, pair.peer),
          or(sql`${t.source} IS NULL`, ne(t.source, pair.peer)),
        ),
      )
      .orderBy(asc(t.seq))
      .limit(limits.maxEntries + 1);
    const compact = await logAfter(this.db, since, head.seq, pair.peer, limits.maxEntries + 1);
    const merged = [...rows.map((r) => ({ ...toEntry(r), seq: r.seq, size: r.size })), ...compact].sort((a, b) => a.seq - b.seq);
    const entries: Entry[] = [];
    let bytes = 0;
    for (const [i, r] of merged.entries()) {
      if (i >= limits.maxEntries || (i > 0 && bytes + r.size > limits.maxBytes)) return { entries, upTo: r.seq - 1, more: true };
      entries.push(entryOnly(r));
      bytes += r.size;
    }
    return { entries, upTo: head.seq, more: false };
  }

  async byIdPrefix(prefixes: string[], pair: Pair, limits: { maxEntries: number; maxBytes: number }): Promise<Entry[]> {
    const out: Entry[] = [];
    let bytes = 0;
    // Two parameters per prefix and two for the pair, within D1's hundred.
    for (let i = 0; i < prefixes.length; i += 49) {
      const c = prefixes.slice(i, i + 49);
      const match = or(...c.map((p) => and(gte(t.id, p), lt(t.id, `${p}g`))));
      const rows = await this.db.select({ id: t.id, entry: t.entry, size: t.size }).from(t).where(and(universe(pair), match));
      // Directory entries are public: in every pair's universe.
      for (const r of [...rows.map((r) => ({ ...toEntry(r), size: r.size })), ...(await byIdPrefixes(this.db, c))]) {
        if (out.length >= limits.maxEntries || (out.length > 0 && bytes + r.size > limits.maxBytes)) return out;
        out.push(entryOnly(r));
        bytes += r.size;
      }
    }
    return out;
  }

  async items(pair: Pair, horizon: string): Promise<ReconcileItem[]> {
    const rows = await this.db
      .select({ hlc: t.hlc, id: t.id })
      .from(t)
      .where(and(universe(pair), sql`NOT (${t.tombstone} = 1 AND ${t.hlc} < ${horizon})`));
    return [...rows, ...(await reconcileItems(this.db))];
  }

  async cursor(peer: string): Promise<PeerCursor> {
    const [r] = await this.db.select().from(gossipCursors).where(eq(gossipCursors.peer, peer));
    const out: PeerCursor = {};
    if (r?.ackedSeq != null && r.ackedAt != null) out.acked = { seq: r.ackedSeq, at: r.ackedAt };
    if (r?.theirEpoch != null && r.theirSeq != null && r.theirAt != null) out.theirs = { epoch: r.theirEpoch, seq: r.theirSeq, at: r.theirAt };
    return out;
  }

  async saveAcked(peer: string, seq: number, at: number): Promise<void> {
    const set = { ackedSeq: seq, ackedAt: at };
    await this.db.insert(gossipCursors).values({ peer, ...set }).onConflictDoUpdate({ target: gossipCursors.peer, set });
  }

  async saveTheirs(peer: string, position: LogPosition, at: number): Promise<void> {
    const set = { theirEpoch: position.epoch, theirSeq: position.seq, theirAt: at };
    await this.db.insert(gossipCursors).values({ peer, ...set }).onConflictDoUpdate({ target: gossipCursors.peer, set });
  }

  async collect(horizon: string): Promise<number> {
    const gone = await this.db
      .delete(t)
      // A literal 1, so that the partial index on tombstones applies.
      .where(and(sql`${t.tombstone} = 1`, lt(t.hlc, horizon)))
      .returning({ id: t.id });
    return gone.length;
  }

  async stateHash(): Promise<string> {
    const rows = await this.db.select({ id: t.id }).from(t);
    const ids = [...rows.map((r) => r.id), ...(await reconcileItems(this.db)).map((r) => r.id)].sort();
    return sha256Hex(ids.join("\n"));
  }
}

/** The held entries, newest first: every origin's, or one origin's. The operator's view. */
export async function listEntries(db: Database, origin?: string): Promise<(Entry & { source: string | null })[]> {
  const rows = await db
    .select({ id: t.id, entry: t.entry, source: t.source })
    .from(t)
    .where(origin === undefined ? undefined : eq(t.origin, origin))
    .orderBy(sql`${t.hlc} DESC`);
  const compact = (await entriesOf(db, origin)).map((e) => ({ ...entryOnly(e), source: e.source }));
  return [...rows.map((r) => ({ ...toEntry(r), source: r.source })), ...compact].sort((a, b) => (a.signed.hlc < b.signed.hlc ? 1 : a.signed.hlc > b.signed.hlc ? -1 : 0));
}

/**
 * The live entry this node shares under `key`, by the same rule the catalog applies (latest HLC
 * across both visibility slots); undefined when the key is withdrawn or was never shared.
 */
export async function ownLiveEntry(db: Database, self: string, key: string): Promise<Entry | undefined> {
  const [row] = await prepareOnce(db, "ownLiveEntry", () =>
    db
      .select({ id: registryEntries.id, entry: registryEntries.entry, tombstone: registryEntries.tombstone })
      .from(registryEntries)
      .where(and(eq(registryEntries.origin, sql.placeholder("origin")), eq(registryEntries.kind, "tool"), eq(registryEntries.key, sql.placeholder("key"))))
      .orderBy(sql`${registryEntries.hlc} DESC`, asc(registryEntries.id))
      .limit(1)
      .prepare(),
  ).all({ origin: self, key });
  return row && !row.tombstone ? toEntry(row) : undefined;
}

/** Live node entries of origins other than `self`, by origin: the cards public nodes publish, and the peer each came from. */
export async function otherNodeEntries(db: Database, self: string): Promise<{ entry: string; source: string | null }[]> {
  return otherEntriesOfKind(db, self, "node");
}

/**
 * The origin, URL and expiry of the directory entries of origins other than `self` kept whole in
 * registry_entries (the few a compact row cannot rebuild); the compact ones are read by
 * placementsSince (directory-store.ts).
 */
export async function textDirectoryPlacements(db: Database, self: string): Promise<{ origin: string; url: string; exp: number }[]> {
  const generic = (await otherEntriesOfKind(db, self, "directory")).map((r) => signedEntry.parse(JSON.parse(r.entry)));
  return generic.flatMap((e) => (e.kind === "directory" && !e.tombstone ? [{ origin: e.origin, url: e.body.url, exp: e.body.exp }] : []));
}

/** The directory entry's body `origin` holds, if any. */
export async function directoryBodyOf(db: Database, origin: string): Promise<DirectoryBody | undefined> {
  const [e] = await new EntryRepository(db).slots(origin, "directory", DIRECTORY_KEY);
  return e?.signed.kind === "directory" && !e.signed.tombstone ? e.signed.body : undefined;
}

/**
 * The directory entries of origins other than `self` that are still listed: no tombstone of the
 * origin's node entry is held here, since a directory entry has none of its own (§20.7).
 */
export async function listedDirectoryEntries(db: Database, self: string): Promise<{ entry: string; source: string | null }[]> {
  const card = alias(t, "card");
  const withdrawn = db
    .select({ origin: card.origin })
    .from(card)
    .where(and(eq(card.kind, "node"), eq(card.tombstone, true), eq(card.origin, t.origin)));
  const generic = await db
    .select({ entry: t.entry, source: t.source, origin: t.origin })
    .from(t)
    .where(and(eq(t.kind, "directory"), eq(t.tombstone, false), ne(t.origin, self), notExists(withdrawn)));
  const gone = new Set((await db.selectDistinct({ origin: t.origin }).from(t).where(and(eq(t.kind, "node"), eq(t.tombstone, true)))).map((r) => r.origin));
  const compact = (await entriesOf(db)).filter((e) => e.signed.origin !== self && !gone.has(e.signed.origin));
  return byOrigin([...generic, ...compact.map((e) => ({ entry: e.canonical, source: e.source, origin: e.signed.origin }))]);
}

/** Rows by origin, as the listings give them (without the origin). */
function byOrigin(rows: { entry: string; source: string | null; origin: string }[]): { entry: string; source: string | null }[] {
  return rows.sort((a, b) => (a.origin < b.origin ? -1 : a.origin > b.origin ? 1 : 0)).map(({ entry, source }) => ({ entry, source }));
}

/**
 * Drops the node entries (§7) of origins other than `self` that `keep` refuses: beyond the
 * neighbourhood a node keeps compact directory entries only (src/node/discovery/kept-entries.ts).
 * Returns how many were dropped.
 */
export async function dropNodeEntries(db: Database, self: string, keep: (origin: string) => boolean): Promise<number> {
  const held = await db.selectDistinct({ origin: t.origin }).from(t).where(and(eq(t.kind, "node"), ne(t.origin, self)));
  const gone = held.map((r) => r.origin).filter((o) => !keep(o));
  for (const part of chunks(gone, 2)) await db.delete(t).where(and(eq(t.kind, "node"), inArray(t.origin, part)));
  return gone.length;
}

function otherEntriesOfKind(db: Database, self: string, kind: "node" | "directory"): Promise<{ entry: string; source: string | null; origin: string }[]> {
  return db
    .select({ entry: t.entry, source: t.source, origin: t.origin })
    .from(t)
    .where(and(eq(t.kind, kind), eq(t.tombstone, false), ne(t.origin, self)))
    .orderBy(t.origin);
}
