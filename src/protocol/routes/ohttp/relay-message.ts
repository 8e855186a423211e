// The private route's one federation message (docs/protocol.md §13.6): a consumer hands its
// relay an encapsulated request for a gateway, and gets the gateway's encapsulated response back,
// both opaque to the relay. It travels like every peer message, sealed between the two peers.
import { z } from "zod";
import { NODE_ID } from "../../identity/keys.ts";

const b64 = z.string().regex(/^[A-Za-z0-9_-]+$/, "must be base64url");

export const ohttpRelayRequest = z.strictObject({
  type: z.literal("ohttp-relay"),
  /** The node whose gateway gets the request. */
  gateway: z.string().regex(NODE_ID),
  /** A message/ohttp-req, base64url. */
  request: b64,
});
export type OhttpRelayRequest = z.infer<typeof ohttpRelayRequest>;

/** Why a relay did not hand the request on, or what the gateway said instead of an answer. */
export const RELAY_REFUSALS = [
  /** This node offers no OHTTP relay (ROUTES_OFFER). */
  "route_not_offered",
  /** The relay holds the sending peer in quarantine (issue 14). */
  "quarantined",
  "rate_limited",
  /** The relay holds no card for the gateway, or the card offers no gateway. */
  "unknown_gateway",
  /** The gateway could not be reached, or answered with neither a response nor a refusal. */
  "gateway_unreachable",
  /** The gateway refused the request before opening it: `gatewayCode` says why (§13.5). */
  "gateway_refused",
] as const;

export const ohttpRelayResult = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("ohttp-relayed"), response: b64 }),
  z.strictObject({
    type: z.literal("ohttp-refused"),
    code: z.enum(RELAY_REFUSALS),
    gatewayCode: z.string().max(64).optional(),
    message: z.string().max(1000),
  }),
]);
export type OhttpRelayResult = z.infer<typeof ohttpRelayResult>;
