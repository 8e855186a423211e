// The compact directory entries' table (directory_entries, directory-rows.ts) as the registry's
// repository (registry.ts) reads and writes it beside registry_entries: one slot per origin, the
// same conflict rule, and the same log (seq). A put binds a few parameters per entry and a read at
// most 90 (byIdPrefixes: two per prefix), under D1's limit of 100.
import { and, asc, eq, gt, inArray, lt, lte, ne, or, sql, type SQL } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";
import { fromBase32, toBase32 } from "../protocol/encoding/bytes.ts";
import type { Entry } from "../protocol/registry/entry.ts";
import type { Database } from "./database.ts";
import { entryOfRow, HEAD_BYTES, idHead, urlOfRow, type DirectoryRow } from "./directory-rows.ts";
import { directoryEntries, directorySources, registryEntries, registryLog, storeGeneration } from "./schema/index.ts";

const d = directoryEntries;
const r = registryEntries;

/** The next position in the registry's log, over both tables (collected rows' positions are never given again: the head keeps them). */
export const NEXT_SEQ = sql`(SELECT max((SELECT ${registryLog.head} FROM ${registryLog} WHERE ${registryLog.id} = 1), coalesce((SELECT max(${r.seq}) FROM ${r}), 0), coalesce((SELECT max(${d.seq}) FROM ${d}), 0)) + 1)`;

/** The highest position given, over both tables: the log head after a batch. */
export const MAX_SEQ = sql`max(${registryLog.head}, coalesce((SELECT max(${r.seq}) FROM ${r}), 0), coalesce((SELECT max(${d.seq}) FROM ${d}), 0))`;

/** A node id's bytes, or undefined for an origin that is not one (its entries are never in this table). */
export function originBytes(origin: string): Uint8Array | undefined {
  try {
    return fromBase32(origin);
  } catch {
    return undefined;
  }
}

/** A column's first HEAD_BYTES, as the indexes write it (a literal length: SQLite matches an index's expression by its text). */
function head(column: SQLiteColumn): SQL {
  return sql`substr(${column}, 1, ${sql.raw(String(HEAD_BYTES))})`;
}

/** The row of `origin`, found through the origin index. */
function ofOrigin(origin: Uint8Array): SQL {
  return and(eq(head(d.origin), origin.slice(0, HEAD_BYTES)), eq(d.origin, origin))!;
}

const columns = { seq: d.seq, id: d.id, origin: d.origin, hlc: d.hlc, url: d.url, mailboxes: d.mailboxes, keys: d.keys, ed25519: d.ed25519, exp: d.exp, sig: d.sig, source: directorySources.peer };
type Selected = DirectoryRow & { seq: number; source: string | null };

function select(db: Database, where: SQL | undefined) {
  return db.select(columns).from(d).leftJoin(directorySources, eq(directorySources.n, d.source)).where(where);
}

export type HeldEntry = Entry & { seq: number; source: string | null; size: number };

function held(row: Selected): HeldEntry {
  const e = entryOfRow(row);
  return { ...e, seq: row.seq, source: row.source, size: new TextEncoder().encode(e.canonical).length };
}

/**
 * The statements that store `row` if it beats what its origin's slot holds in either table
 * (hlc, then the smaller id). The last one returns the stored entry's position.
 */
export function putStatements(db: Database, e: Entry, row: DirectoryRow, source: string | null) {
  const s = e.signed;
  const genericSlot = and(eq(r.origin, s.origin), eq(r.kind, "directory"), eq(r.key, s.key), eq(r.visibility, "public"));
  return [
    db.delete(r).where(and(genericSlot, or(lt(r.hlc, s.hlc), and(eq(r.hlc, s.hlc), gt(r.id, e.id))))),
    db.delete(d).where(and(ofOrigin(row.origin), or(lt(d.hlc, row.hlc), and(eq(d.hlc, row.hlc), gt(d.id, row.id))))),
    ...(source === null ? [] : [db.insert(directorySources).values({ peer: source }).onConflictDoNothing()]),
    // drizzle's own INSERT … SELECT: the D1 batch binds no raw SQL's parameters (database.ts).
    db
      .insert(d)
      .select(
        db
          .select({
            seq: sql`${NEXT_SEQ}`.as("seq"),
            id: sql`${row.id}`.as("id"),
            origin: sql`${row.origin}`.as("origin"),
            hlc: sql`${row.hlc}`.as("hlc"),
            url: sql`${row.url}`.as("url"),
            mailboxes: sql`${row.mailboxes}`.as("mailboxes"),
            keys: sql`${row.keys}`.as("keys"),
            ed25519: sql`${row.ed25519}`.as("ed25519"),
            exp: sql`${row.exp}`.as("exp"),
            sig: sql`${row.sig}`.as("sig"),
            source: (source === null ? sql`NULL` : sql`(SELECT ${directorySources.n} FROM ${directorySources} WHERE ${directorySources.peer} = ${source})`).as("source"),
          })
          .from(sql`(SELECT 1)`)
          // One row per origin: none is inserted while the slot's winner is held in either table.
          .where(sql`NOT EXISTS (SELECT 1 FROM ${r} WHERE ${genericSlot}) AND NOT EXISTS (SELECT 1 FROM ${d} WHERE ${ofOrigin(row.origin)})`),
      )
      .onConflictDoNothing()
      .returning({ seq: d.seq }),
  ];
}

