// The AuthGuardian tools and resources: an agent asks for a time-limited permission on a tool
// (request_permission), checks a grant (validate_token) and gives it back (revoke_token); it reads
// its grants in force (grants://active) and their history (grants://audit).
import { ProtocolError, ProtocolErrorCode, type CallToolResult, type Resource, type Tool } from "@modelcontextprotocol/server";
import { z } from "zod";
import { listAudit } from "../audit/audit-trail.ts";
import { hasScope } from "../principals/principal.ts";
import { SCOPES } from "../principals/scopes.ts";
import { listTools } from "../../../store/catalog.ts";
import { decideRequest, factsOf } from "../policy/engine.ts";
import type { PolicyStore } from "../policy/rules.ts";
import type { AuditTrail } from "../audit/audit-trail.ts";
import type { Keys } from "../credentials/keys.ts";
import type { Caller } from "../principals/caller.ts";
import type { Database } from "../../../store/database.ts";
import {
  activeGrants,
  createGrantRequest,
  decideGrant,
  DEFAULT_GRANT_TTL_SECONDS,
  getGrant,
  grantView,
  listGrants,
  MAX_GRANT_TTL_SECONDS,
  revokeGrant,
  statusOf,
  type GrantRow,
} from "../../../store/access/grants.ts";
import { holderOf, InvalidGrantError, signGrant, type GrantVerifier } from "./tokens.ts";
import { resourceCovers } from "./use.ts";

/** What the grant tools need: the grants and catalog in the store, this node's id and keys, policy and audit. */
export interface GrantToolPorts {
  db: Database;
  nodeId: string;
  access: {
    keys: Keys;
    grants: Pick<GrantVerifier, "verify">;
    policy: Pick<PolicyStore, "rules">;
    audit: Pick<AuditTrail, "append">;
  };
}

export const REQUEST_PERMISSION = "request_permission";
export const VALIDATE_TOKEN = "validate_token";
export const REVOKE_TOKEN = "revoke_token";
export const GRANTS_ACTIVE = "grants://active";
export const GRANTS_AUDIT = "grants://audit";

const requestArgs = z.union([
  z.object({ request_id: z.string().min(1).max(100) }).strict(),
  z
    .object({
      agent_id: z.string().trim().min(1).max(200),
      resource: z.string().trim().min(1).max(300),
      justification: z.string().trim().min(1).max(2000),
      scope: z.string().trim().min(1).max(200).default("call"),
      ttl_seconds: z.number().int().min(1).max(MAX_GRANT_TTL_SECONDS).default(DEFAULT_GRANT_TTL_SECONDS),
    })
    .strict(),
]);
const validateArgs = z.object({ token: z.string().min(1).max(4000) }).strict();
const revokeArgs = z.union([z.object({ token: z.string().min(1).max(4000) }).strict(), z.object({ grant_id: z.string().min(1).max(100) }).strict()]);

export const grantTools: Tool[] = [
  {
    name: REQUEST_PERMISSION,
    title: "Request permission",
    description:
      "Asks for a time-limited permission grant to call a tool that needs one. Policy approves, denies, or leaves the request to the operator (status pending: call again with request_id to collect the grant). An approved grant applies to your calls automatically until it expires; its token can also be passed in _meta['mcpfed/grant'].",
    inputSchema: {
      type: "object",
      properties: {
        agent_id: { type: "string", description: "Who is asking: your agent's name or id." },
        resource: { type: "string", description: "The tool: its name, its global id, or a pattern with * over global ids." },
        justification: { type: "string", description: "Why the permission is needed; the operator reads it." },
        scope: { type: "string", description: "What the grant is for; default 'call'." },
        ttl_seconds: { type: "integer", minimum: 1, maximum: MAX_GRANT_TTL_SECONDS, description: "How long the grant should last; default 3600." },
        request_id: { type: "string", description: "Instead of the above: a pending request to check on." },
      },
    },
  },
  {
    name: VALIDATE_TOKEN,
    title: "Validate a grant token",
    description: "Checks a permission grant token: whether it is valid now, what it covers and until when.",
    inputSchema: { type: "object", properties: { token: { type: "string" } }, required: ["token"] },
    annotations: { readOnlyHint: true, openWorldHint: false },
  },
  {
    name: REVOKE_TOKEN,
    title: "Revoke a grant",
    description: "Gives back a permission grant (by token or grant_id) before it expires, or withdraws a pending request.",
    inputSchema: { type: "object", properties: { token: { type: "string" }, grant_id: { type: "string" } } },
    annotations: { destructiveHint: false, openWorldHint: false },
  },
];

