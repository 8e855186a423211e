// A migrated in-memory libSQL database whose statements are counted: for tests that a hot path
// runs no more queries than it should. Counting starts after the migrations.
import { createClient } from "@libsql/client";
import { drizzle } from "drizzle-orm/libsql";
import { migrate, type Database } from "../../src/store/database.ts";
import * as schema from "../../src/store/schema/index.ts";

export interface CountedDatabase {
  db: Database;
  /** The SQL of every statement since the last `during` began, in order. */
  statements: string[];
  /** Runs `work` and returns the statements it ran. */
  during(work: () => Promise<unknown>): Promise<string[]>;
}

export async function countedMemoryDb(): Promise<CountedDatabase> {
  const statements: string[] = [];
  let counting = false;
  const db = drizzle(createClient({ url: ":memory:" }), { schema, logger: { logQuery: (q: string) => void (counting && statements.push(q)) } }) as Database;
  await migrate(db);
  return {
    db,
    statements,
    async during(work) {
      statements.length = 0;
      counting = true;
      try {
        await work();
      } finally {
        counting = false;
      }
      return [...statements];
    },
  };
}
