// The issuer's tables (docs/protocol.md §15): its keys, its sales, the nonces of redeemed tokens,
// and how many each redemption for a provider took.
import { and, asc, count, eq, isNotNull, lte, sql, sum } from "drizzle-orm";
import type { Database } from "./database.ts";
import { tokenIssuerKeys, tokenRedemptionCounts, tokenRedemptions, tokenSales } from "./schema/index.ts";

export type IssuerKeyRow = typeof tokenIssuerKeys.$inferSelect;

export async function insertIssuerKey(db: Database, row: IssuerKeyRow): Promise<void> {
  await db.insert(tokenIssuerKeys).values(row);
}

/** Every key held, oldest first. */
export function listIssuerKeys(db: Database): Promise<IssuerKeyRow[]> {
  return db.select().from(tokenIssuerKeys).orderBy(asc(tokenIssuerKeys.notBefore));
}

export async function getIssuerKey(db: Database, keyId: string): Promise<IssuerKeyRow | undefined> {
  const [row] = await db.select().from(tokenIssuerKeys).where(eq(tokenIssuerKeys.keyId, keyId));
  return row;
}

/** Forgets the private halves of expired keys, and whole keys expired before `forgetBefore`. */
export async function retireIssuerKeys(db: Database, now: number, forgetBefore: number): Promise<void> {
  await db.batch([
    db.update(tokenIssuerKeys).set({ privateKey: null }).where(and(lte(tokenIssuerKeys.expiresAt, now), isNotNull(tokenIssuerKeys.privateKey))),
    db.delete(tokenIssuerKeys).where(lte(tokenIssuerKeys.expiresAt, forgetBefore)),
    db.delete(tokenRedemptions).where(lte(tokenRedemptions.keepUntil, now)),
    db.delete(tokenRedemptionCounts).where(lte(tokenRedemptionCounts.keepUntil, now)),
  ]);
}

/** Keeps how many tokens the redemption under `intentId` took. */
export async function recordRedemptionCount(db: Database, intentId: string, tokens: number, keepUntil: number): Promise<void> {
  await db.insert(tokenRedemptionCounts).values({ intentId, tokens, keepUntil });
}

/** How many tokens the redemption under `intentId` took, while it is kept. */
export async function redemptionCount(db: Database, intentId: string): Promise<number | undefined> {
  const [row] = await db.select({ tokens: tokenRedemptionCounts.tokens }).from(tokenRedemptionCounts).where(eq(tokenRedemptionCounts.intentId, intentId));
  return row?.tokens;
}

export async function recordSale(db: Database, row: typeof tokenSales.$inferInsert): Promise<void> {
  await db.insert(tokenSales).values(row);
}

/**
 * Marks the nonces spent, all or none: one multi-row insert (at most 32 rows, 96 parameters: within
 * D1's limit) that skips nonces already held; if it skipped any, the rows it did add are taken back
 * and the answer is false.
 */
export async function spendNonces(db: Database, nonces: string[], hour: number, keepUntil: number): Promise<boolean> {
  const added = await db
    .insert(tokenRedemptions)
    .values(nonces.map((nonce) => ({ nonce, hour, keepUntil })))
    .onConflictDoNothing()
    .returning({ nonce: tokenRedemptions.nonce });
  if (added.length === nonces.length) return true;
  if (added.length > 0) await db.delete(tokenRedemptions).where(sql`${tokenRedemptions.nonce} IN (${sql.join(added.map((a) => sql`${a.nonce}`), sql`, `)})`);
  return false;
}

export interface IssuerTotals {
  sales: number;
  sold: number;
  redeemed: number;
}

export async function issuerTotals(db: Database): Promise<IssuerTotals> {
  const [[sales], [redeemed]] = await Promise.all([
    db.select({ sales: count(), sold: sum(tokenSales.count) }).from(tokenSales),
    db.select({ n: count() }).from(tokenRedemptions),
  ]);
  return { sales: sales?.sales ?? 0, sold: Number(sales?.sold ?? 0), redeemed: redeemed?.n ?? 0 };
}
