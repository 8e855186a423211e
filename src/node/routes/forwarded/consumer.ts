// The consumer's side of the forwarded route (docs/protocol.md §12): a call to an origin that is
// not an active peer of this node, sealed end to end to the origin's card (a peer's, or one
// learned through gossip) and signed by this node, handed to a peer that offers `route-forward`.
// Forwarders whose signed claim names the origin go first (§12.6.1), then the peer the origin's
// card came through. A forwarder that fails before the call
// could have reached the origin gives way to the next; a refusal by the origin ends the call.
// Forwarders that charge nothing go before those that charge a fee (§12.5); one whose fee is over
// FORWARD_FEE_MAX is not used, and a paid forward is paid by a record with the forwarder alone.
import type { Card } from "../../../protocol/card/schema.ts";
import { toBase64url } from "../../../protocol/encoding/bytes.ts";
import { seal, type Sealed } from "../../../protocol/envelope/seal.ts";
import { CHECKPOINTS_FEATURE } from "../../../protocol/ledger/suite.ts";
import { federationPath } from "../../../protocol/messages/federation.ts";
import type { AnswerFrame } from "../../../protocol/messages/relay.ts";
import type { RelayRequest } from "../../../protocol/messages/relay-items.ts";
import { FORWARD_FEATURE, type FORWARDED_MESSAGES, type ForwardedRequest, type ForwardRequest } from "../../../protocol/routes/forward.ts";
import { feePricing, feeResultHash, feeTool, forwardFeeFrame, withinCap } from "../../../protocol/routes/forward-fee.ts";
import type { LedgerRecord, SignedIntent } from "../../../protocol/ledger/record.ts";
import { ReceiptRejected, signIntent } from "../../../protocol/ledger/signing.ts";
import type { Ledger } from "../../ledger/ledger.ts";
import { log } from "../../logging/log.ts";
import { identitySigner } from "../../registry/node-keys.ts";
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
import { forwardingClaims } from "../../../store/forwarding-claims.ts";
import { cardLearnedFrom } from "../../../store/origin-cards.ts";
import { getPeer, listPeers, type Peer } from "../../../store/peers.ts";

/** The settings a forwarded request reads. */
export type ForwardedConfig = Pick<Config, "channels" | "ledgerCheckpoints" | "routesOffer" | "publicUrl" | "publicNode" | "clockSkewSeconds" | "forwardFeeMax" | "callTimeoutMs">;

