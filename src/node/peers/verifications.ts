// What others vouched about a peer that its operator can see at a glance, beside its standing:
// the domain it proved (domains.ts), and the statuses validators the operator chose
// (TRUST_VALIDATORS) attested in signed entries. An attestation by anyone else is not shown.
import type { Card } from "../../protocol/card/schema.ts";
import { domainChecks } from "../../store/node-domains.ts";
import { liveTrustEntries } from "../../store/trust-entries.ts";
import type { Database } from "../../store/database.ts";
import { hostOf } from "./domains.ts";

type Port = { db: Database; now: () => number; config: { trust: { validators: readonly string[] } } };

export interface DomainView {
  host: string;
  verified: boolean;
  checkedAt: string;
  reason?: string;
}

export interface AttestationView {
  by: string;
  status: string;
  domain?: string;
  expiresAt: string;
}

export interface Verifications {
  /** The last check of the host the node's current card names; null before one. */
  domain: DomainView | null;
  /** Live, unexpired attestations by the operator's validators. */
  attestations: AttestationView[];
}

/** The verifications of every node, read once: `of(node, card)` for each one shown. */
export async function verifications(s: Port): Promise<{ of(node: string, card: Card): Verifications }> {
  const checks = new Map((await domainChecks(s.db)).map((d) => [d.nodeId, d]));
  const now = s.now();
  const attested = new Map<string, AttestationView[]>();
  for (const e of await liveTrustEntries(s.db, "attestation", { origins: s.config.trust.validators })) {
    if (e.body.expiresAt <= now) continue;
    const view = { by: e.origin, status: e.body.status, ...(e.body.domain ? { domain: e.body.domain } : {}), expiresAt: new Date(e.body.expiresAt * 1000).toISOString() };
    attested.set(e.body.subject, [...(attested.get(e.body.subject) ?? []), view]);
  }
  return {
    of(node, card) {
      const d = checks.get(node);
      // A check of another host says nothing about the one the card names now.
      const domain = d && d.host === hostOf(card) ? { host: d.host, verified: d.verified, checkedAt: new Date(d.checkedAt * 1000).toISOString(), ...(d.reason ? { reason: d.reason } : {}) } : null;
      return { domain, attestations: attested.get(node) ?? [] };
    },
  };
}
