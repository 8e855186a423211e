// The tables a backup holds: every table of the drizzle schema except those named below with the
// reason they are left out, so a table added later is backed up unless someone says why not.
// Rows are read and written as the driver holds them (text, number, null), never through the
// schema's column modes, so a restore writes back exactly what was read on any store.
import { and, eq, is, sql } from "drizzle-orm";
import { customType, getTableConfig, SQLiteTable, sqliteTable } from "drizzle-orm/sqlite-core";
import type { Cell } from "../protocol/backup/file.ts";
import type { TableRows } from "../protocol/backup/seal.ts";
import type { Database } from "./database.ts";
import { migrations } from "./migrations.gen.ts";
import { newGeneration } from "./store-generation.ts";
import { newSearchGeneration } from "./tool-search-postings.ts";
import * as schema from "./schema/index.ts";
import { restoreStaging } from "./schema/index.ts";

/** Tables of the schema a backup leaves out, and why. */
export const EXCLUDED_TABLES: Readonly<Record<string, string>> = {
  replay_cache: "envelope ids seen in the last minutes: they expire with the envelope window, and a restored node must not refuse fresh envelopes",
  onion_replay_tags: "onion packets' replay tags, kept only while a packet could still be valid",
  onion_surbs: "reply blocks' secrets and answers for calls waiting now, minutes long: a backup must not carry keys that open replies",
  peer_channels: "peer channels' ratchet state: restoring an older state would reuse keys, so channels are opened again by a new handshake",
  rate_counters: "rate-limit windows, seconds to minutes long",
  tick_leases: "which instance runs this period's tick: a fresh node takes it as it starts, and a restored one would hold a lease no instance owns",
  rate_leases: "concurrency leases of calls running at the time",
  oauth_codes: "single-use authorization codes valid for minutes",
  resource_leases: "peers' resource subscriptions, renewed by their tick within minutes",
  backup_archive: "the backups themselves",
  held_backups: "peers' backups held for them: their ciphertext, theirs to deposit again",
  held_backup_parts: "the files of those held backups, in the parts they came in",
  store_generation: "which restore of the store this is: a restore draws a new one, so positions into the replaced rows are refused",
  restore_staging: "rows of a restore in progress, moved into the live tables when it ends",
  directory_entries: "public nodes' compact directory entries, held as bytes a backup's cells do not carry: every peer holds them, and the next repair brings them back (a restore deletes the live ones; this node's own is signed again by publishCard at its next tick)",
  directory_sources: "which peer each of those entries came from",
  call_window: "the kept hour's call sums, derived from call_minutes (backed up): read apart from them, a backup could hold sums out of step with its minutes, so a restore deletes them and the next reader sums the minutes afresh",
  call_window_spans: "which minutes those sums cover, deleted with them",
  tool_search_generation: "which write of the search index processes' kept parts are of: a restore draws a new one, so nothing kept before it is used",
};

/**
 * Tables in the database that are not in the schema, and why a backup does not need them: the
 * migrations log (a restoring node has its own), SQLite's own, and the catalog's full-text index,
 * which triggers rebuild from `tools` as its rows are restored.
 */
export const INTERNAL_TABLES: Readonly<Record<string, string>> = {
  _migrations: "the restoring node's own migrations log",
  sqlite_sequence: "SQLite's autoincrement counters, advanced by the restored ids",
  tools_fts: "the full-text index over tools, rebuilt by triggers from the restored tools",
};

/** A cell passed through as the driver reads and binds it. */
const cell = customType<{ data: Cell; driverData: Cell }>({ dataType: () => "any" });

interface BackedUpTable {
  name: string;
  columns: string[];
  /** A table object over the same name and columns, with no column modes. */
  raw: SQLiteTable;
}

function schemaTables(): SQLiteTable[] {
  return (Object.values(schema) as unknown[]).filter((v): v is SQLiteTable => is(v, SQLiteTable));
}

/** Every table the schema defines, by name. */
export function schemaTableNames(): string[] {
  return schemaTables().map((t) => getTableConfig(t).name);
}

/**
 * The backed-up tables, parents before the tables that reference them, so rows go in in this
 * order and out in the reverse. `tool_settings` goes before `tools`: the full-text trigger on
 * `tools` reads a tool's short name from it.
 */
