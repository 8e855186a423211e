// The acceptance policy: what happens when a node this one does not yet trust says hello.
import type { Config } from "../settings/config.ts";
import type { Peer, PeerState } from "../../store/peers.ts";

export type Admission = { admit: true; state: Exclude<PeerState, "blocked"> } | { admit: false; reason: string };

/**
 * open: any node with a valid card becomes active. approve: it waits, pending, for the operator.
 * allowlist: only the node ids in PEER_ALLOWLIST, which become active. trust: a node whose trust
 * tier here is TRUST_PEER_TIER or above (`earned`) becomes active, any other waits, pending, for
 * the tick to promote it once it has earned it or for the operator; a quarantined node never
 * earns it. A peer already active (the operator added or approved it) stays active under every
 * policy; blocked ones never reach here.
 */
export function admit(config: Pick<Config, "peerPolicy" | "peerAllowlist">, nodeId: string, existing: Peer | undefined, earned = false): Admission {
  if (existing?.state === "active") return { admit: true, state: "active" };
  switch (config.peerPolicy) {
    case "open":
      return { admit: true, state: "active" };
    case "approve":
      return { admit: true, state: "pending" };
    case "allowlist":
      return config.peerAllowlist.includes(nodeId)
        ? { admit: true, state: "active" }
        : { admit: false, reason: "this node only peers with the node ids in its allowlist" };
    case "trust":
      return { admit: true, state: earned ? "active" : "pending" };
  }
}
