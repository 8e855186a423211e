// Warnings weighed by the trust of their warners. A warning counts only when its warner's tier is
// TRUST_PEER_TIER or above (never act on an untrusted source alone), and a node is quarantined
// once the scores of the warners that count add up to TRUST_QUARANTINE_AT. Expired warnings, and
// warnings by nodes this node holds in quarantine, count for nothing.
import type { TrustStandings } from "./standing.ts";
import { atLeast, type Tier } from "./tiers.ts";

/** A live warning entry, as far as weighing it goes. */
export interface Warning {
  origin: string;
  subject: string;
  reason: string;
  /** Unix seconds. */
  expiresAt: number;
}

export interface WeighContext {
  self: string;
  standings: TrustStandings;
  /** config.trust's (src/node/settings/config.ts). */
  trust: { tiers: readonly Tier[]; peerTier: string; quarantineAt: number };
  /** Unix seconds. */
  now: number;
  /** Nodes in quarantine already: their own warnings do not count. */
  held: ReadonlySet<string>;
}

/** The nodes the warnings put in quarantine, each with why (who warned, of what, with what weight). */
export async function warnedNodes(warnings: readonly Warning[], c: WeighContext): Promise<Map<string, string>> {
  const live = warnings.filter((w) => w.expiresAt > c.now && w.subject !== c.self && w.origin !== w.subject && !c.held.has(w.origin));
  const warners = [...new Set(live.map((w) => w.origin))];
  const standing = new Map(await Promise.all(warners.map(async (n) => [n, await c.standings.of(n)] as const)));
  const by = new Map<string, { weight: number; warners: Set<string>; reasons: Set<string> }>();
  for (const w of live) {
    const s = standing.get(w.origin)!;
    if (!atLeast(c.trust.tiers, s.tier.name, c.trust.peerTier)) continue;
    const v = by.get(w.subject) ?? { weight: 0, warners: new Set<string>(), reasons: new Set<string>() };
    // One warner weighs once per subject, however many warnings it keeps.
    if (!v.warners.has(w.origin)) v.weight += s.score;
    v.warners.add(w.origin);
    v.reasons.add(w.reason);
    by.set(w.subject, v);
  }
  const out = new Map<string, string>();
  for (const [subject, v] of by) {
    if (v.weight < c.trust.quarantineAt) continue;
    out.set(subject, `warned by ${v.warners.size} trusted node${v.warners.size === 1 ? "" : "s"} (${[...v.reasons].sort().join(", ")}; weight ${v.weight.toFixed(2)})`);
  }
  return out;
}