/**
 * For a directory entry kept in registry_entries (one this table cannot rebuild): drop this
 * table's entry of the same origin if it loses, and, after the insert, the inserted row again if
 * this table still holds a winner. Returns [before, after].
 */
export function genericGuards(db: Database, e: Entry) {
  const origin = originBytes(e.signed.origin);
  if (!origin) return undefined;
  const id = hexToBytes(e.id);
  const hlc = hexToBytes(e.signed.hlc);
  return {
    before: db.delete(d).where(and(ofOrigin(origin), or(lt(d.hlc, hlc), and(eq(d.hlc, hlc), gt(d.id, id))))),
    after: db
      .delete(r)
      .where(and(eq(r.id, e.id), sql`EXISTS (SELECT 1 FROM ${d} WHERE ${ofOrigin(origin)})`))
      .returning({ id: r.id }),
  };
}

/** Which of these ids (hex) the table holds. */
export async function heldIds(db: Database, ids: string[]): Promise<Set<string>> {
  const out = new Set<string>();
  const wanted = new Set(ids);
  for (let i = 0; i < ids.length; i += 90) {
    const heads = ids.slice(i, i + 90).map((id) => idHead(id));
    const rows = await db.select({ id: d.id }).from(d).where(inArray(head(d.id), heads));
    for (const row of rows) {
      const hex = bytesToHex(row.id);
      if (wanted.has(hex)) out.add(hex);
    }
  }
  return out;
}

/** The entries whose id (hex) starts with one of the prefixes. */
export async function byIdPrefixes(db: Database, prefixes: string[]): Promise<HeldEntry[]> {
  const out: HeldEntry[] = [];
  for (let i = 0; i < prefixes.length; i += 45) {
    const part = prefixes.slice(i, i + 45);
    const ranges = part.map((p) => sql`${head(d.id)} BETWEEN ${idHead(p)} AND ${idHead(p, "f")}`);
    for (const row of await select(db, or(...ranges))) {
      const e = held(row);
      if (part.some((p) => e.id.startsWith(p))) out.push(e);
    }
  }
  return out;
}

/** The log after `since` up to `head`, leaving out what `peer` originated or sent; at most `limit`, by position. */
export async function logAfter(db: Database, since: number, head: number, peer: string, limit: number): Promise<HeldEntry[]> {
  const origin = originBytes(peer);
  const rows = await select(db, and(gt(d.seq, since), lte(d.seq, head), origin ? ne(d.origin, origin) : undefined, or(sql`${d.source} IS NULL`, ne(directorySources.peer, peer))))
    .orderBy(asc(d.seq))
    .limit(limit);
  return rows.map(held);
}

/** (HLC, id) of every row, as reconciliation reads them. */
export async function reconcileItems(db: Database): Promise<{ hlc: string; id: string }[]> {
  const rows = await db.select({ hlc: d.hlc, id: d.id }).from(d);
  return rows.map((row) => ({ hlc: bytesToHex(row.hlc), id: bytesToHex(row.id) }));
}

/** The entries of one origin, or of every origin. */
export async function entriesOf(db: Database, origin?: string): Promise<HeldEntry[]> {
  if (origin === undefined) return (await select(db, undefined)).map(held);
  const bytes = originBytes(origin);
  return bytes ? (await select(db, ofOrigin(bytes))).map(held) : [];
}

/** What placement reads of a public node: its id, URL and expiry, and the row's position in the log. */
export interface PlacementRow {
  seq: number;
  origin: string;
  url: string;
  exp: number;
}

/**
 * The rows stored after position `since` (origin, URL and expiry, nothing else), how many rows
 * the table holds and the store's generation, read in one batch so that all see the same state: a
 * reader that held the rows up to `since` has them all unless the count says some went or the
 * generation changed (a restore draws a new one, and the log's positions start again below `since`).
 */
export async function placementsSince(db: Database, since: number): Promise<{ rows: PlacementRow[]; held: number; generation: string | null }> {
  const [rows, count, log] = await db.batch([
    db.select({ seq: d.seq, origin: d.origin, url: d.url, exp: d.exp }).from(d).where(gt(d.seq, since)),
    db.select({ n: sql<number>`count(*)`.mapWith(Number) }).from(d),
    db.select({ generation: storeGeneration.generation }).from(storeGeneration).where(eq(storeGeneration.id, 1)),
  ]);
  return { rows: rows.map((row) => ({ seq: row.seq, origin: toBase32(row.origin), url: urlOfRow(row.url), exp: row.exp })), held: count[0]!.n, generation: log[0]?.generation ?? null };
}
