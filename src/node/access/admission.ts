// Policy applied to MCP requests: which tools a caller sees in tools/list and search, and whether
// a tools/call may go ahead (and under which rule or grant). Denials are audited.
import { ProtocolError } from "@modelcontextprotocol/server";
import type { RateLimiter, Release } from "./limits/limiter.ts";
import { METRICS } from "../metrics/definitions.ts";
import type { MetricsRecorder } from "../metrics/recorder.ts";
import { checkGrant, GRANT_META_KEY, type GrantCheckPorts } from "./grants/use.ts";
import type { AuditTrail } from "./audit/audit-trail.ts";
import type { Caller } from "./principals/caller.ts";
import type { PolicyStore } from "./policy/rules.ts";
import { forbidden, grantRequired } from "./policy/denials.ts";
import { decideCall, factsOf, type PolicyTool } from "./policy/engine.ts";

/** What listing needs: the rules. */
export interface ListingPorts {
  access: { policy: Pick<PolicyStore, "rules"> };
}

/** What admitting a call needs: the rules, a grant check, the limits, and the audit trail for denials. */
export interface AdmissionPorts extends GrantCheckPorts {
  access: GrantCheckPorts["access"] & ListingPorts["access"] & { limits: Pick<RateLimiter, "acquire">; audit: Pick<AuditTrail, "append"> };
  metrics: Pick<MetricsRecorder, "count">;
}

/** The tools `caller` may call: only those are listed to it. */
export async function callableTools<T extends PolicyTool>(s: ListingPorts, caller: Caller, tools: T[]): Promise<T[]> {
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
export async function admitCall(s: AdmissionPorts, caller: Caller, tool: PolicyTool, meta: Record<string, unknown> | undefined): Promise<Admission> {
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
    if (err instanceof ProtocolError) {
      deny(err.message);
      s.metrics.count(METRICS.rateLimitHits, { tool: tool.shortName });
    }
    throw err;
  }
}
