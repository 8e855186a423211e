// Domain verification (protocol §7.1.2): a peer, or a public node known from its node entry, is
// "verified: <host>" when a TXT record at `_mcpfed.<host>` names its id (the DNS proof), or when the
// host its card's URL names serves, at /.well-known/mcpfed, a card that verifies and is that node's.
// A node's id is its key's, so nobody else can serve a card with that id: whoever answers there
// controls the node's key or relays its card faithfully. Checked at most daily per node and a few
// nodes per tick, peers before public nodes; DNS through the runtime's resolver or DNS-over-HTTPS.
import { CardError } from "../../protocol/card/verify.ts";
import type { Card } from "../../protocol/card/schema.ts";
import { listPeers } from "../../store/peers.ts";
import { domainChecks, pruneDomainChecks, saveDomainCheck } from "../../store/node-domains.ts";
import { CardFetchError, fetchCard } from "../card/fetch.ts";
import { dnsProofName, dnsProofVerdict } from "../../protocol/card/dns-proof.ts";
import type { TxtResolver } from "../settings/platform.ts";
import type { Database } from "../../store/database.ts";
import type { Primitives } from "../../protocol/identity/primitives.ts";
import type { Outbound } from "../outbound/outbound.ts";
import { log } from "../logging/log.ts";
import { knownNodes } from "./nodes.ts";

/** How long a check holds before the tick repeats it (sooner when the card names another host). */
export const DOMAIN_RECHECK_SECONDS = 86_400;
/** Each fetch can take the card fetch's timeout: a tick checks only this many peers. */
export const DOMAIN_CHECKS_PER_TICK = 4;
/** A DNS lookup's deadline: a resolver that has not answered by then is a failed proof, retried on a later day. */
export const DNS_PROOF_TIMEOUT_MS = 5_000;

type Port = { db: Database; outbound: Outbound; resolveTxt: TxtResolver; identity: () => Promise<{ primitives: Primitives }>; now: () => number; config: { clockSkewSeconds: number } };

export interface DomainVerdict {
  host: string;
  verified: boolean;
  /** Why not, when not verified. */
  reason?: string;
}

/** The host a card's URL names: what "verified: <host>" shows. */
export function hostOf(card: Card): string {
  return new URL(card.url).host;
}

/** Whether a TXT record at `_mcpfed.<hostname>` names `nodeId`. Never throws: a failure is a reason. */
export async function checkDnsProof(resolveTxt: TxtResolver, hostname: string, nodeId: string, timeoutMs = DNS_PROOF_TIMEOUT_MS): Promise<{ proven: boolean; reason?: string }> {
  const name = dnsProofName(hostname);
  if (!name) return { proven: false, reason: "the host is not a DNS name" };
  let records: string[][];
  try {
    records = await resolveTxt(name, timeoutMs);
  } catch (err) {
    return { proven: false, reason: `the lookup of ${name} failed: ${err instanceof Error ? err.message : String(err)}` };
  }
  const verdict = dnsProofVerdict(records, nodeId);
  return verdict.proven ? { proven: true } : { proven: false, reason: `${name}: ${verdict.reason}` };
}

/**
 * Whether the host of `card`'s URL proves the node: by DNS first (one lookup), else by serving
 * that very node's card. Never throws: a failure is a reason, both methods' when both fail.
 */
export async function checkDomain(s: Port, card: Card): Promise<DomainVerdict> {
  const url = new URL(card.url);
  const host = url.host;
  const dns = await checkDnsProof(s.resolveTxt, url.hostname, card.id);
  if (dns.proven) return { host, verified: true };
  const web = await checkWellKnown(s, card);
  return web.verified ? web : { host, verified: false, reason: `DNS: ${dns.reason}; well-known: ${web.reason}` };
}

/** Whether the host of `card`'s URL serves that very node's card. Never throws: a failure is a reason. */
async function checkWellKnown(s: Port, card: Card): Promise<DomainVerdict> {
  const url = new URL(card.url);
  const host = url.host;
  // Plain http proves nothing against a network attacker; it is allowed only where loopback is (tests).
  if (url.protocol !== "https:" && !s.outbound.allowPrivate) return { host, verified: false, reason: "the card's URL is not https" };
  try {
    const served = await fetchCard(url.origin, { primitives: (await s.identity()).primitives, outbound: s.outbound, now: s.now(), skew: s.config.clockSkewSeconds });
    if (served.card.id !== card.id) return { host, verified: false, reason: `${host} serves the card of another node (${served.card.id})` };
    return { host, verified: true };
  } catch (err) {
    if (err instanceof CardFetchError || err instanceof CardError) return { host, verified: false, reason: err.message };
    throw err;
  }
}

export interface DomainTickReport {
  checked: { node: string; host: string; verified: boolean }[];
  error?: string;
}

/**
 * The tick's part: checks the nodes never checked, checked over a day ago, or whose card now
 * names another host, a few per tick: peers (not blocked) first, then public nodes that are no
 * peer of this node (their cards from live node entries), oldest check first within each. A
 * flood of node entries thus never delays a peer's check. Failures are reported, never thrown.
 */
export async function verifyDomains(s: Port & { nodeId: string }): Promise<DomainTickReport> {
  try {
    await pruneDomainChecks(s.db);
    const held = new Map((await domainChecks(s.db)).map((d) => [d.nodeId, d]));
    const now = s.now();
    const peers = (await listPeers(s.db)).filter((p) => p.state !== "blocked").map((p) => ({ nodeId: p.nodeId, card: p.card, peer: true }));
    const publicNodes = (await knownNodes(s)).filter((n) => n.peer === null).map((n) => ({ nodeId: n.card.id, card: n.card, peer: false }));
    const due = [...peers, ...publicNodes]
      .map((n) => ({ ...n, last: held.get(n.nodeId) }))
      .filter(({ card, last }) => !last || last.host !== hostOf(card) || now - last.checkedAt >= DOMAIN_RECHECK_SECONDS)
      .sort((a, b) => Number(b.peer) - Number(a.peer) || (a.last?.checkedAt ?? -1) - (b.last?.checkedAt ?? -1))
      .slice(0, DOMAIN_CHECKS_PER_TICK);
    const checked = await Promise.all(
      due.map(async ({ nodeId, card }) => {
        const verdict = await checkDomain(s, card);
        await saveDomainCheck(s.db, { nodeId, host: verdict.host, verified: verdict.verified, reason: verdict.reason ?? null, checkedAt: now });
        if (!verdict.verified) log.info("trust.domain_unverified", { node: nodeId, host: verdict.host, reason: verdict.reason });
        return { node: nodeId, host: verdict.host, verified: verdict.verified };
      }),
    );
    return { checked };
  } catch (err) {
    log.warn("trust.domains_failed", { error: String(err) });
    return { checked: [], error: String(err) };
  }
}
