// Routes (docs/protocol.md §12): the ways a call can travel, and the roles a node offers others on
// them, each announced in its card by a feature.
import { z } from "zod";

/** How a call travels: to a peer, through a peer to a further node, through an OHTTP relay, or onion-routed. */
export const ROUTE_KINDS = ["direct", "forwarded", "private", "anonymous"] as const;
export type RouteKind = (typeof ROUTE_KINDS)[number];

/**
 * What a caller may ask for: a kind, or `auto` (direct to an active peer, else forwarded), or
 * `anonymous-surb`: the anonymous route answered by a single-use reply block (§14.6).
 */
export const routeRequest = z.enum(["auto", ...ROUTE_KINDS, "anonymous-surb"]);
export type RouteRequest = z.infer<typeof routeRequest>;

/** The `_meta` key of a tools/call that picks the route. */
export const ROUTE_META = "mcpfed/route";

/** What a node may do for others' calls. */
export const ROUTE_ROLES = ["forward", "relay", "gateway", "hop", "exit", "mailbox"] as const;
export type RouteRole = (typeof ROUTE_ROLES)[number];

/** The card feature that announces each role. */
export const ROLE_FEATURES: Record<RouteRole, string> = {
  forward: "route-forward",
  relay: "ohttp-relay",
  gateway: "ohttp-gateway",
  hop: "onion-hop",
  exit: "onion-exit",
  mailbox: "route-mailbox",
};
