// Start-up shared by the two local runtimes (Node, and Deno through its node: compatibility):
// the data folder, a generated admin token, and the embedded libSQL database.
import { createClient, type Client } from "@libsql/client";
import { drizzle } from "drizzle-orm/libsql";
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { stdout } from "node:process";
import { loadConfig, type Config, type Env } from "../node/settings/config.ts";
import { newSeed } from "../protocol/identity/seed.ts";
import { migrate, type Database } from "../store/database.ts";
import * as schema from "../store/schema/index.ts";

// Kept apart so that Deno Deploy can print them without importing the native libSQL client.
export { banner, failStart } from "./startup.ts";

export interface LocalStart {
  config: Config;
  db: Database;
  client: Client;
  dataDir: string;
  /**
   * Copies the WAL into the database file and empties it. Run once start-up's writes are done: a
   * secret sealed in place at start then leaves no plaintext in an older page or WAL frame.
   */
  checkpoint: () => Promise<void>;
}

// The data folder holds the node's seed, its admin token and its upstreams' credentials (sealed, but
// the seed may sit beside them): only the node's own user may read any of it. Folders and files an
// older version left readable by others are tightened at start.
const PRIVATE_FOLDER = 0o700;
const PRIVATE_FILE = 0o600;

function tighten(path: string, mode: number): void {
  if (!existsSync(path)) return;
  if ((statSync(path).mode & 0o777 & ~mode) !== 0) chmodSync(path, mode);
}

/** The embedded database's file, and the WAL and shared-memory files SQLite keeps beside it. */
function databaseFiles(url: string): string[] {
  const path = url.slice("file:".length).split("?")[0]!;
  return [path, `${path}-wal`, `${path}-shm`];
}

/** Reads a secret from the data folder, or makes one there on first start. */
function generated(dataDir: string, name: string, make: () => string): { value: string; created: boolean } {
  const file = join(dataDir, name);
  if (existsSync(file)) {
    tighten(file, PRIVATE_FILE);
    return { value: readFileSync(file, "utf8").trim(), created: false };
  }
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
  mkdirSync(dataDir, { recursive: true, mode: PRIVATE_FOLDER });
  tighten(dataDir, PRIVATE_FOLDER);
  const config = loadConfig({
    ...env,
    ADMIN_TOKEN: env.ADMIN_TOKEN || adminToken(dataDir),
    NODE_SEED: env.NODE_SEED || nodeSeed(dataDir),
  });
  const url = config.libsqlUrl ?? `file:${join(dataDir, "node.db")}`;
  const embedded = url.startsWith("file:");
  if (embedded) {
    // SQLite gives the WAL and shared-memory files the database file's mode: create it private.
    const [file] = databaseFiles(url);
    closeSync(openSync(file!, "a", PRIVATE_FILE));
  }
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
    // A secret sealed in place (a plaintext row migrated at start) leaves no copy in the page's free space.
    await client.execute("PRAGMA secure_delete = FAST");
    for (const file of databaseFiles(url)) tighten(file, PRIVATE_FILE);
  }
  const db = drizzle(client, { schema }) as Database;
  await migrate(db);
  const checkpoint = async () => {
    if (embedded) await client.execute("PRAGMA wal_checkpoint(TRUNCATE)");
  };
  return { config, db, client, dataDir, checkpoint };
}
