// The rows of a backup being made, in the file's order (schema/backup-sort.ts): each backed-up
// table is copied into `backup_sort` a page at a time, read by rowid (every table here is a rowid
// table, and the rowid is SQLite's own key of its rows), then read back a page at a time in the
// order of its sort key, which SQLite keeps in the primary key's index. A table is never held
// whole, and the copy is what every reading sees, however the live table changes meanwhile.
import { and, asc, eq, lt, sql } from "drizzle-orm";
import { canonicalJson } from "../protocol/encoding/canonical-json.ts";
import type { Cell } from "../protocol/backup/file.ts";
import { rowFromSortKey, rowSortKey } from "../protocol/backup/row-order.ts";
import type { SortedTable } from "../protocol/backup/seal.ts";
import { backedUpTables, type BackedUpTable } from "./backup-tables.ts";
import { chunks, type Database } from "./database.ts";
import { backupSort } from "./schema/index.ts";

/** Rows read or written per statement batch: what a backup holds in memory at once. */
export const PAGE_ROWS = 200;
/** A backup's rows older than this are a dead process's: any later backup drops them. */
const ABANDONED_AFTER_SECONDS = 24 * 3600;

export class BackupSort {
  constructor(
    private readonly db: Database,
    readonly backup: string,
    private readonly started: number,
  ) {}

  /** Copies every backed-up table in, and drops what backups that never finished left behind. */
  async copyTables(): Promise<SortedTable[]> {
    await this.db.delete(backupSort).where(lt(backupSort.started, this.started - ABANDONED_AFTER_SECONDS));
    const out: SortedTable[] = [];
    for (const t of backedUpTables()) {
      await this.copy(t);
      out.push({ name: t.name, columns: t.columns, pages: () => this.pages(t.name) });
    }
    return out;
  }

  private async copy(t: BackedUpTable): Promise<void> {
    const fields = Object.fromEntries(t.columns.map((c) => [c, sql<Cell>`${sql.identifier(c)}`.as(c)]));
    let after: number | undefined;
    let seq = 0;
    for (;;) {
      const page = (await this.db
        .select({ _rowid: sql<number>`rowid`.as("_rowid"), ...fields })
        .from(t.raw)
        .where(after === undefined ? undefined : sql`rowid > ${after}`)
        .orderBy(sql`rowid`)
        .limit(PAGE_ROWS)) as Record<string, Cell>[];
      if (!page.length) return;
      after = Number(page.at(-1)!._rowid);
      const values = page.map((r) => ({ backup: this.backup, tableName: t.name, key: rowSortKey(canonicalJson(t.columns.map((c) => r[c] ?? null))), seq: seq++, started: this.started }));
      const [head, ...rest] = chunks(values, 5).map((part) => this.db.insert(backupSort).values(part));
      await this.db.batch([head!, ...rest]);
    }
  }

  /** A table's rows in the file's order, a page at a time, from after the last one read. */
  private async *pages(tableName: string): AsyncIterable<string[]> {
    let after: { key: string; seq: number } | undefined;
    for (;;) {
      const page = await this.db
        .select({ key: backupSort.key, seq: backupSort.seq })
        .from(backupSort)
        .where(and(eq(backupSort.backup, this.backup), eq(backupSort.tableName, tableName), after ? sql`(${backupSort.key}, ${backupSort.seq}) > (${after.key}, ${after.seq})` : undefined))
        .orderBy(asc(backupSort.key), asc(backupSort.seq))
        .limit(PAGE_ROWS);
      if (!page.length) return;
      after = page.at(-1)!;
      yield page.map((r) => rowFromSortKey(r.key));
    }
  }

  async drop(): Promise<void> {
    await this.db.delete(backupSort).where(eq(backupSort.backup, this.backup));
  }
}
