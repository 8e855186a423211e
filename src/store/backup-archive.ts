// The backups the tick keeps (table backup_archive): each file in parts small enough for a D1 row.
import { desc, eq, inArray, sql } from "drizzle-orm";
import { concat, fromBase64url, toBase64url } from "../protocol/encoding/bytes.ts";
import type { Database } from "./database.ts";
import { backupArchive } from "./schema/index.ts";

// 768 KiB of file, about 1 MiB of base64url: under D1's 2 MB row limit.
const PART_BYTES = 768 * 1024;

export interface KeptBackup {
  id: string;
  created: number;
  bytes: number;
}

/** Stores a file and deletes all but the newest `keep`, in one batch. */
export async function keepBackup(db: Database, b: KeptBackup, file: Uint8Array, keep: number): Promise<void> {
  const parts = [];
  for (let i = 0, part = 0; i < file.length; i += PART_BYTES, part++) parts.push({ ...b, part, data: toBase64url(file.subarray(i, i + PART_BYTES)) });
  const older = (await listBackups(db)).slice(Math.max(0, keep - 1)).map((k) => k.id);
  await db.batch([db.delete(backupArchive).where(inArray(backupArchive.id, older.length ? older : [""])), ...parts.map((p) => db.insert(backupArchive).values(p))]);
}

/** Kept backups, newest first. */
export async function listBackups(db: Database): Promise<KeptBackup[]> {
  return db
    .select({ id: backupArchive.id, created: backupArchive.created, bytes: backupArchive.bytes })
    .from(backupArchive)
    .where(eq(backupArchive.part, 0))
    .orderBy(desc(backupArchive.created), desc(backupArchive.id));
}

/** A kept file, whole; undefined when there is none by that id. */
export async function readBackup(db: Database, id: string): Promise<Uint8Array | undefined> {
  const rows = await db.select({ data: backupArchive.data }).from(backupArchive).where(eq(backupArchive.id, id)).orderBy(backupArchive.part);
  if (rows.length === 0) return undefined;
  return concat(...rows.map((r) => fromBase64url(r.data)));
}

/** Seconds since the epoch of the newest kept backup, or undefined. */
export async function newestBackupAt(db: Database): Promise<number | undefined> {
  const [row] = await db.select({ at: sql<number>`max(${backupArchive.created})` }).from(backupArchive);
  return row?.at ?? undefined;
}
