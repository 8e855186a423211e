// Start-up shared by the two local runtimes (Node, and Deno through its node: compatibility):
// the data folder, a generated admin token, and the embedded libSQL database.
import { createClient, type Client } from "@libsql/client";
import { drizzle } from "drizzle-orm/libsql";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { loadConfig, type Config, type Env } from "../config.ts";
import { migrate, type Database } from "../store/database.ts";
import * as schema from "../store/schema.ts";

// Kept apart so that Deno Deploy can print them without importing the native libSQL client.
export { banner, failStart } from "./startup.ts";

export interface LocalStart {
  config: Config;
  db: Database;
  client: Client;
  dataDir: string;
}

/** Reads ADMIN_TOKEN from the data folder, or makes one and says so once. */
function adminToken(dataDir: string): string {
  const file = join(dataDir, "admin-token");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  const token = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url");
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  console.log(`Generated an admin token (saved in ${file}); the CLI reads it from there:\n  ADMIN_TOKEN=${token}`);
  return token;
}

export async function startLocal(env: Env): Promise<LocalStart> {
  const dataDir = resolve(env.DATA_DIR ?? "data");
  mkdirSync(dataDir, { recursive: true });
  const config = loadConfig({ ...env, ADMIN_TOKEN: env.ADMIN_TOKEN || adminToken(dataDir) });
  const url = config.libsqlUrl ?? `file:${join(dataDir, "node.db")}`;
  const client = createClient({ url, ...(config.libsqlAuthToken ? { authToken: config.libsqlAuthToken } : {}) });
  if (url.startsWith("file:")) {
    // WAL lets the CLI and tests read while the node writes; the timeout rides out short locks.
    await client.execute("PRAGMA journal_mode = WAL");
    await client.execute("PRAGMA busy_timeout = 5000");
    await client.execute("PRAGMA synchronous = NORMAL");
  }
  const db = drizzle(client, { schema }) as Database;
  await migrate(db);
  return { config, db, client, dataDir };
}
