// Principals' own credentials for per-principal upstreams, sealed at rest under the upstream and
// the principal: a value copied to another principal's row, or read without NODE_SEED, opens nowhere.
import { and, eq, sql } from "drizzle-orm";
import type { SecretBox } from "../../secrets/sealed-box.ts";
import type { Database } from "../../store/database.ts";
import { upstreamCredentials } from "../../store/schema/index.ts";

export type CredentialKind = (typeof upstreamCredentials.$inferSelect)["kind"];

export interface CredentialEntry {
  principal: string;
  kind: CredentialKind;
  createdAt: string;
  updatedAt: string;
}

function context(upstream: string, principal: string): string {
  return `upstream-credentials/${upstream}/${principal}`;
}

export class UpstreamCredentials {
  constructor(
    private readonly db: Database,
    private readonly box: SecretBox,
  ) {}

  /** The principal's credential, opened; re-sealed on the way if an older NODE_SEED sealed it. */
  async get<T>(upstream: string, principal: string): Promise<{ kind: CredentialKind; value: T } | undefined> {
    const [row] = await this.db
      .select()
      .from(upstreamCredentials)
      .where(and(eq(upstreamCredentials.upstream, upstream), eq(upstreamCredentials.principal, principal)))
      .limit(1);
    if (!row) return undefined;
    const plain = await this.box.open(row.secret, context(upstream, principal));
    if (!(await this.box.current(row.secret))) await this.put(upstream, principal, row.kind, JSON.parse(plain));
    return { kind: row.kind, value: JSON.parse(plain) as T };
  }

  async put(upstream: string, principal: string, kind: CredentialKind, value: unknown): Promise<void> {
    const secret = await this.box.seal(JSON.stringify(value), context(upstream, principal));
    await this.db
      .insert(upstreamCredentials)
      .values({ upstream, principal, kind, secret })
      .onConflictDoUpdate({
        target: [upstreamCredentials.upstream, upstreamCredentials.principal],
        set: { kind, secret, updatedAt: sql`(unixepoch('subsec') * 1000)` },
      });
  }

  /** False when the principal held no credential for the upstream. */
  async remove(upstream: string, principal: string): Promise<boolean> {
    const gone = await this.db
      .delete(upstreamCredentials)
      .where(and(eq(upstreamCredentials.upstream, upstream), eq(upstreamCredentials.principal, principal)))
      .returning({ principal: upstreamCredentials.principal });
    return gone.length > 0;
  }

  /** Who holds a credential for the upstream: never the values. */
  async list(upstream: string): Promise<CredentialEntry[]> {
    const rows = await this.db
      .select({
        principal: upstreamCredentials.principal,
        kind: upstreamCredentials.kind,
        createdAt: upstreamCredentials.createdAt,
        updatedAt: upstreamCredentials.updatedAt,
      })
      .from(upstreamCredentials)
      .where(eq(upstreamCredentials.upstream, upstream))
      .orderBy(upstreamCredentials.principal);
    return rows.map((r) => ({ ...r, createdAt: new Date(r.createdAt).toISOString(), updatedAt: new Date(r.updatedAt).toISOString() }));
  }
}
