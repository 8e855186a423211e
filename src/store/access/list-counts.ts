// How many rows each of the operator's access lists holds, counted in the store in one statement:
// a page that shows the first rows of each says how many there are without reading them.
import { sql } from "drizzle-orm";
import type { Database } from "../database.ts";
import { apiTokens, auditLog, grants, oauthClients, policyRules, rateLimits } from "../schema/access.ts";

export interface AccessCounts {
  clients: number;
  tokens: number;
  rules: number;
  limits: number;
  grants: number;
  /** Audit entries: the chain's last sequence number (entries are numbered from 1 without gaps), read from its key. */
  audit: number;
}

export async function accessCounts(db: Database): Promise<AccessCounts> {
  const [row] = await db.all<AccessCounts>(sql`SELECT
    (SELECT count(*) FROM ${oauthClients}) AS clients,
    (SELECT count(*) FROM ${apiTokens}) AS tokens,
    (SELECT count(*) FROM ${policyRules}) AS rules,
    (SELECT count(*) FROM ${rateLimits}) AS limits,
    (SELECT count(*) FROM ${grants}) AS grants,
    (SELECT coalesce(max(${auditLog.seq}), 0) FROM ${auditLog}) AS audit`);
  return { clients: Number(row?.clients ?? 0), tokens: Number(row?.tokens ?? 0), rules: Number(row?.rules ?? 0), limits: Number(row?.limits ?? 0), grants: Number(row?.grants ?? 0), audit: Number(row?.audit ?? 0) };
}
