// Grants as the node keeps them: requested, decided by policy or the operator, revoked.
export {
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
