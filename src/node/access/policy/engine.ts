// The policy engine: pure functions from rules, a principal and a tool's facts to a decision.
// Rules are tried in order (priority, then deny before grant before allow); the first that
// matches decides. Without a matching rule, local callers may call every tool and peers the shared ones,
// and grant requests wait for the operator.
import type { CatalogTool } from "../../../store/catalog.ts";
import type { Principal, PrincipalKind } from "../principals/principal.ts";

/** What a rule can see of a tool. */
export interface ToolFacts {
  /** Global id, `<node>/<upstream>/<tool>`. */
  id: string;
  /** The short name clients call it by. */
  name: string;
  upstream: string;
  tags: readonly string[];
  /** How the catalog shows it: "listed" or "pinned" today; federation adds its sharing levels. */
  visibility: string;
}

/**
 * What policy needs of a tool: the catalog's full row and the call path's slim one both have it.
 * A peer's shared tool also has its entry's visibility ("peers" or "public"), which rules match.
 */
export type PolicyTool = Pick<CatalogTool, "globalId" | "shortName" | "upstream" | "tags" | "pinned"> & { visibility?: string };

export function factsOf(t: PolicyTool): ToolFacts {
  return { id: t.globalId, name: t.shortName, upstream: t.upstream, tags: t.tags, visibility: t.visibility ?? (t.pinned ? "pinned" : "listed") };
}

export type RuleAction = "call" | "request";
export type RuleEffect = "allow" | "deny" | "grant";

export interface Rule {
  id: string;
  priority: number;
  /** "call": who may list and call a tool. "request": how grant requests for it are decided. */
  action: RuleAction;
  /** For "call": allow, deny, or grant (callable with a valid grant). For "request": allow (approve) or deny. */
  effect: RuleEffect;
  subjectKind: PrincipalKind | null;
  /** Glob over the principal's id within its kind (or its full id, e.g. "client:abc"). */
  subjectId: string | null;
  role: string | null;
  tag: string | null;
  /** Glob over the upstream name. */
  upstream: string | null;
  /** Glob over the tool's short name or global id. */
  tool: string | null;
  visibility: string | null;
  /** The least trust tier a peer must have reached (src/node/trust/tiers.ts); no other caller has one. */
  trustTier: string | null;
  /** For approving request rules: the longest grant they give. */
  ttlSeconds: number | null;
}

export function globMatches(pattern: string, value: string): boolean {
  if (!pattern.includes("*")) return pattern === value;
  const re = new RegExp(`^${pattern.split("*").map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);
  return re.test(value);
}

export function ruleMatches(r: Rule, p: Principal, t: ToolFacts): boolean {
  return (
    (r.subjectKind === null || r.subjectKind === p.kind) &&
    (r.subjectId === null || globMatches(r.subjectId, p.subject) || globMatches(r.subjectId, p.id)) &&
    (r.role === null || p.roles.includes(r.role)) &&
    (r.tag === null || t.tags.includes(r.tag)) &&
    (r.upstream === null || globMatches(r.upstream, t.upstream)) &&
    (r.tool === null || globMatches(r.tool, t.name) || globMatches(r.tool, t.id)) &&
    (r.visibility === null || r.visibility === t.visibility) &&
    (r.trustTier === null || (p.trustTiers?.includes(r.trustTier) ?? false))
  );
}

const EFFECT_ORDER: Record<RuleEffect, number> = { deny: 0, grant: 1, allow: 2 };

/** Code-unit order, as SQLite's BINARY collation sorts ids; `localeCompare` depends on the runtime's ICU and puts "a" before "W". */
const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The order rules are tried in: the same as the store's paged listing (src/store/access/policy-rules.ts). */
export function sortRules<R extends Rule>(rules: R[]): R[] {
  return [...rules].sort((a, b) => a.priority - b.priority || EFFECT_ORDER[a.effect] - EFFECT_ORDER[b.effect] || byCodeUnits(a.id, b.id));
}

export type CallDecision = { effect: RuleEffect; rule: string | null; reason: string };

/** Whether `p` may call (and so see) tool `t`. `rules` must be sorted. */
export function decideCall(rules: readonly Rule[], p: Principal, t: ToolFacts): CallDecision {
  for (const r of rules) {
    if (r.action !== "call" || !ruleMatches(r, p, t)) continue;
    const reason =
      r.effect === "allow" ? `allowed by rule ${r.id}` : r.effect === "deny" ? `denied by rule ${r.id}` : `rule ${r.id} requires a permission grant`;
    return { effect: r.effect, rule: r.id, reason };
  }
  if (p.kind === "peer") {
    // Sharing is the operator's own statement that peers may call the tool.
    return t.visibility === "peers" || t.visibility === "public"
      ? { effect: "allow", rule: null, reason: `shared with ${t.visibility === "public" ? "every node" : "peers"}` }
      : { effect: "deny", rule: null, reason: "no rule shares this tool with peer nodes" };
  }
  return { effect: "allow", rule: null, reason: "local callers may call every tool unless a rule says otherwise" };
}

export type RequestDecision =
  | { outcome: "approve"; rule: string; ttlSeconds: number | null; reason: string }
  | { outcome: "deny"; rule: string | null; reason: string }
  | { outcome: "pending"; rule: null; reason: string };

/**
 * How a grant request from `p` for `tools` (every tool its resource names) is decided: denied if
 * any tool is denied, approved if a rule approves every one, otherwise left to the operator.
 */
export function decideRequest(rules: readonly Rule[], p: Principal, tools: readonly ToolFacts[]): RequestDecision {
  if (tools.length === 0) return { outcome: "deny", rule: null, reason: "the resource names no tool" };
  let ttl: number | null = null;
  let approvedBy: string | undefined;
  let pending = false;
  for (const t of tools) {
    const call = decideCall(rules, p, t);
    if (call.effect === "deny") return { outcome: "deny", rule: call.rule, reason: `${t.name}: ${call.reason}` };
    const r = rules.find((x) => x.action === "request" && ruleMatches(x, p, t));
    if (r?.effect === "deny") return { outcome: "deny", rule: r.id, reason: `${t.name}: grant requests are refused by rule ${r.id}` };
    if (r?.effect === "allow") {
      approvedBy ??= r.id;
      if (r.ttlSeconds !== null) ttl = ttl === null ? r.ttlSeconds : Math.min(ttl, r.ttlSeconds);
    } else {
      pending = true;
    }
  }
  if (pending || !approvedBy) return { outcome: "pending", rule: null, reason: "waiting for the operator's decision" };
  return { outcome: "approve", rule: approvedBy, ttlSeconds: ttl, reason: `approved by rule ${approvedBy}` };
}
