// OAuth clients as stored: registered ones, and metadata documents cached by their URL.
import { eq } from "drizzle-orm";
import type { Database } from "../database.ts";
import { oauthClients } from "../schema/access.ts";
import { createdAfter, type CreatedAfter } from "./list-cursor.ts";

export type ClientRow = typeof oauthClients.$inferSelect;
export type AuthMethod = ClientRow["authMethod"];

export async function insertClient(db: Database, values: typeof oauthClients.$inferInsert): Promise<ClientRow> {
  const [row] = await db.insert(oauthClients).values(values).returning();
  return row!;
}

export async function clientById(db: Database, clientId: string): Promise<ClientRow | undefined> {
  const [row] = await db.select().from(oauthClients).where(eq(oauthClients.clientId, clientId)).limit(1);
  return row;
}

/** Stores a fetched metadata document: a new client, or new metadata for a known one. */
export async function saveMetadataDocumentClient(
  db: Database,
  clientId: string,
  values: Pick<ClientRow, "name" | "redirectUris" | "metadata" | "fetchedAt">,
): Promise<ClientRow> {
  const [saved] = await db
    .insert(oauthClients)
    .values({ clientId, kind: "metadata-document", authMethod: "none", createdAt: Date.now(), ...values })
    .onConflictDoUpdate({ target: oauthClients.clientId, set: values })
    .returning();
  return saved!;
}

/** Oldest first (then by id); the first `limit` only when given, after `after` when given. */
export function listClients(db: Database, limit?: number, after?: CreatedAfter): Promise<ClientRow[]> {
  const q = db
    .select()
    .from(oauthClients)
    .where(after ? createdAfter(oauthClients.createdAt, oauthClients.clientId, after, "asc") : undefined)
    .orderBy(oauthClients.createdAt, oauthClients.clientId);
  return limit === undefined ? q : q.limit(limit);
}

/** The operator's settings for a client; undefined when there is no such client. */
export async function updateClient(
  db: Database,
  clientId: string,
  set: { roles?: string[] | undefined; preApproved?: boolean | undefined },
): Promise<ClientRow | undefined> {
  const [row] = await db.update(oauthClients).set(set).where(eq(oauthClients.clientId, clientId)).returning();
  return row;
}

/** Removes a client with its codes and sessions (they cascade); false when there was none. */
export async function deleteClient(db: Database, clientId: string): Promise<boolean> {
  const rows = await db.delete(oauthClients).where(eq(oauthClients.clientId, clientId)).returning();
  return rows.length > 0;
}
