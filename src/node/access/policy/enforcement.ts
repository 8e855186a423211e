// Policy applied to MCP requests: which tools a caller sees in tools/list and search, and whether
// a tools/call may go ahead (and under which rule or grant). Denials are audited.
import { McpError } from "@modelcontextprotocol/sdk/types.js";
import type { CatalogTool } from "../../../store/catalog.ts";
import type { Release } from "../limits/limiter.ts";
import { checkGrant, GRANT_META_KEY } from "../grants/use.ts";
import type { Caller, Services } from "../../services.ts";
import { forbidden, grantRequired } from "./denials.ts";
import { decideCall, type ToolFacts } from "./engine.ts";

/**
 * What policy needs of a tool: the catalog's full row and the call path's slim one both have it.
 * A peer's shared tool also has its entry's visibility ("peers" or "public"), which rules match.
 */
type PolicyTool = Pick<CatalogTool, "globalId" | "shortName" | "upstream" | "tags" | "pinned"> & { visibility?: string };

export function factsOf(t: PolicyTool): ToolFacts {
  return { id: t.globalId, name: t.shortName, upstream: t.upstream, tags: t.tags, visibility: t.visibility ?? (t.pinned ? "pinned" : "listed") };
}

/** The tools `caller` may call: only those are listed to it. */
export async function callableTools<T extends PolicyTool>(s: Services, caller: Caller, tools: T[]): Promise<T[]> {
  const rules = await s.access.policy.rules();
  if (rules.length === 0 && caller.principal.kind !== "peer") return tools;
  return tools.filter((t) => decideCall(rules, caller.principal, factsOf(t)).effect !== "deny");
}

export interface Admission {
  /** Why the call may go ahead: the rule, and the grant if one was needed. */
  reason: string;
  /** Ends the call's hold on its concurrency limits. */
  release: Release;
}

/**
 * Decides a tools/call: policy, then the grant it may need, then rate limits. Returns the
 * admission, or throws the MCP error the caller gets (and audits the denial).
 */
export async function admitCall(s: Services, caller: Caller, tool: PolicyTool, meta: Record<string, unknown> | undefined): Promise<Admission> {
  const facts = factsOf(tool);
  const decision = decideCall(await s.access.policy.rules(), caller.principal, facts);
  const deny = (reason: string) =>
    caller.defer(
      s.access.audit.append({ actor: caller.id, action: "tool.call", target: tool.globalId, decision: "deny", reason, details: { rule: decision.rule } }),
    );
  let reason = decision.reason;
  if (decision.effect === "deny") {
    deny(decision.reason);
    throw forbidden(tool.shortName, decision.reason);
  }
  if (decision.effect === "grant") {
    const grant = await checkGrant(s, caller.principal, facts, meta?.[GRANT_META_KEY]);
    if (!grant.ok) {
      deny(`${decision.reason}: ${grant.reason}`);
      throw grantRequired(tool.shortName, grant.reason);
    }
    reason = `${decision.reason}; grant ${grant.grantId}`;
  }
  try {
    return { reason, release: await s.access.limits.acquire(caller.principal, facts) };
  } catch (err) {
    if (err instanceof McpError) deny(err.message);
    throw err;
  }
}
