// Scheduled backups (BACKUP_SCHEDULE): on the tick, a backup once a period, kept in the store with
// the newest BACKUP_KEEP. Several isolates may run one tick at once; at worst both keep one.
import { keepBackup, listBackups, newestBackupAt, readBackup, type KeptBackup } from "../../store/backup-archive.ts";
import type { Database } from "../../store/database.ts";
import { makeBackup, type BackupParts } from "./backups.ts";
import type { DepositOutcome } from "./deposits.ts";

const PERIOD_SECONDS = { hourly: 3600, daily: 86_400, weekly: 7 * 86_400 } as const;

/** The backup made, if one was due, and how each deposit of it at a peer went (BACKUP_PEERS). */
export type BackupTickReport = { made: { id: string; bytes: number } | null; deposits?: DepositOutcome[] } | { error: string };

export async function scheduledBackup(s: BackupParts, now: number): Promise<{ id: string; bytes: number } | null> {
  const schedule = s.config.backup.schedule;
  if (schedule === "off") return null;
  const newest = await newestBackupAt(s.db);
  if (newest !== undefined && now - newest < PERIOD_SECONDS[schedule]) return null;
  const { file, header } = await makeBackup(s, now);
  await keepBackup(s.db, { id: header.id, created: header.created, bytes: file.length }, file, s.config.backup.keep);
  return { id: header.id, bytes: file.length };
}

/** The backups kept, newest first. */
export function keptBackups(s: { db: Database }): Promise<KeptBackup[]> {
  return listBackups(s.db);
}

/** A kept backup's file, or undefined. */
export function keptBackup(s: { db: Database }, id: string): Promise<Uint8Array | undefined> {
  return readBackup(s.db, id);
}
