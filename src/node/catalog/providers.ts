// Who may serve a peer's tool, and whether this node can reach one of them. A peer's tool is
// pinned to its origin: two operators fronting the same stateful server under different
// credentials must never stand in for each other unasked. Other providers of the same
// fingerprint are allowed only where the origin and they all mark the tool replicable in their
// signed entries, or where the operator put them in one provider group.
import type { Peer } from "../../store/peers.ts";
import type { ProviderGroup } from "../../store/provider-groups.ts";

/**
 * Whether a call can go directly to that node now: only an active direct peer can be reached.
 * `forwardable` widens the listing to origins a forwarder can reach.
 */
export function reachable(peer: Peer | undefined): peer is Peer {
  return peer?.state === "active";
}

/**
 * The origins this node can reach through a forwarder (docs/protocol.md §12): those whose card it
 * holds, when an active peer offers `route-forward`. None when no peer forwards.
 */
export function forwardable(peers: readonly Peer[], heldCards: readonly string[], forwardFeature: string): Set<string> {
  const forwarder = peers.some((p) => p.state === "active" && p.card.features.includes(forwardFeature));
  return new Set(forwarder ? heldCards : []);
}

/** One origin's offer of a tool, as its entry states it. */
export interface Offer {
  origin: string;
  fingerprint: string;
  replicable: boolean;
}

/** The origins allowed to serve the calls of `tool`, its own origin first. */
export function allowedProviders(tool: Offer, offers: readonly Offer[], groups: readonly ProviderGroup[]): string[] {
  const grouped = new Set(groups.filter((g) => g.members.includes(tool.origin)).flatMap((g) => g.members));
  const out = [tool.origin];
  for (const o of offers) {
    if (o.fingerprint !== tool.fingerprint || out.includes(o.origin)) continue;
    // Both must vouch: an origin cannot make another's instance a stand-in for its own, nor the reverse.
    if ((tool.replicable && o.replicable) || grouped.has(o.origin)) out.push(o.origin);
  }
  return out;
}
