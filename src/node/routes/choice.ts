// Which route one call takes to one provider. The caller's choice wins, then its principal's
// default, then ROUTE_DEFAULT. `auto` goes direct to an active peer and is forwarded otherwise;
// private and anonymous are taken only when asked, and nothing asked is ever swapped for a route
// that reveals more.
import type { RouteKind, RouteRequest } from "../../protocol/routes/roles.ts";

export type RouteChoice = { ok: true; kind: RouteKind } | { ok: false; kind: RouteKind; reason: string };

/** The request in force: the call's, else the principal's default, else the node's. */
export function routeInForce(call: RouteRequest | undefined, principal: RouteRequest | undefined, node: RouteRequest): RouteRequest {
  return call ?? principal ?? node;
}

/**
 * The route to take to `origin`, given what is in force and whether the origin is an active peer
 * of this node. Private and anonymous are returned as they are: their consumers say whether they can be built.
 */
export function chooseRoute(asked: RouteRequest, origin: { activePeer: boolean }): RouteChoice {
  if (asked === "auto") return { ok: true, kind: origin.activePeer ? "direct" : "forwarded" };
  if (asked === "direct" && !origin.activePeer) return { ok: false, kind: "direct", reason: "the direct route goes only to an active peer of this node" };
  return { ok: true, kind: asked === "anonymous-surb" ? "anonymous" : asked };
}
