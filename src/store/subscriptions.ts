// The grants this node bought: a subscription's signed grant, presented with each call it covers.
import { and, desc, eq, gt, lte } from "drizzle-orm";
import type { Database } from "./database.ts";
import { subscriptions } from "./schema/index.ts";

export interface Subscription {
  grantId: string;
  provider: string;
  tool: string;
  from: number;
  until: number;
  recordId: string;
}

/** Keeps a bought grant; `grant` is its canonical signed text. */
export async function saveSubscription(db: Database, s: Subscription & { grant: string }): Promise<void> {
  await db.insert(subscriptions).values(s);
}

/** The grant held for calls to `tool` at `provider` at `at`, the longest-running first: its id and signed text. */
export async function heldGrantText(db: Database, provider: string, tool: string, at: number): Promise<{ id: string; grant: string } | undefined> {
  const [row] = await db
    .select({ id: subscriptions.grantId, grant: subscriptions.grant })
    .from(subscriptions)
    .where(and(eq(subscriptions.provider, provider), eq(subscriptions.tool, tool), lte(subscriptions.from, at), gt(subscriptions.until, at)))
    .orderBy(desc(subscriptions.until))
    .limit(1);
  return row;
}

export async function listSubscriptions(db: Database): Promise<Subscription[]> {
  return db
    .select({ grantId: subscriptions.grantId, provider: subscriptions.provider, tool: subscriptions.tool, from: subscriptions.from, until: subscriptions.until, recordId: subscriptions.recordId })
    .from(subscriptions)
    .orderBy(desc(subscriptions.until));
}
