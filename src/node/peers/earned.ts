// Whether a stranger has earned peering under PEER_POLICY=trust: its trust tier here is
// TRUST_PEER_TIER or above, and this node does not hold it in quarantine.
import type { Config } from "../settings/config.ts";
import type { Quarantine } from "../trust/quarantine.ts";
import type { TrustStandings } from "../trust/standing.ts";
import { atLeast } from "../trust/tiers.ts";

export interface EarnedPort {
  config: Pick<Config, "trust">;
  trust: TrustStandings;
  quarantine: Pick<Quarantine, "has">;
}

export async function earnedPeering(s: EarnedPort, node: string): Promise<boolean> {
  if (await s.quarantine.has(node)) return false;
  const { tier } = await s.trust.of(node);
  return atLeast(s.config.trust.tiers, tier.name, s.config.trust.peerTier);
}