export const grantResources: Resource[] = [
  { uri: GRANTS_ACTIVE, name: "grants-active", title: "Your permission grants in force", mimeType: "application/json" },
  { uri: GRANTS_AUDIT, name: "grants-audit", title: "The audit trail of your permission grants", mimeType: "application/json" },
];

function result(body: Record<string, unknown>, isError = false): CallToolResult {
  return { content: [{ type: "text", text: JSON.stringify(body) }], structuredContent: body, ...(isError ? { isError: true } : {}) };
}

function parse<T>(schema: z.ZodType<T>, v: unknown): T {
  const r = schema.safeParse(v ?? {});
  if (!r.success) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `invalid arguments: ${r.error.issues.map((i) => `${i.path.join(".") || "arguments"}: ${i.message}`).join("; ")}`);
  return r.data;
}

async function statusBody(s: GrantToolPorts, g: GrantRow): Promise<Record<string, unknown>> {
  const status = statusOf(g);
  if (status === "active") {
    const token = await signGrant(s.access.keys, {
      grantId: g.id,
      issuer: s.nodeId,
      holder: g.holder,
      agentId: g.agentId,
      resource: g.resource,
      scope: g.scope,
      expiresAt: Math.floor(g.expiresAt! / 1000),
    });
    return { status: "approved", grant_id: g.id, token, resource: g.resource, scope: g.scope, expires_at: new Date(g.expiresAt!).toISOString(), decided_by: g.decidedBy };
  }
  if (status === "pending") {
    return { status, request_id: g.id, message: "Waiting for the operator. Call request_permission again with this request_id to collect the grant." };
  }
  return { status, grant_id: g.id, reason: g.reason };
}

async function requestPermission(s: GrantToolPorts, caller: Caller, raw: unknown): Promise<CallToolResult> {
  const args = parse(requestArgs, raw);
  const holder = holderOf(caller.principal);
  if ("request_id" in args) {
    const g = await getGrant(s.db, args.request_id);
    // Someone else's request reads as unknown: its existence is not ours to reveal.
    if (!g || g.holder !== holder) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `unknown request_id: ${args.request_id}`);
    return result(await statusBody(s, g));
  }
  const tools = (await listTools(s.db)).filter((t) => !t.hidden).map(factsOf).filter((t) => resourceCovers(args.resource, t));
  const decision = decideRequest(await s.access.policy.rules(), caller.principal, tools);
  let g = await createGrantRequest(s.db, {
    holder,
    agentId: args.agent_id,
    resource: args.resource,
    scope: args.scope,
    justification: args.justification,
    ttlSeconds: args.ttl_seconds,
  });
  if (decision.outcome !== "pending") {
    const ttl = decision.outcome === "approve" && decision.ttlSeconds !== null ? Math.min(decision.ttlSeconds, args.ttl_seconds) : undefined;
    g = (await decideGrant(s.db, g.id, { approve: decision.outcome === "approve", decidedBy: decision.rule ?? "policy", reason: decision.reason, ttlSeconds: ttl }))!;
  }
  await s.access.audit.append({
    actor: caller.id,
    action: "grant.request",
    target: g.id,
    decision: decision.outcome === "approve" ? "allow" : decision.outcome === "deny" ? "deny" : "pending",
    reason: decision.reason,
    details: { agentId: args.agent_id, resource: args.resource, scope: args.scope, ttlSeconds: g.ttlSeconds, tools: tools.length },
  });
  return result(await statusBody(s, g));
}

