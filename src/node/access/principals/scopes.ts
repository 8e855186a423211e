// The scopes a token can carry, and which one each MCP request needs. Scopes are coarse (what
// kind of request); policy rules decide which tools (src/policy).
import { z } from "zod";

export const SCOPES = {
  /** Initialize, list and search tools, read resources, get prompts. */
  read: "mcp:read",
  /** Call tools. */
  call: "mcp:call",
  /** Ask for, check and give back permission grants (request_permission and the grants:// resources). */
  grants: "mcp:grants",
} as const;

export type Scope = (typeof SCOPES)[keyof typeof SCOPES];
export const ALL_SCOPES: readonly Scope[] = Object.values(SCOPES);

export const scopeSchema = z.enum(ALL_SCOPES as [Scope, ...Scope[]]);

/** Reads GET /metrics. Not an MCP scope: only API tokens carry it, and OAuth clients never ask for it. */
export const METRICS_SCOPE = "metrics:read";
/** Reads the mcpfed://alerts resource on /mcp (beside mcp:read). Like metrics:read, only API tokens carry it. */
export const ALERTS_SCOPE = "alerts:read";
/** What an API token may carry: the MCP scopes, reading the metrics, and reading the alerts. */
export const apiTokenScopeSchema = z.enum([SCOPES.read, SCOPES.call, SCOPES.grants, METRICS_SCOPE, ALERTS_SCOPE]);

/** Parses a space-separated scope string; undefined when a scope is unknown. */
export function parseScopes(text: string | undefined): Scope[] | undefined {
  const words = (text ?? "").split(" ").filter((w) => w.length > 0);
  const out = new Set<Scope>();
  for (const w of words) {
    const s = scopeSchema.safeParse(w);
    if (!s.success) return undefined;
    out.add(s.data);
  }
  return [...out];
}

/** Tools whose calls need the grants scope rather than the call scope. */
export const GRANT_TOOLS = new Set(["request_permission", "validate_token", "revoke_token"]);
const READ_TOOLS = new Set(["search_tools", "agent_discover"]);

/** The scope one JSON-RPC message needs, or undefined when any authenticated caller may send it. */
export function scopeFor(message: unknown): Scope | undefined {
  const m = message as { method?: unknown; params?: { name?: unknown; uri?: unknown } } | null;
  const method = typeof m?.method === "string" ? m.method : undefined;
  if (!method) return undefined; // a response to the server, or a batch entry the SDK rejects
  if (method === "tools/call") {
    const name = typeof m?.params?.name === "string" ? m.params.name : "";
    if (GRANT_TOOLS.has(name)) return SCOPES.grants;
    if (READ_TOOLS.has(name)) return SCOPES.read;
    return SCOPES.call;
  }
  if (method === "resources/read" && typeof m?.params?.uri === "string" && m.params.uri.startsWith("grants://")) {
    return SCOPES.grants;
  }
  if (method.startsWith("tools/") || method.startsWith("resources/") || method.startsWith("prompts/") || method.startsWith("completion/")) {
    return SCOPES.read;
  }
  return undefined; // initialize, ping, notifications, logging
}
