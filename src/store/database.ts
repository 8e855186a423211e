// One database type for every driver: embedded libSQL, a libSQL URL, or a D1 binding.
import { sql } from "drizzle-orm";
import type { LibSQLDatabase } from "drizzle-orm/libsql";
import { integer, sqliteTable, text, type BaseSQLiteDatabase } from "drizzle-orm/sqlite-core";
import { migrations } from "./migrations.gen.ts";
import type * as schema from "./schema/index.ts";

/**
 * The drizzle database every module uses. The libSQL and D1 drivers differ only in their
 * run-result type, and both offer an atomic `batch`, which the base type leaves out.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Database = BaseSQLiteDatabase<"async", any, typeof schema> & Pick<LibSQLDatabase<typeof schema>, "batch">;

// D1 binds at most 100 parameters per statement.
const MAX_PARAMS = 100;

/** Splits rows for multi-row inserts so that no statement binds more than D1 allows. */
export function chunks<T>(rows: T[], columns: number): T[][] {
  const size = Math.max(1, Math.floor(MAX_PARAMS / columns));
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

const prepared = new WeakMap<Database, Map<string, unknown>>();

/** A drizzle prepared query, built once per database: on hot paths, building costs more than running. */
export function prepareOnce<T>(db: Database, key: string, build: () => T): T {
  let queries = prepared.get(db);
  if (!queries) prepared.set(db, (queries = new Map()));
  if (!queries.has(key)) queries.set(key, build());
  return queries.get(key) as T;
}

// Written through a table object: drizzle's D1 batch cannot bind the parameters of raw SQL.
const migrationLog = sqliteTable("_migrations", { tag: text("tag").primaryKey(), appliedAt: integer("applied_at").notNull() });

/** Applies the embedded migrations not yet recorded. Safe to race from several isolates. */
export async function migrate(db: Database): Promise<void> {
  await db.run(sql`CREATE TABLE IF NOT EXISTS _migrations (tag TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)`);
  const rows = await db.all<{ tag: string }>(sql`SELECT tag FROM _migrations`);
  const applied = new Set(rows.map((r) => r.tag));
  for (const m of migrations) {
    if (applied.has(m.tag)) continue;
    try {
      const [first, ...rest] = [
        ...m.statements.map((s) => db.run(sql.raw(s))),
        db.insert(migrationLog).values({ tag: m.tag, appliedAt: Date.now() }),
      ];
      await db.batch([first!, ...rest]);
    } catch (err) {
      // Another isolate may have applied it between our read and our write.
      const done = await db.all(sql`SELECT 1 FROM _migrations WHERE tag = ${m.tag}`);
      if (done.length === 0) throw err;
    }
  }
}
