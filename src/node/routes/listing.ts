// The ways this node can reach an origin (`mcpfed route <origin>`, GET /admin/routes/:origin):
// direct when it is an active peer; forwarded through the active peers that offer route-forward
// (those whose signed claim names the origin first, then the one its card came through; a claim
// is a hint, and a forwarder without one may still peer with it); private through peers offering ohttp-relay when the origin offers ohttp-gateway;
// anonymous when this node holds cards of at least three onion-hop nodes, one of them an exit.
import type { ForwardFee } from "../../protocol/card/schema.ts";
import { withinCap } from "../../protocol/routes/forward-fee.ts";
import { ROLE_FEATURES } from "../../protocol/routes/roles.ts";
import type { Config } from "../settings/config.ts";
import type { Database } from "../../store/database.ts";
import { cardLearnedFrom, originCardIds, heldCards } from "../../store/origin-cards.ts";
import { getPeer, listPeers } from "../../store/peers.ts";
import type { Quarantine } from "../trust/quarantine.ts";
import { knownCard } from "../peers/origin-cards.ts";
import { forwardersTo } from "./forwarded/consumer.ts";

/** Hops an anonymous route takes. */
export const ONION_HOPS = 3;

export interface RoutesView {
  origin: string;
  /** Whether this node holds the origin's card (a peer's, or one learned through gossip). */
  cardHeld: boolean;
  direct: boolean;
  /** In the order a call tries them; `claimsOrigin` when the forwarder's claim (§12.6.1) names the origin, `fee` a forwarder's (§12.5), `overCap` when over FORWARD_FEE_MAX (the call skips it). */
  forwarded: { via: string; name: string; cardCameThrough: boolean; claimsOrigin?: true; fee?: ForwardFee; overCap?: true }[];
  private: { gateway: boolean; relays: { via: string; name: string }[] };
  anonymous: { hops: number; exits: number; enough: boolean };
}

export async function routesTo(s: { db: Database; nodeId: string; quarantine: Pick<Quarantine, "has">; config: Pick<Config, "forwardFeeMax"> }, origin: string): Promise<RoutesView> {
  const [peer, card, peers, ids, via] = await Promise.all([getPeer(s.db, origin), knownCard(s, origin), listPeers(s.db), originCardIds(s.db), cardLearnedFrom(s.db, origin)]);
  const active = peers.filter((p) => p.state === "active" && p.nodeId !== origin);
  const forwarders = card ? await forwardersTo(s, origin) : [];
  const gateway = card?.features.includes(ROLE_FEATURES.gateway) ?? false;
  const relays = gateway ? active.filter((p) => p.card.features.includes(ROLE_FEATURES.relay)) : [];
  const cards = await heldCards(s.db, [...new Set([...peers.map((p) => p.nodeId), ...ids])]);
  const others = cards.filter((c) => c.id !== s.nodeId && c.id !== origin);
  const hops = others.filter((c) => c.features.includes(ROLE_FEATURES.hop));
  const exits = hops.filter((c) => c.features.includes(ROLE_FEATURES.exit)).length;
  return {
    origin,
    cardHeld: card !== undefined,
    direct: peer?.state === "active",
    forwarded: forwarders.map((p) => ({
      via: p.nodeId,
      name: p.alias ?? p.name,
      cardCameThrough: p.nodeId === via,
      ...(p.claimsOrigin ? { claimsOrigin: true as const } : {}),
      ...(p.card.forwardFee ? { fee: p.card.forwardFee } : {}),
      ...(withinCap(p.card.forwardFee, s.config.forwardFeeMax) ? {} : { overCap: true as const }),
    })),
    private: { gateway, relays: relays.map((p) => ({ via: p.nodeId, name: p.alias ?? p.name })) },
    anonymous: { hops: hops.length, exits, enough: hops.length >= ONION_HOPS && exits > 0 },
  };
}
