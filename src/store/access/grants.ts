// Grants as stored: a request, then the decision (by a policy rule or the operator), then use
// until it expires or is revoked.
import { and, desc, eq, gt } from "drizzle-orm";
import { randomSecret } from "../../secrets/token-secrets.ts";
import type { Database } from "../database.ts";
import { grants } from "../schema/access.ts";
import { createdAfter, type CreatedAfter } from "./list-cursor.ts";

export type GrantRow = typeof grants.$inferSelect;
export type GrantStatus = GrantRow["status"] | "expired";

export const DEFAULT_GRANT_TTL_SECONDS = 3600;
export const MAX_GRANT_TTL_SECONDS = 30 * 86_400;

/** The status as seen now: an active grant past its expiry reads as expired. */
export function statusOf(g: GrantRow, now = Date.now()): GrantStatus {
  return g.status === "active" && g.expiresAt !== null && g.expiresAt <= now ? "expired" : g.status;
}

export async function createGrantRequest(
  db: Database,
  r: { holder: string; agentId: string; resource: string; scope: string; justification: string; ttlSeconds: number },
): Promise<GrantRow> {
  const [row] = await db
    .insert(grants)
    .values({ id: `grant_${randomSecret(12)}`, ...r, status: "pending", createdAt: Date.now() })
    .returning();
  return row!;
}

export async function getGrant(db: Database, id: string): Promise<GrantRow | undefined> {
  const [row] = await db.select().from(grants).where(eq(grants.id, id)).limit(1);
  return row;
}

/** Decides a pending request; undefined when it is not pending (any more). */
export async function decideGrant(
  db: Database,
  id: string,
  d: { approve: boolean; decidedBy: string; reason: string; ttlSeconds?: number | undefined },
): Promise<GrantRow | undefined> {
  const pending = await getGrant(db, id);
  if (!pending || pending.status !== "pending") return undefined;
  const now = Date.now();
  const ttl = Math.min(d.ttlSeconds ?? pending.ttlSeconds, MAX_GRANT_TTL_SECONDS);
  const [row] = await db
    .update(grants)
    .set(
      d.approve
        ? { status: "active", decidedBy: d.decidedBy, reason: d.reason, decidedAt: now, ttlSeconds: ttl, expiresAt: now + ttl * 1000 }
        : { status: "denied", decidedBy: d.decidedBy, reason: d.reason, decidedAt: now },
    )
    .where(and(eq(grants.id, id), eq(grants.status, "pending")))
    .returning();
  return row;
}

/** Revokes an active or pending grant; undefined when there was none to revoke. */
export async function revokeGrant(db: Database, id: string, by: string): Promise<GrantRow | undefined> {
  const g = await getGrant(db, id);
  if (!g || (g.status !== "active" && g.status !== "pending")) return undefined;
  const [row] = await db
    .update(grants)
    .set({ status: "revoked", reason: `revoked by ${by}`, decidedAt: Date.now() })
    .where(and(eq(grants.id, id), eq(grants.status, g.status)))
    .returning();
  return row;
}

/** The holder's grants in force now. */
export function activeGrants(db: Database, holder: string) {
  return db
    .select()
    .from(grants)
    .where(and(eq(grants.holder, holder), eq(grants.status, "active"), gt(grants.expiresAt, Date.now())))
    .orderBy(desc(grants.createdAt));
}

/** Newest first (then by id, descending), after `after` when given. */
export function listGrants(db: Database, filter: { status?: GrantRow["status"] | undefined; holder?: string | undefined; limit?: number; after?: CreatedAfter }) {
  const where = [
    ...(filter.status ? [eq(grants.status, filter.status)] : []),
    ...(filter.holder ? [eq(grants.holder, filter.holder)] : []),
    ...(filter.after ? [createdAfter(grants.createdAt, grants.id, filter.after, "desc")] : []),
  ];
  return db
    .select()
    .from(grants)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(grants.createdAt), desc(grants.id))
    .limit(filter.limit ?? 500);
}

export function grantView(g: GrantRow) {
  const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
  return {
    id: g.id,
    status: statusOf(g),
    holder: g.holder,
    agentId: g.agentId,
    resource: g.resource,
    scope: g.scope,
    justification: g.justification,
    ttlSeconds: g.ttlSeconds,
    decidedBy: g.decidedBy,
    reason: g.reason,
    createdAt: iso(g.createdAt),
    decidedAt: iso(g.decidedAt),
    expiresAt: iso(g.expiresAt),
  };
}
