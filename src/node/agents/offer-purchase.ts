// Accepting an offer (protocol §17.3): the declaring node buys a grant from the offering node with
// the subscribe message (§6.9), the offer's key standing for the entry key and its terms for the
// price. The grant covers `<offerer>/offer/<intent id>` and the purchase is a ledger record both
// sides sign, as any subscription's is: the provider stores it pending, the consumer countersigns
// and delivers the countersignature.
import type { z } from "zod";
import { offerKey, type OfferBody } from "../../protocol/registry/agent-entries.ts";
import type { Pricing } from "../../protocol/ledger/pricing.ts";
import { subscribeReply, type subscribeRequest } from "../../protocol/messages/relay.ts";
import type { Entry } from "../../protocol/registry/entry.ts";
import { entryById, liveEntriesAt } from "../../store/agents.ts";
import { getPeer } from "../../store/peers.ts";
import { purchaseGrant, sellGrant, type Purchase, type SubscriptionPort } from "../relay/subscriptions.ts";
import { pushCountersigned } from "../relay/countersigns.ts";
import { AgentRefusal } from "./refusal.ts";

type Reply = z.infer<typeof subscribeReply>;

/** Whether a subscribe message's key names an offer rather than a tool. */
export function isOfferKey(key: string): boolean {
  return key.startsWith("offer/");
}

/** What the grant covers: the offer's work for that intent, at the offering node. */
function offerTool(offerer: string, offer: Entry): { id: string; fingerprint: string } {
  return { id: `${offerer}/${offer.signed.key}`, fingerprint: `sha256:${offer.id}` };
}

function pricingOf(body: OfferBody): Pricing {
  const { amount, unit, periodSeconds } = body.terms;
  return { model: "subscription", amount, unit, periodSeconds };
}

/** The offering node's side: the offer must be its live one, for an intent the buyer declared. */
export async function serveOfferPurchase(s: SubscriptionPort, from: string, request: z.infer<typeof subscribeRequest>): Promise<Reply> {
  const [offer] = await liveEntriesAt(s.db, "offer", request.key, s.nodeId);
  if (!offer || offer.signed.kind !== "offer" || offer.signed.tombstone || offer.signed.body.expires <= Date.now()) return { ok: false, error: { code: "not_shared", message: `${request.key} is not an open offer of this node` } };
  const intent = await entryById(s.db, offer.signed.body.intent);
  // Only the node that declared the intent buys what answers it.
  if (!intent || intent.signed.origin !== from) return { ok: false, error: { code: "intent_refused", message: "the offer answers another node's intent" } };
  return sellGrant(s, from, request, { tool: offerTool(s.nodeId, offer), pricing: pricingOf(offer.signed.body) }, "offer");
}

/** The declaring node's side: proposes the offer's terms, pays by intent, countersigns, keeps the grant. */
export async function buyOffer(s: SubscriptionPort, offer: Entry & { signed: { kind: "offer"; body: OfferBody } }, defer: (work: Promise<unknown>) => void, payer?: string): Promise<Purchase> {
  const provider = offer.signed.origin;
  const peer = await getPeer(s.db, provider);
  if (peer?.state !== "active") throw new AgentRefusal("offer_refused", `the offering node ${provider} is not an active peer of this node`);
  const sale = { provider, key: offerKey(offer.signed.body.intent), tool: offerTool(provider, offer), pricing: pricingOf(offer.signed.body), ...(payer === undefined ? {} : { payer }) };
  const bought = await purchaseGrant(s, peer, sale, (why) => new AgentRefusal("offer_refused", `${provider}: ${why}`));
  // No call to the provider may follow soon to carry the countersignature: push it.
  defer(pushCountersigned(s, s.relay.outbox, provider));
  return bought;
}
