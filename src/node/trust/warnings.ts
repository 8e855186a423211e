// Warnings weighed by the trust of their warners. A warning counts only when its warner's tier is
// TRUST_PEER_TIER or above (never act on an untrusted source alone), and a node is quarantined
// once the scores of the warners that count add up to TRUST_QUARANTINE_AT. Expired warnings, and
// warnings by nodes this node holds in quarantine, count for nothing.
import type { Database } from "../../store/database.ts";
import { liveTrustEntries } from "../../store/trust-entries.ts";
import type { Quarantine } from "./quarantine.ts";
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

/** The live warning entries this node holds (checked on admission; the newest of both visibility slots). */
export async function heldWarnings(db: Database): Promise<Warning[]> {
  return (await liveTrustEntries(db, "warning")).map((e) => ({ origin: e.origin, subject: e.body.subject, reason: e.body.reason, expiresAt: e.body.expiresAt }));
}

export interface WarningsPort {
  db: Database;
  nodeId: string;
  trust: TrustStandings;
  quarantine: Pick<Quarantine, "held" | "applyWarnings">;
  config: { trust: WeighContext["trust"] };
  now: () => number;
}

/** The tick's step: quarantines the nodes the counted warnings add up against, releases the rest. */
export async function applyWarnings(s: WarningsPort): Promise<{ warned: number; quarantined: string[] }> {
  const warned = await warnedNodes(await heldWarnings(s.db), { self: s.nodeId, standings: s.trust, trust: s.config.trust, now: s.now(), held: await s.quarantine.held() });
  return { warned: warned.size, quarantined: await s.quarantine.applyWarnings(warned) };
}
