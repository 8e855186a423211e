// The operator's decisions on grants: list, approve, deny, revoke. Each decision goes to the audit trail.
import type { Database } from "../../../store/database.ts";
import { decideGrant, grantView, listGrants, revokeGrant, type GrantRow } from "../../../store/access/grants.ts";
import type { AuditTrail } from "../audit/audit-trail.ts";

export { MAX_GRANT_TTL_SECONDS } from "../../../store/access/grants.ts";

export interface OperatorGrantPorts {
  db: Database;
  access: { audit: Pick<AuditTrail, "append"> };
}

export type GrantView = ReturnType<typeof grantView>;

export async function grantsWithStatus(s: OperatorGrantPorts, status: GrantRow["status"] | undefined): Promise<GrantView[]> {
  return (await listGrants(s.db, { status })).map(grantView);
}

/** The approved grant, or undefined when no pending request has this id. */
export async function approveGrant(s: OperatorGrantPorts, id: string, ttlSeconds: number | undefined): Promise<GrantView | undefined> {
  const g = await decideGrant(s.db, id, { approve: true, decidedBy: "operator", reason: "approved by the operator", ttlSeconds });
  if (!g) return undefined;
  await s.access.audit.append({ actor: "operator", action: "grant.decide", target: g.id, decision: "allow", reason: g.reason, details: { ttlSeconds: g.ttlSeconds } });
  return grantView(g);
}

/** The denied request, or undefined when no pending request has this id. */
export async function denyGrant(s: OperatorGrantPorts, id: string, reason: string): Promise<GrantView | undefined> {
  const g = await decideGrant(s.db, id, { approve: false, decidedBy: "operator", reason });
  if (!g) return undefined;
  await s.access.audit.append({ actor: "operator", action: "grant.decide", target: g.id, decision: "deny", reason });
  return grantView(g);
}

/** The revoked grant, or undefined when no active or pending grant has this id. */
export async function revokeGrantByOperator(s: OperatorGrantPorts, id: string): Promise<GrantView | undefined> {
  const g = await revokeGrant(s.db, id, "operator");
  if (!g) return undefined;
  await s.access.audit.append({ actor: "operator", action: "grant.revoke", target: g.id, decision: "ok", reason: "revoked by the operator" });
  return grantView(g);
}
