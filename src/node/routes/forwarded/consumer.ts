// The consumer's side of the forwarded route (docs/protocol.md §12): a call to an origin that is
// not an active peer of this node, sealed end to end to the origin's card (a peer's, or one
// learned through gossip) and signed by this node, handed to a peer that offers `route-forward`.
// The peer the origin's card came through goes first. A forwarder that fails before the call
// could have reached the origin gives way to the next; a refusal by the origin ends the call.
import type { Card } from "../../../protocol/card/schema.ts";
import { toBase64url } from "../../../protocol/encoding/bytes.ts";
import { seal } from "../../../protocol/envelope/seal.ts";
import { CHECKPOINTS_FEATURE } from "../../../protocol/ledger/suite.ts";
import { federationPath } from "../../../protocol/messages/federation.ts";
import type { AnswerFrame } from "../../../protocol/messages/relay.ts";
import type { RelayRequest } from "../../../protocol/messages/relay-items.ts";
import { FORWARD_FEATURE, type ForwardRequest } from "../../../protocol/routes/forward.ts";
import { commonFeatures, negotiateVersion, NegotiationError, PROTOCOL_VERSIONS } from "../../../protocol/versions.ts";
import type { OwnCard } from "../../card/own.ts";
import { offeredFeatures } from "../../card/offered-features.ts";
import type { FederationClient, RelayOptions } from "../../federation-client/client.ts";
import { PeerRequestError, SealedRefusal } from "../../federation-client/errors.ts";
import type { LocalIdentity } from "../../identity/local.ts";
import { knownCard, learnCard } from "../../peers/origin-cards.ts";
import type { Config } from "../../settings/config.ts";
import type { Quarantine } from "../../trust/quarantine.ts";
import type { Database } from "../../../store/database.ts";
import { cardLearnedFrom } from "../../../store/origin-cards.ts";
import { listPeers, type Peer } from "../../../store/peers.ts";

export interface ForwardedPort {
  db: Database;
  config: Pick<Config, "channels" | "ledgerCheckpoints" | "routesOffer" | "publicUrl" | "clockSkewSeconds">;
  identity: () => Promise<LocalIdentity>;
  now: () => number;
  card: () => Promise<OwnCard>;
  federation: FederationClient;
  quarantine: Pick<Quarantine, "has">;
}

/** No forwarded route to the origin can be built (no card of it, no forwarder): another route or provider is the caller's to find. */
export class NoForwardedRoute extends Error {
  override name = "NoForwardedRoute";
}

/** The refusals a forwarder makes itself: another forwarder may do better. Any other refusal is the origin's. */
const FORWARDER_REFUSALS = new Set(["route_not_offered", "rate_limited", "forward_refused", "unknown_destination", "destination_unreachable", "bad_request"]);

/** The origin as a forwarded call addresses it: its card, and the features both sides offer. */
export interface ForwardTarget {
  card: Card;
  features: string[];
}

/**
 * The origin's card and the features a forwarded call to it may use: checkpoints are left out, as
 * they are exchanged between peers only (a forwarded record is signed with composite signatures).
 */
export async function forwardedTarget(s: Pick<ForwardedPort, "db" | "config">, origin: string): Promise<ForwardTarget | undefined> {
  const card = await knownCard(s, origin);
  return card && { card, features: commonFeatures(offeredFeatures(s.config), card.features).filter((f) => f !== CHECKPOINTS_FEATURE) };
}

/** The active peers that offer to forward, the one the origin's card came through first; never the origin itself. */
export async function forwardersTo(s: Pick<ForwardedPort, "db" | "quarantine">, origin: string): Promise<Peer[]> {
  const [peers, via] = await Promise.all([listPeers(s.db), cardLearnedFrom(s.db, origin)]);
  const offering = peers.filter((p) => p.state === "active" && p.nodeId !== origin && p.card.features.includes(FORWARD_FEATURE));
  const allowed = [];
  for (const p of offering) if (!(await s.quarantine.has(p.nodeId))) allowed.push(p);
  return allowed.sort((a, b) => Number(b.nodeId === via) - Number(a.nodeId === via));
}

export async function forwardedCall(s: ForwardedPort, origin: string, request: RelayRequest, o: RelayOptions): Promise<AnswerFrame["answer"]> {
  let card = await knownCard(s, origin);
  if (!card) throw new NoForwardedRoute("this node holds no card of it to seal a forwarded call to");
  const forwarders = await forwardersTo(s, origin);
  if (forwarders.length === 0) throw new NoForwardedRoute("no active peer of this node offers to forward (route-forward)");
  if (!s.config.publicUrl) throw new NoForwardedRoute("this node has no PUBLIC_URL to name in the card a forwarded call carries");
  const own = await (await s.card()).get(s.config.publicUrl.origin, s.now());
  const failures: string[] = [];
  for (const via of forwarders) {
    for (let relearned = false; ; relearned = true) {
      try {
        return await forwardOnce(s, via, card, own, request, o);
      } catch (err) {
        if (!(err instanceof PeerRequestError) || err.delivered !== false) throw err;
        // The origin rotated its key since its card reached this node: ask the forwarder for it once.
        if (err instanceof SealedRefusal && err.code === "unknown_key" && !relearned) {
          const fresh = await learnCard(s, origin, via.nodeId).catch(() => undefined);
          if (fresh) {
            card = fresh;
            continue;
          }
        }
        if (err instanceof SealedRefusal && !FORWARDER_REFUSALS.has(err.code)) throw new PeerRequestError(err.code, `refused by the origin through ${via.name}: ${err.message} (${err.code})`, false);
        failures.push(`through ${via.name}: ${err.message}`);
        break;
      }
    }
    if (o.signal.aborted) break;
  }
  throw new PeerRequestError("unreachable", `no forwarder could carry the call (${failures.join("; ")})`, false);
}

async function forwardOnce(s: ForwardedPort, via: Peer, card: Card, own: Card, request: RelayRequest, o: RelayOptions): Promise<AnswerFrame["answer"]> {
  const identity = await s.identity();
  let version;
  try {
    version = negotiateVersion(PROTOCOL_VERSIONS, card.versions);
  } catch (err) {
    if (err instanceof NegotiationError) throw new NoForwardedRoute(err.message);
    throw err;
  }
  const sealed = await seal({
    primitives: identity.primitives,
    signer: identity.signing.signer,
    from: identity.nodeId,
    to: card.id,
    recipientKey: card.keys.kem[0]!,
    version,
    method: "POST",
    path: federationPath(version, "call"),
    plaintext: new TextEncoder().encode(JSON.stringify(request)),
    now: s.now(),
  });
  const message: ForwardRequest = { type: "forward", to: card.id, envelope: toBase64url(sealed.bytes), card: own };
  return s.federation.forward(via, message, (frame) => sealed.openResponse(frame), o);
}
