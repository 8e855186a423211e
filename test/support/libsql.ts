// Real libSQL databases for tests, migrated: in memory for one module's storage, or opened the
// way src/runtimes/local.ts opens a node's (an embedded file in a fresh folder, WAL).
import { createClient, type Client } from "@libsql/client";
import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/libsql";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { migrate, type Database } from "../../src/store/database.ts";
import * as schema from "../../src/store/schema/index.ts";

export interface TestDatabase {
  db: Database;
  close: () => void;
}

async function migrated(client: Client): Promise<Database> {
  const db = drizzle(client, { schema }) as Database;
  await migrate(db);
  return db;
}

export async function memoryDb(): Promise<Database> {
  return migrated(createClient({ url: ":memory:" }));
}

export async function openTestDatabase(): Promise<TestDatabase> {
  const dir = mkdtempSync(join(tmpdir(), "mcpfed-registry-"));
  const { db, close } = await openDatabaseFile(join(dir, "node.db"));
  return {
    db,
    close: () => {
      close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Opens (or reopens, as a restarted node would) a database file the caller owns and removes. */
export async function openDatabaseFile(file: string): Promise<TestDatabase> {
  const client = createClient({ url: `file:${file}` });
  await client.execute("PRAGMA journal_mode = WAL");
  await client.execute("PRAGMA synchronous = NORMAL");
  return {
    db: await migrated(client),
    close: () => client.close(),
  };
}

/** How many ledger records a node's database file holds, read while the node runs. */
export async function ledgerRecordCount(dataDir: string): Promise<number> {
  const store = await openDatabaseFile(join(dataDir, "node.db"));
  try {
    return (await store.db.all<{ n: number }>(sql`SELECT count(*) AS n FROM ledger_records`))[0]!.n;
  } finally {
    store.close();
  }
}