async function validateToken(s: GrantToolPorts, caller: Caller, raw: unknown): Promise<CallToolResult> {
  const { token } = parse(validateArgs, raw);
  try {
    const c = await s.access.grants.verify(token);
    if (c.issuer === s.nodeId) {
      const g = await getGrant(s.db, c.grantId);
      if (!g || statusOf(g) !== "active") return result({ valid: false, grant_id: c.grantId, reason: `the grant is ${g ? statusOf(g) : "unknown"}` });
    }
    return result({
      valid: true,
      grant_id: c.grantId,
      issuer: c.issuer,
      agent_id: c.agentId,
      resource: c.resource,
      scope: c.scope,
      expires_at: new Date(c.expiresAt * 1000).toISOString(),
      yours: c.holder === holderOf(caller.principal),
    });
  } catch (err) {
    if (err instanceof InvalidGrantError) return result({ valid: false, reason: err.message });
    throw err;
  }
}

async function revokeToken(s: GrantToolPorts, caller: Caller, raw: unknown): Promise<CallToolResult> {
  const args = parse(revokeArgs, raw);
  let grantId: string;
  if ("token" in args) {
    try {
      grantId = (await s.access.grants.verify(args.token)).grantId;
    } catch (err) {
      if (err instanceof InvalidGrantError) return result({ revoked: false, reason: err.message }, true);
      throw err;
    }
  } else {
    grantId = args.grant_id;
  }
  const g = await getGrant(s.db, grantId);
  if (!g || g.holder !== holderOf(caller.principal)) return result({ revoked: false, reason: "no grant of yours has this id" }, true);
  const revoked = await revokeGrant(s.db, grantId, caller.id);
  await s.access.audit.append({
    actor: caller.id,
    action: "grant.revoke",
    target: grantId,
    decision: revoked ? "ok" : "error",
    reason: revoked ? "revoked by its holder" : `the grant was already ${statusOf(g)}`,
  });
  return result(revoked ? { revoked: true, grant_id: grantId } : { revoked: false, grant_id: grantId, reason: `the grant is ${statusOf(g)}` }, !revoked);
}

/**
 * Whether to list the grant tools and resources to `caller`: it holds the grants scope, and some
 * policy rule puts a tool behind a grant or decides grant requests. Otherwise they would only
 * lengthen every tool list; they stay callable either way.
 */
export async function grantsInPlay(s: { access: Pick<GrantToolPorts["access"], "policy"> }, caller: Caller): Promise<boolean> {
  if (!hasScope(caller.principal, SCOPES.grants)) return false;
  return (await s.access.policy.rules()).some((r) => r.effect === "grant" || r.action === "request");
}

export function isGrantTool(name: string): boolean {
  return name === REQUEST_PERMISSION || name === VALIDATE_TOKEN || name === REVOKE_TOKEN;
}

export function callGrantTool(s: GrantToolPorts, caller: Caller, name: string, args: unknown): Promise<CallToolResult> {
  if (name === REQUEST_PERMISSION) return requestPermission(s, caller, args);
  if (name === VALIDATE_TOKEN) return validateToken(s, caller, args);
  return revokeToken(s, caller, args);
}

/** The contents of grants://active or grants://audit for `caller`; undefined for another URI. */
export async function readGrantResource(s: GrantToolPorts, caller: Caller, uri: string) {
  const holder = holderOf(caller.principal);
  let body: unknown;
  if (uri === GRANTS_ACTIVE) {
    body = { grants: (await activeGrants(s.db, holder)).map(grantView) };
  } else if (uri === GRANTS_AUDIT) {
    // The most recent grants only: D1 binds at most 100 parameters per statement.
    const ids = (await listGrants(s.db, { holder })).slice(0, 90).map((g) => g.id);
    const entries = await listAudit(s.db, { limit: 200, action: "grant.", targets: ids });
    body = { entries: entries.map(({ prevHash: _p, hash: _h, ...e }) => ({ ...e, at: new Date(e.at).toISOString() })) };
  } else {
    return undefined;
  }
  return { contents: [{ uri, mimeType: "application/json", text: JSON.stringify(body) }] };
}
