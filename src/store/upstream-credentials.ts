// Principals' own credentials for per-principal upstreams, as stored: sealed values only
// (src/node/upstreams/credentials.ts seals and opens them).
import { and, eq, sql } from "drizzle-orm";
import type { Database } from "./database.ts";
import { upstreamCredentials } from "./schema/index.ts";

export type CredentialKind = (typeof upstreamCredentials.$inferSelect)["kind"];

export async function getCredential(db: Database, upstream: string, principal: string) {
  const [row] = await db
    .select()
    .from(upstreamCredentials)
    .where(and(eq(upstreamCredentials.upstream, upstream), eq(upstreamCredentials.principal, principal)))
    .limit(1);
  return row;
}

export async function putCredential(db: Database, upstream: string, principal: string, kind: CredentialKind, secret: string): Promise<void> {
  await db
    .insert(upstreamCredentials)
    .values({ upstream, principal, kind, secret })
    .onConflictDoUpdate({
      target: [upstreamCredentials.upstream, upstreamCredentials.principal],
      set: { kind, secret, updatedAt: sql`(unixepoch('subsec') * 1000)` },
    });
}

/** False when the principal held no credential for the upstream. */
export async function removeCredential(db: Database, upstream: string, principal: string): Promise<boolean> {
  const gone = await db
    .delete(upstreamCredentials)
    .where(and(eq(upstreamCredentials.upstream, upstream), eq(upstreamCredentials.principal, principal)))
    .returning({ principal: upstreamCredentials.principal });
  return gone.length > 0;
}

/** Who holds a credential for the upstream, and since when: never the values. */
export function credentialHolders(db: Database, upstream: string) {
  return db
    .select({
      principal: upstreamCredentials.principal,
      kind: upstreamCredentials.kind,
      createdAt: upstreamCredentials.createdAt,
      updatedAt: upstreamCredentials.updatedAt,
    })
    .from(upstreamCredentials)
    .where(eq(upstreamCredentials.upstream, upstream))
    .orderBy(upstreamCredentials.principal);
}
