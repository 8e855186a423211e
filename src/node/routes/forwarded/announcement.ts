// The forwarder's claim (docs/protocol.md §12.6.1): while this node offers `forward` and
// FORWARD_ANNOUNCE is not off, a registry entry naming its active peers that share tools (the
// destinations a call can have; a peer that only calls is never named, so the claim does not tell
// its audience who consumes through this node), with the visibility the operator chose; withdrawn
// otherwise, and while no such peer is active. Made on the
// tick, before gossip, so that a change of peers leaves with the same tick.
import { forwardingBodyOf } from "../../../protocol/registry/forwarding-entries.ts";
import type { Entry } from "../../../protocol/registry/entry.ts";
import type { Database } from "../../../store/database.ts";
import { originsWithTools } from "../../../store/peer-tools.ts";
import { listPeers } from "../../../store/peers.ts";
import type { Registry } from "../../registry/registry.ts";
import type { Config } from "../../settings/config.ts";

export interface AnnouncementPort {
  db: Database;
  nodeId: string;
  config: Pick<Config, "routesOffer" | "forwardAnnounce">;
  registry: Pick<Registry, "publishForwarding">;
}

/** Publishes the claim as this node's peers and settings now stand; the entries that changed (none when the claim is the same). */
export async function announceForwarding(s: AnnouncementPort): Promise<Entry[]> {
  const visibility = s.config.forwardAnnounce;
  if (visibility === "off" || !s.config.routesOffer.includes("forward")) return s.registry.publishForwarding(null);
  const active = (await listPeers(s.db)).filter((p) => p.state === "active").map((p) => p.nodeId);
  const providers = await originsWithTools(s.db, active);
  const destinations = active.filter((id) => providers.has(id));
  // A node with no provider to forward to has nothing to claim.
  if (destinations.length === 0) return s.registry.publishForwarding(null);
  return s.registry.publishForwarding({ body: forwardingBodyOf(s.nodeId, destinations), visibility });
}
