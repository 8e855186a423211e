// Who is on the other end of an /mcp request, as resolved from its bearer token.
import { ALL_SCOPES, type Scope } from "./scopes.ts";

export const PRINCIPAL_KINDS = ["client", "api-token", "anonymous", "peer"] as const;
export type PrincipalKind = (typeof PRINCIPAL_KINDS)[number];

export interface Principal {
  kind: PrincipalKind;
  /** Unique across kinds, used in policy, limits, grants and logs: "client:<client_id>", "token:<id>", "peer:<node id>", "anonymous". */
  id: string;
  /** The id within its kind: the OAuth client_id, the API token id, the peer's node id. */
  subject: string;
  /** A display name: the client's or token's name. */
  name: string;
  scopes: readonly Scope[];
  roles: readonly string[];
  /** For a peer relaying a call: the principal id, at that peer, of the caller it relays for. */
  relayedFor?: string;
  /** For a peer, when a policy rule tests a tier: every trust tier it reached here, lowest first. */
  trustTiers?: readonly string[];
}

/** Every caller in authless mode: no token, every scope; policy rules still apply. */
export const ANONYMOUS: Principal = {
  kind: "anonymous",
  id: "anonymous",
  subject: "anonymous",
  name: "anonymous",
  scopes: ALL_SCOPES,
  roles: [],
};

export function hasScope(p: Principal, scope: Scope): boolean {
  return p.scopes.includes(scope);
}
