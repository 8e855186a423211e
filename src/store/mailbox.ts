// The messages a mailbox holds (docs/protocol.md §20.6), shared by every instance of the node
// through the store: a message is taken by one poll only, and its answer reaches whichever
// instance holds the caller's request.
import { and, asc, count, eq, inArray, isNull, lt } from "drizzle-orm";
import type { Database } from "./database.ts";
import { mailboxMessages } from "./schema/index.ts";

export interface Deposit {
  id: string;
  nodeId: string;
  body: string;
  now: number;
  expiresAt: number;
}

/** Stores a message unless `max` wait for that node already; false when full. */
export async function depositMessage(db: Database, d: Deposit, max: number): Promise<boolean> {
  const [row] = await db
    .select({ n: count() })
    .from(mailboxMessages)
    .where(and(eq(mailboxMessages.nodeId, d.nodeId), isNull(mailboxMessages.answer)));
  if ((row?.n ?? 0) >= max) return false;
  await db.insert(mailboxMessages).values({ id: d.id, nodeId: d.nodeId, body: d.body, createdAt: d.now, expiresAt: d.expiresAt });
  return true;
}

/** Takes the oldest waiting messages for a node, each by one poll only, until their bodies pass `maxChars`. */
export async function takeMessages(db: Database, nodeId: string, now: number, maxItems: number, maxChars: number): Promise<{ id: string; body: string }[]> {
  const waiting = await db
    .select({ id: mailboxMessages.id, body: mailboxMessages.body })
    .from(mailboxMessages)
    .where(and(eq(mailboxMessages.nodeId, nodeId), isNull(mailboxMessages.takenAt)))
    .orderBy(asc(mailboxMessages.createdAt), asc(mailboxMessages.id))
    .limit(maxItems);
  const picked: { id: string; body: string }[] = [];
  let chars = 0;
  for (const m of waiting) {
    if (picked.length > 0 && chars + m.body.length > maxChars) break;
    chars += m.body.length;
    picked.push(m);
  }
  if (picked.length === 0) return [];
  // Another instance's poll may have taken some meanwhile: only what this update claims is ours.
  const claimed = await db
    .update(mailboxMessages)
    .set({ takenAt: now })
    .where(and(inArray(mailboxMessages.id, picked.map((m) => m.id)), isNull(mailboxMessages.takenAt), eq(mailboxMessages.nodeId, nodeId)))
    .returning({ id: mailboxMessages.id });
  const ids = new Set(claimed.map((c) => c.id));
  return picked.filter((m) => ids.has(m.id));
}

/** Stores the node's answer to a message it took; false when there is no such message of that node waiting for one. */
export async function answerMessage(db: Database, nodeId: string, id: string, answer: string): Promise<boolean> {
  const rows = await db
    .update(mailboxMessages)
    .set({ answer })
    .where(and(eq(mailboxMessages.id, id), eq(mailboxMessages.nodeId, nodeId), isNull(mailboxMessages.answer)))
    .returning({ id: mailboxMessages.id });
  return rows.length > 0;
}

export interface HeldMessage {
  takenAt: number | null;
  answer: string | null;
}

export async function heldMessage(db: Database, id: string): Promise<HeldMessage | undefined> {
  const [row] = await db.select({ takenAt: mailboxMessages.takenAt, answer: mailboxMessages.answer }).from(mailboxMessages).where(eq(mailboxMessages.id, id));
  return row;
}

/** Removes a message; with `untakenOnly`, only while no poll took it (true when it was removed). */
export async function dropMessage(db: Database, id: string, untakenOnly: boolean): Promise<boolean> {
  const rows = await db
    .delete(mailboxMessages)
    .where(untakenOnly ? and(eq(mailboxMessages.id, id), isNull(mailboxMessages.takenAt)) : eq(mailboxMessages.id, id))
    .returning({ id: mailboxMessages.id });
  return rows.length > 0;
}

export async function pruneMessages(db: Database, now: number): Promise<void> {
  await db.delete(mailboxMessages).where(lt(mailboxMessages.expiresAt, now));
}
