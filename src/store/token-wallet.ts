// The consumer's wallet: tokens bought from issuers, sealed by the caller, taken out once.
import { and, asc, count, eq, gt, inArray, lte } from "drizzle-orm";
import { chunks, type Database } from "./database.ts";
import { walletTokens } from "./schema/index.ts";

export type WalletRow = typeof walletTokens.$inferSelect;

export async function addWalletTokens(db: Database, rows: WalletRow[]): Promise<void> {
  const [first, ...rest] = chunks(rows, 8).map((c) => db.insert(walletTokens).values(c));
  if (first) await db.batch([first, ...rest]);
}

/**
 * Takes `n` of `issuer`'s tokens still valid after `now` out of the wallet, soonest to expire first,
 * in one statement (two callers never take the same token); if fewer than `n` are held, takes none.
 */
export async function takeWalletTokens(db: Database, issuer: string, n: number, now: number): Promise<WalletRow[] | undefined> {
  const chosen = db
    .select({ id: walletTokens.id })
    .from(walletTokens)
    .where(and(eq(walletTokens.issuer, issuer), gt(walletTokens.expiresAt, now)))
    .orderBy(asc(walletTokens.expiresAt))
    .limit(n);
  const taken = await db.delete(walletTokens).where(inArray(walletTokens.id, chosen)).returning();
  if (taken.length === n) return taken;
  if (taken.length > 0) await addWalletTokens(db, taken);
  return undefined;
}

/** Puts tokens back that were taken but never sent. */
export const returnWalletTokens = addWalletTokens;

export async function pruneWallet(db: Database, now: number): Promise<void> {
  await db.delete(walletTokens).where(lte(walletTokens.expiresAt, now));
}

export interface WalletHolding {
  issuer: string;
  keyId: string;
  unit: string;
  value: number;
  expiresAt: number;
  count: number;
}

export function walletHoldings(db: Database, now: number): Promise<WalletHolding[]> {
  return db
    .select({ issuer: walletTokens.issuer, keyId: walletTokens.keyId, unit: walletTokens.unit, value: walletTokens.value, expiresAt: walletTokens.expiresAt, count: count() })
    .from(walletTokens)
    .where(gt(walletTokens.expiresAt, now))
    .groupBy(walletTokens.issuer, walletTokens.keyId, walletTokens.unit, walletTokens.value, walletTokens.expiresAt)
    .orderBy(asc(walletTokens.issuer), asc(walletTokens.expiresAt));
}
