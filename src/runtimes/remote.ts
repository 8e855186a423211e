// A libSQL server (Turso, sqld) over HTTP. The web client needs no native addon, so this is the
// store for runtimes without a disk: Workers (instead of D1) and Deno Deploy.
import { createClient } from "@libsql/client/web";
import { drizzle } from "drizzle-orm/libsql/web";
import type { Config } from "../node/settings/config.ts";
import { migrate, type Database } from "../store/database.ts";
import * as schema from "../store/schema/index.ts";

export async function openRemote(config: Config & { libsqlUrl: string }): Promise<Database> {
  const client = createClient({ url: config.libsqlUrl, ...(config.libsqlAuthToken ? { authToken: config.libsqlAuthToken } : {}) });
  const db = drizzle(client, { schema }) as Database;
  await migrate(db);
  return db;
}
