// Accepting an offer (protocol §17.3): the declaring node buys a grant from the offering node with
// the subscribe message (§6.9), the offer's key standing for the entry key and its terms for the
// price. The grant covers `<offerer>/offer/<intent id>` and the purchase is a ledger record both
// sides sign, as any subscription's is: the provider stores it pending, the consumer countersigns
// and delivers the countersignature.
import type { z } from "zod";
import { offerKey, type OfferBody } from "../../protocol/registry/agent-entries.ts";
import { grantId, grantTerms, signedGrant } from "../../protocol/ledger/grant.ts";
import { contentHash, record as recordSchema } from "../../protocol/ledger/record.ts";
import { ReceiptRejected, signIntent } from "../../protocol/ledger/signing.ts";
import type { Pricing } from "../../protocol/ledger/pricing.ts";
import { canonicalJson } from "../../protocol/encoding/canonical-json.ts";
import { subscribeReply, type subscribeRequest } from "../../protocol/messages/relay.ts";
import type { Entry } from "../../protocol/registry/entry.ts";
import { entryById, liveEntriesAt } from "../../store/agents.ts";
import { getPeer } from "../../store/peers.ts";
import { saveSubscription, type Subscription } from "../../store/subscriptions.ts";
import { identitySigner } from "../registry/node-keys.ts";
import { sellGrant, type SubscriptionPort } from "../relay/subscriptions.ts";
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
export async function buyOffer(s: SubscriptionPort, offer: Entry & { signed: { kind: "offer"; body: OfferBody } }, defer: (work: Promise<unknown>) => void): Promise<Subscription> {
  const provider = offer.signed.origin;
  const peer = await getPeer(s.db, provider);
  if (peer?.state !== "active") throw new AgentRefusal("offer_refused", `the offering node ${provider} is not an active peer of this node`);
  const pricing = pricingOf(offer.signed.body);
  const tool = offerTool(provider, offer);
  const signer = identitySigner(await s.identity());
  const terms = grantTerms(pricing, { provider, consumer: s.nodeId, tool: tool.id, from: Date.now() });
  const intent = await signIntent(signer, {
    provider,
    tool,
    params: terms,
    price: { model: "grant", grant: await grantId(terms), amount: terms.amount, unit: terms.unit },
    requestedAt: Date.now(),
  });
  const started = performance.now();
  const reply = await s.federation.call(peer, "subscribe", { type: "subscribe", key: offerKey(offer.signed.body.intent), grant: terms, intent }, subscribeReply);
  if (!reply.ok) throw new AgentRefusal("offer_refused", `${provider}: ${reply.error.message}`);
  const elapsed = Math.ceil(performance.now() - started);
  const granted = signedGrant.safeParse(reply.grant);
  if (!granted.success || canonicalJson(granted.data.grant) !== canonicalJson(terms) || !(await s.ledger.coveringGrant(granted.data, { provider, consumer: s.nodeId, tool: tool.id, at: terms.from }))) {
    await s.ledger.flag(intent.intent.id, provider, "grant_invalid", reply.grant);
    throw new AgentRefusal("offer_refused", `${provider} answered with a grant that is not the one bought`);
  }
  let completed;
  try {
    const receipt = recordSchema.safeParse(reply.receipt);
    if (!receipt.success || receipt.data.receipt.result !== (await contentHash(granted.data))) throw new ReceiptRejected("malformed");
    completed = await s.ledger.countersign(signer, intent, receipt.data, elapsed);
  } catch (err) {
    if (!(err instanceof ReceiptRejected)) throw err;
    await s.ledger.flag(intent.intent.id, provider, `receipt_${err.reason}`, reply.receipt);
    throw new AgentRefusal("offer_refused", `${provider}: its receipt was rejected (${err.reason})`);
  }
  s.relay.outbox.add(provider, completed.intent.id, completed);
  // No call to the provider may follow soon to carry the countersignature: push it.
  defer(pushCountersigned(s, s.relay.outbox, provider));
  const row = { grantId: await grantId(terms), provider, tool: tool.id, from: terms.from, until: terms.until, grant: canonicalJson(granted.data), recordId: completed.intent.id };
  await saveSubscription(s.db, row);
  return { grantId: row.grantId, provider, tool: row.tool, from: row.from, until: row.until, recordId: row.recordId };
}
