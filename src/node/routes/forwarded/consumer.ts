// The consumer's side of the forwarded route (docs/protocol.md §12): a call to an origin that is
// not a peer of this node, sealed end to end to the origin and handed to a peer that forwards it.
import type { Card } from "../../../protocol/card/schema.ts";
import type { AnswerFrame } from "../../../protocol/messages/relay.ts";
import type { RelayRequest } from "../../../protocol/messages/relay-items.ts";
import { commonFeatures } from "../../../protocol/versions.ts";
import { offeredFeatures } from "../../card/offered-features.ts";
import type { RelayOptions } from "../../federation-client/client.ts";
import { knownCard } from "../../peers/origin-cards.ts";
import type { Config } from "../../settings/config.ts";
import type { Database } from "../../../store/database.ts";

export interface ForwardedPort {
  db: Database;
  config: Pick<Config, "channels" | "ledgerCheckpoints" | "routesOffer">;
}

/** No forwarded route to the origin can be built (no card of it, no forwarder): another route or provider is the caller's to find. */
export class NoForwardedRoute extends Error {
  override name = "NoForwardedRoute";
}

/** The origin as a forwarded call addresses it: its card, and the features both sides offer. */
export interface ForwardTarget {
  card: Card;
  features: string[];
}

export async function forwardedTarget(s: ForwardedPort, origin: string): Promise<ForwardTarget | undefined> {
  const card = await knownCard(s, origin);
  return card && { card, features: commonFeatures(offeredFeatures(s.config), card.features) };
}

export async function forwardedCall(_s: ForwardedPort, _origin: string, _request: RelayRequest, _o: RelayOptions): Promise<AnswerFrame["answer"]> {
  throw new NoForwardedRoute("the forwarded route is not built on this node yet");
}