export interface ForwardedPort {
  db: Database;
  config: ForwardedConfig;
  ledger: Pick<Ledger, "countersign" | "flag">;
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
export const FORWARDER_REFUSALS = new Set(["route_not_offered", "rate_limited", "quarantined", "forward_refused", "unknown_destination", "destination_unreachable", "fee_refused", "bad_request"]);

/** The origin as a forwarded call addresses it: its card, and the features both sides offer. */
export interface ForwardTarget {
  card: Card;
  features: string[];
}

/**
 * The origin's card and the features a forwarded call to it may use: with a node that is not a
 * peer, checkpoints are left out, as they are exchanged between peers only (such a record is
 * signed with composite signatures).
 */
export async function forwardedTarget(s: Pick<ForwardedPort, "db" | "config">, origin: string): Promise<ForwardTarget | undefined> {
  // A peer forwarded to (asked for by the call) keeps what the two agreed, checkpoints included.
  const peer = await getPeer(s.db, origin);
  if (peer?.state === "active") return { card: peer.card, features: peer.features };
  const card = await knownCard(s, origin);
  return card && { card, features: commonFeatures(offeredFeatures(s.config), card.features).filter((f) => f !== CHECKPOINTS_FEATURE) };
}

/** A peer that offers to forward, and whether its signed claim (§12.6.1) names the origin. */
export type Forwarder = Peer & { claimsOrigin: boolean };

/**
 * The active peers that offer to forward, never the origin itself: those whose claim names the
 * origin first (asking one that does not reach it tells it whom this node calls, for nothing),
 * then free ones before those with a fee, by fee, and among equals the one the origin's card came
 * through first. Those whose fee is over this node's cap are listed too (for `mcpfed route`); a
 * call skips them.
 */
export async function forwardersTo(s: Pick<ForwardedPort, "db" | "quarantine">, origin: string): Promise<Forwarder[]> {
  const [peers, via] = await Promise.all([listPeers(s.db), cardLearnedFrom(s.db, origin)]);
  const offering = peers.filter((p) => p.state === "active" && p.nodeId !== origin && p.card.features.includes(FORWARD_FEATURE));
  const allowed: Peer[] = [];
  for (const p of offering) if (!(await s.quarantine.has(p.nodeId))) allowed.push(p);
  const claims = await forwardingClaims(s.db, allowed.map((p) => p.nodeId));
  const forwarders = allowed.map((p) => ({ ...p, claimsOrigin: claims.get(p.nodeId)?.has(origin) ?? false }));
  const fee = (p: Peer) => p.card.forwardFee?.amount ?? 0;
  return forwarders.sort((a, b) => Number(b.claimsOrigin) - Number(a.claimsOrigin) || fee(a) - fee(b) || Number(b.nodeId === via) - Number(a.nodeId === via));
}

/** What the caller does with a forwarder's fee record once countersigned: deliver it to the forwarder, as after a call. */
export type FeePaid = (forwarder: string, record: LedgerRecord) => void;

export async function forwardedCall(s: ForwardedPort, origin: string, request: RelayRequest, o: RelayOptions, paid: FeePaid): Promise<AnswerFrame["answer"]> {
  let card = await knownCard(s, origin);
  if (!card) throw new NoForwardedRoute("this node holds no card of it to seal a forwarded call to");
  if (await reachedDirectly(s, origin)) {
    try {
      return await directOnce(s, card, request, o);
    } catch (err) {
      if (!(err instanceof PeerRequestError) || err.delivered !== false) throw err;
      if (err instanceof SealedRefusal && !FORWARDER_REFUSALS.has(err.code)) throw new PeerRequestError(err.code, `refused by the origin: ${err.message} (${err.code})`, false);
      // Out of reach from here, or it takes no strangers' envelopes: a forwarder may still carry it.
      log.info("route.direct_failed", { origin, code: err.code });
    }
  }
  const offering = await forwardersTo(s, origin);
  if (offering.length === 0) throw new NoForwardedRoute("no active peer of this node offers to forward (route-forward)");
  const forwarders = offering.filter((p) => withinCap(p.card.forwardFee, s.config.forwardFeeMax));
  if (forwarders.length === 0) {
    const fees = offering.map((p) => `${p.alias ?? p.name} charges ${p.card.forwardFee!.amount} ${p.card.forwardFee!.unit}`).join(", ");
    throw new NoForwardedRoute(`every forwarder's fee is over this node's FORWARD_FEE_MAX (${fees})`);
  }
  if (!s.config.publicUrl) throw new NoForwardedRoute("this node has no PUBLIC_URL to name in the card a forwarded call carries");
  const own = await carriedCard(s, origin);
  const failures: string[] = [];
  for (const via of forwarders) {
    for (let relearned = false; ; relearned = true) {
      try {
        return await forwardOnce(s, via, card, own, request, o, paid);
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

/**
 * Whether a forwarded request to `origin` goes straight to it first (§20.8): its card was learned
 * from the origin itself, when this node took the entries of tools the index found there.
 */
export async function reachedDirectly(s: Pick<ForwardedPort, "db" | "config">, origin: string): Promise<boolean> {
  // The origin takes a stranger's own envelope only from a public node of its directory.
  return s.config.publicNode && s.config.publicUrl !== undefined && (await cardLearnedFrom(s.db, origin)) === origin;
}

/** The call sealed to the origin, in a `forwarded` message this node sends it itself. */
async function directOnce(s: ForwardedPort, card: Card, request: RelayRequest, o: RelayOptions): Promise<AnswerFrame["answer"]> {
  const sealed = await sealToOrigin(s, card, "call", request);
  const own = await carriedCard(s, card.id);
  const message: ForwardedRequest = { type: "forwarded", envelope: toBase64url(sealed.bytes), ...(own ? { card: own } : {}) };
  return s.federation.direct(card, sealed.header.v, message, (frame) => sealed.openResponse(frame), o);
}

/** This node's card, carried to an origin that is not its peer (a peer holds it already; none without a PUBLIC_URL to name). */
export async function carriedCard(s: Pick<ForwardedPort, "db" | "config" | "card" | "now">, origin: string): Promise<Card | undefined> {
  if ((await getPeer(s.db, origin))?.state === "active" || !s.config.publicUrl) return undefined;
  return (await s.card()).get(s.config.publicUrl.origin, s.now());
}

/** An envelope to the origin of `card`, bound to its endpoint for `message`, signed by this node: what a forwarder passes on. */
export async function sealToOrigin(s: Pick<ForwardedPort, "identity" | "now">, card: Card, message: (typeof FORWARDED_MESSAGES)[number], payload: unknown): Promise<Sealed> {
  const identity = await s.identity();
  let version;
  try {
    version = negotiateVersion(PROTOCOL_VERSIONS, card.versions);
  } catch (err) {
    if (err instanceof NegotiationError) throw new NoForwardedRoute(err.message);
    throw err;
  }
  return seal({
    primitives: identity.primitives,
    signer: identity.signing.signer,
    from: identity.nodeId,
    to: card.id,
    recipientKey: card.keys.kem[0]!,
    version,
    method: "POST",
    path: federationPath(version, message),
    plaintext: new TextEncoder().encode(JSON.stringify(payload)),
    now: s.now(),
  });
}

async function forwardOnce(s: ForwardedPort, via: Peer, card: Card, own: Card | undefined, request: RelayRequest, o: RelayOptions, paid: FeePaid): Promise<AnswerFrame["answer"]> {
  const identity = await s.identity();
  const sealed = await sealToOrigin(s, card, "call", request);
  const envelope = toBase64url(sealed.bytes);
  const fee = via.card.forwardFee;
  const signer = identitySigner(identity);
  const feeIntent = fee && (await signIntent(signer, { provider: via.nodeId, tool: await feeTool(via.nodeId, fee), params: { envelope }, price: feePricing(fee), requestedAt: Date.now() }));
  const message: ForwardRequest = { type: "forward", to: card.id, envelope, ...(own ? { card: own } : {}), ...(feeIntent ? { fee: feeIntent } : {}) };
  const started = performance.now();
  const onFee = feeIntent && ((opened: Uint8Array) => payFee(s, via.nodeId, card.id, feeIntent, opened, Math.ceil(performance.now() - started), paid));
  return s.federation.forward(via, message, (frame) => sealed.openResponse(frame), o, onFee);
}

/**
 * The forwarder's fee frame: its receipt for this call's fee intent, for delivery to `to`,
 * countersigned and stored confirmed, then handed to `paid` for delivery. A receipt that fails the
 * checks is flagged and not countersigned; the call's own answer is read all the same.
 */
async function payFee(s: ForwardedPort, forwarder: string, to: string, sent: SignedIntent, opened: Uint8Array, elapsedMs: number, paid: FeePaid): Promise<void> {
  let received: unknown;
  try {
    received = JSON.parse(new TextDecoder().decode(opened));
  } catch {
    received = undefined;
  }
  const frame = forwardFeeFrame.safeParse(received);
  try {
    if (!frame.success || frame.data.receipt.receipt.result !== (await feeResultHash(to))) throw new ReceiptRejected("malformed");
    const completed = await s.ledger.countersign(identitySigner(await s.identity()), sent, frame.data.receipt, elapsedMs);
    paid(forwarder, completed);
  } catch (err) {
    if (!(err instanceof ReceiptRejected)) throw err;
    await s.ledger.flag(sent.intent.id, forwarder, `receipt_${err.reason}`, received);
    log.warn("route.forward_fee_rejected", { forwarder, reason: err.reason });
  }
}