function orderedTables(): BackedUpTable[] {
  const configs = schemaTables().map((t) => getTableConfig(t)).filter((c) => !(c.name in EXCLUDED_TABLES));
  const byName = new Map(configs.map((c) => [c.name, c]));
  const parents = (name: string): string[] => {
    const c = byName.get(name)!;
    const refs = c.foreignKeys.map((fk) => getTableConfig(fk.reference().foreignTable).name);
    return name === "tools" ? [...refs, "tool_settings"] : refs;
  };
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name) || !byName.has(name)) return;
    seen.add(name);
    for (const p of parents(name)) visit(p);
    out.push(name);
  };
  for (const name of [...byName.keys()].sort()) visit(name);
  return out.map((name) => {
    const columns = byName.get(name)!.columns.map((c) => c.name);
    return { name, columns, raw: sqliteTable(name, Object.fromEntries(columns.map((c) => [c, cell(c)]))) };
  });
}

let tables: BackedUpTable[] | undefined;
const backedUp = () => (tables ??= orderedTables());

/** The names of the tables a backup holds, in restore order. */
export function backedUpTableNames(): string[] {
  return backedUp().map((t) => t.name);
}

/** The newest migration applied by this code: a backup records the schema its rows fit. */
export function schemaVersion(): string {
  return migrations.at(-1)!.tag;
}

/** Every backed-up table's rows, read as stored. */
export async function readTables(db: Database): Promise<TableRows[]> {
  const out: TableRows[] = [];
  for (const t of backedUp()) {
    const rows = (await db.select().from(t.raw)) as Record<string, Cell>[];
    out.push({ name: t.name, columns: t.columns, rows: rows.map((r) => t.columns.map((c) => r[c] ?? null)) });
  }
  return out;
}

/** Backed-up tables holding rows, with their counts. */
export async function tableCounts(db: Database): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of backedUp()) {
    const [row] = await db.all<{ n: number }>(sql`SELECT count(*) AS n FROM ${sql.identifier(t.name)}`);
    if (row && row.n > 0) out[t.name] = row.n;
  }
  return out;
}

export class TableMismatch extends Error {
  override name = "TableMismatch";
}

/** Throws a TableMismatch unless `given` are exactly this schema's backed-up tables, with their columns. */
export function checkRestoredTables(given: { name: string; columns: string[] }[]): void {
  const order = backedUp();
  for (const t of given) {
    const mine = order.find((o) => o.name === t.name);
    if (!mine) throw new TableMismatch(`table ${t.name} is not in this node's schema`);
    if (mine.columns.join(",") !== t.columns.join(",")) throw new TableMismatch(`table ${t.name} has columns ${t.columns.join(", ")}; this node's are ${mine.columns.join(", ")}`);
  }
  const names = new Set(given.map((t) => t.name));
  const missing = order.filter((t) => !names.has(t.name)).map((t) => t.name);
  if (missing.length) throw new TableMismatch(`the backup lacks tables this node has: ${missing.join(", ")}`);
}

/**
 * Replaces every backed-up table's rows with a restore's staged rows (`restore-staging.ts`), in
 * one batch with a new store generation, and drops them from the staging table: either all of it
 * is written or nothing is. Each row's cells are read from its JSON by SQLite itself, so the
 * batch is the same few statements whatever the backup's size. The tables must have passed
 * checkRestoredTables.
 */
export async function replaceFromStaging(db: Database, restore: string): Promise<void> {
  const order = backedUp();
  // drizzle's own INSERT … SELECT, so the statement goes in a batch on every driver (D1 included).
  const fill = (t: BackedUpTable) =>
    db.insert(t.raw).select(
      db
        .select(Object.fromEntries(t.columns.map((c, i) => [c, sql.raw(`json_extract(row, '$[${i}]')`).as(c)])))
        .from(restoreStaging)
        .where(and(eq(restoreStaging.restore, restore), eq(restoreStaging.tableName, t.name)))
        .orderBy(restoreStaging.seq),
    );
  // Directory entries are not backed up but belong to the registry whose rows are replaced: kept,
  // they would sit beside the backup's entries of the same slots, at positions past its log head.
  const registryRest = [db.delete(schema.directoryEntries), db.delete(schema.directorySources)];
  // The call sums of the replaced minutes: with no span left, the next reader sums the restored minutes.
  const derived = [db.delete(schema.callWindow), db.delete(schema.callWindowSpans)];
  const [first, ...rest] = [...registryRest, ...derived, ...[...order].reverse().map((t) => db.delete(t.raw)), ...order.map(fill), db.delete(restoreStaging).where(eq(restoreStaging.restore, restore))];
  await db.batch([first!, ...rest, newGeneration(db), newSearchGeneration(db)]);
}
