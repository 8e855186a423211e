// Whether a call that policy puts behind a grant has one: a grant token passed in the request's
// _meta (as a relaying peer does), or a grant in force that this node gave the caller.
import type { Principal } from "../principals/principal.ts";
import { globMatches, type ToolFacts } from "../policy/engine.ts";
import type { Database } from "../../../store/database.ts";
import { activeGrants, getGrant, statusOf } from "../../../store/access/grants.ts";
import { holderOf, InvalidGrantError, type GrantClaims, type GrantVerifier } from "./tokens.ts";

/** What checking a grant needs: the grants this node gave, its id, and the grant token verifier. */
export interface GrantCheckPorts {
  db: Database;
  nodeId: string;
  access: { grants: Pick<GrantVerifier, "verify"> };
}

/** Where a caller passes a grant token along with tools/call. */
export const GRANT_META_KEY = "mcpfed/grant";

export function resourceCovers(resource: string, t: ToolFacts): boolean {
  return globMatches(resource, t.id) || globMatches(resource, t.name);
}

/** The node a tool belongs to: the first segment of its global id. */
function ownerOf(t: ToolFacts): string {
  return t.id.split("/", 1)[0]!;
}

/**
 * Why a verified grant does not let `p` call `t`, or undefined when it does: it must come from
 * the node that owns the tool, belong to the caller (for a relayed call, the peer together with
 * the caller it relays for) and cover the tool.
 */
export function grantMismatch(claims: GrantClaims, p: Principal, t: ToolFacts): string | undefined {
  if (claims.issuer !== ownerOf(t)) return `the grant was issued by ${claims.issuer}, not by the node that owns the tool`;
  if (claims.holder !== holderOf(p)) return "the grant belongs to another caller";
  if (!resourceCovers(claims.resource, t)) return "the grant does not cover this tool";
  return undefined;
}

export type GrantCheck = { ok: true; grantId: string } | { ok: false; reason: string };

export async function checkGrant(s: GrantCheckPorts, p: Principal, t: ToolFacts, presented: unknown): Promise<GrantCheck> {
  if (typeof presented === "string" && presented.length > 0) {
    let claims;
    try {
      claims = await s.access.grants.verify(presented);
    } catch (err) {
      if (err instanceof InvalidGrantError) return { ok: false, reason: err.message };
      throw err;
    }
    const mismatch = grantMismatch(claims, p, t);
    if (mismatch) return { ok: false, reason: mismatch };
    if (claims.issuer === s.nodeId) {
      const g = await getGrant(s.db, claims.grantId);
      if (!g || statusOf(g) !== "active") return { ok: false, reason: `the grant is ${g ? statusOf(g) : "unknown"}` };
    }
    return { ok: true, grantId: claims.grantId };
  }
  const held = (await activeGrants(s.db, holderOf(p))).find((g) => resourceCovers(g.resource, t));
  return held ? { ok: true, grantId: held.id } : { ok: false, reason: "no grant in force covers this tool" };
}
