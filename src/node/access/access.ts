// Who may call what, as one part of the node: its keys, token and grant verifiers, policy rules,
// rate limits and audit trail. Built once per process or isolate; all state lives in the store.
import { AccessTokenVerifier } from "./credentials/access-tokens.ts";
import { Keys } from "./credentials/keys.ts";
import { pruneCodes } from "./oauth/codes.ts";
import { pruneSessions } from "./oauth/sessions.ts";
import { AuditTrail } from "./audit/audit-trail.ts";
import type { Config } from "../settings/config.ts";
import { GrantVerifier, type PeerGrantKeys } from "./grants/tokens.ts";
import { RateLimiter } from "./limits/limiter.ts";
import { PolicyStore } from "./policy/rules.ts";
import type { Database } from "../../store/database.ts";

export interface Access {
  keys: Keys;
  accessTokens: AccessTokenVerifier;
  grants: GrantVerifier;
  policy: PolicyStore;
  limits: RateLimiter;
  audit: AuditTrail;
  /** Drops expired codes, sessions, rate windows and leases; run on each tick. */
  prune(): Promise<void>;
}

export function createAccess(config: Config, db: Database, nodeId: () => string, peerGrantKeys?: PeerGrantKeys): Access {
  const keys = new Keys(config.nodeSeed);
  const limits = new RateLimiter(db, config.callTimeoutMs * 10 + 5000);
  return {
    keys,
    accessTokens: new AccessTokenVerifier(keys),
    grants: new GrantVerifier(keys, nodeId, peerGrantKeys),
    policy: new PolicyStore(db),
    limits,
    audit: new AuditTrail(db, () => keys.audit()),
    async prune() {
      await Promise.all([pruneCodes(db), pruneSessions(db), limits.prune()]);
    },
  };
}
