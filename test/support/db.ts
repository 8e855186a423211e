// A real, migrated libSQL database in memory, for tests of one module's storage.
import { createClient } from "@libsql/client";
import { drizzle } from "drizzle-orm/libsql";
import { migrate, type Database } from "../../src/store/database.ts";
import * as schema from "../../src/store/schema/index.ts";

export async function memoryDb(): Promise<Database> {
  const db = drizzle(createClient({ url: ":memory:" }), { schema }) as Database;
  await migrate(db);
  return db;
}
