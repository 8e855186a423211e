// Start-up shared by the two local runtimes (Node, and Deno through its node: compatibility):
// the data folder, a generated admin token, and the embedded libSQL database.
import { createClient, type Client } from "@libsql/client";
import { drizzle } from "drizzle-orm/libsql";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { stdout } from "node:process";
import { loadConfig, type Config, type Env } from "../config.ts";
import { newSeed } from "../identity/seed.ts";
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

/** Reads a secret from the data folder, or makes one there on first start. */
function generated(dataDir: string, name: string, make: () => string): { value: string; created: boolean } {
  const file = join(dataDir, name);
  if (existsSync(file)) return { value: readFileSync(file, "utf8").trim(), created: false };
  const value = make();
  writeFileSync(file, `${value}\n`, { mode: 0o600 });
  return { value, created: true };
}

/** The value is shown only on a terminal: output sent to a file or a log collector keeps no copy. */
function adminToken(dataDir: string): string {
  const { value, created } = generated(dataDir, "admin-token", newSeed);
  if (created) {
    const saved = `Generated an admin token (saved in ${join(dataDir, "admin-token")}); the CLI reads it from there`;
    console.log(stdout.isTTY ? `${saved}:\n  ADMIN_TOKEN=${value}` : `${saved}. Output is not a terminal, so it is not printed here.`);
  }
  return value;
}

/** The node's identity: generated once into the data folder, unless NODE_SEED is set. */
function nodeSeed(dataDir: string): string {
  const { value, created } = generated(dataDir, "node-seed", newSeed);
  if (created) console.log(`Generated NODE_SEED (saved in ${join(dataDir, "node-seed")}). Back it up: it is this node's identity.`);
  return value;
}

export async function startLocal(env: Env): Promise<LocalStart> {
  const dataDir = resolve(env.DATA_DIR ?? "data");
  mkdirSync(dataDir, { recursive: true });
  const config = loadConfig({
    ...env,
    ADMIN_TOKEN: env.ADMIN_TOKEN || adminToken(dataDir),
    NODE_SEED: env.NODE_SEED || nodeSeed(dataDir),
  });
  const url = config.libsqlUrl ?? `file:${join(dataDir, "node.db")}`;
  const embedded = url.startsWith("file:");
  // Embedded, one connection: the driver runs each statement synchronously anyway, and a second
  // connection of this process would only wait on the first's write lock through SQLite's busy
  // handler, which sleeps in whole milliseconds (the node uses no interactive transactions). The
  // busy timeout rides out locks held by other processes sharing the file.
  const client = createClient({
    url,
    ...(embedded ? { timeout: 5000, concurrency: 1 } : {}),
    ...(config.libsqlAuthToken ? { authToken: config.libsqlAuthToken } : {}),
  });
  if (embedded) {
    // WAL lets the CLI and tests read while the node writes.
    await client.execute("PRAGMA journal_mode = WAL");
    await client.execute("PRAGMA synchronous = NORMAL");
  }
  const db = drizzle(client, { schema }) as Database;
  await migrate(db);
  return { config, db, client, dataDir };
}
