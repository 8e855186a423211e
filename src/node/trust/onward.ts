// Which origins' registry entries this node keeps for its own catalog but does not pass on to
// its peers: those in quarantine, and, with TRUST_RELAY_TIER set, those whose trust tier here is
// below it. A node cannot lend its peers' reach to strangers it does not trust.
import type { Quarantine } from "./quarantine.ts";
import type { TrustStandings } from "./standing.ts";
import { atLeast, type Tier } from "./tiers.ts";

export interface OnwardPort {
  trust: TrustStandings;
  quarantine: Pick<Quarantine, "held">;
  /** config.trust's (src/node/settings/config.ts). */
  tiers: readonly Tier[];
  relayTier: string | undefined;
}

/** Of `origins`, those whose entries are not relayed onward. */
export async function withheldOrigins(s: OnwardPort, origins: readonly string[]): Promise<ReadonlySet<string>> {
  const held = await s.quarantine.held();
  const out = new Set(origins.filter((o) => held.has(o)));
  const least = s.relayTier;
  if (least === undefined) return out;
  const tiers = await Promise.all(origins.map(async (o) => (await s.trust.of(o)).tier.name));
  origins.forEach((o, i) => {
    if (!atLeast(s.tiers, tiers[i]!, least)) out.add(o);
  });
  return out;
}
