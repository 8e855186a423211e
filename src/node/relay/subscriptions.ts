// Subscriptions: a consumer buys a provider's signed grant for a tool priced by subscription, and
// its calls then present the grant and cost 0 each. The purchase is itself a ledger record, with
// a quote naming the grant bought, signed by both sides like a call's, so balances count it.
import type { z } from "zod";
import type { ListedFederatedTool } from "../catalog/federated-view.ts";
import type { FederationClient } from "../federation-client/client.ts";
import type { LocalIdentity } from "../identity/local.ts";
import type { Ledger } from "../ledger/ledger.ts";
import { identitySigner } from "../registry/node-keys.ts";
import type { Config } from "../settings/config.ts";
import { grantId, grantTerms, signedGrant, signGrantTerms, type Grant, type SignedGrant } from "../../protocol/ledger/grant.ts";
import { PricingError, readPricing, type Pricing, type Quote } from "../../protocol/ledger/pricing.ts";
import { contentHash, record as recordSchema } from "../../protocol/ledger/record.ts";
import { ReceiptRejected, signIntent } from "../../protocol/ledger/signing.ts";
import { toolOfKey } from "../../protocol/registry/entry.ts";
import { canonicalJson } from "../../protocol/encoding/canonical-json.ts";
import { subscribeReply, type subscribeRequest } from "../../protocol/messages/relay.ts";
import type { Database } from "../../store/database.ts";
import { getPeer, type Peer } from "../../store/peers.ts";
import { ownLiveEntry } from "../../store/registry.ts";
import { heldGrantText, listSubscriptions as storedSubscriptions, saveSubscription, type Subscription } from "../../store/subscriptions.ts";
import type { Outbox, PushPort } from "./countersigns.ts";
import type { Quarantine } from "../trust/quarantine.ts";
import { BudgetRefused, type CallCharges, type Charged } from "../budgets/call-charges.ts";
import { tierRefusal, type TierPort } from "./tier-refusal.ts";

export type { Subscription };

/** What subscriptions need of the node. */
export interface SubscriptionPort extends Omit<TierPort, "config" | "ledger"> {
  db: Database;
  nodeId: string;
  identity: () => Promise<LocalIdentity>;
  config: Pick<Config, "clockSkewSeconds" | "trust"> & PushPort["config"];
  ledger: Ledger;
  federation: FederationClient;
  relay: { outbox: Outbox };
  quarantine: Pick<Quarantine, "has">;
  /** For the countersignature's push (PushPort). */
  now: () => number;
  card: PushPort["card"];
  charges: Pick<CallCharges, "check">;
}

export class SubscriptionError extends Error {
  override name = "SubscriptionError";
}

type Reply = z.infer<typeof subscribeReply>;

/** The provider's side: checks the proposed terms and the intent, signs the grant and the receipt. */
export async function serveSubscribe(s: SubscriptionPort, from: string, request: z.infer<typeof subscribeRequest>): Promise<Reply> {
  const entry = await ownLiveEntry(s.db, s.nodeId, request.key);
  if (!entry || entry.signed.kind !== "tool" || entry.signed.tombstone) return { ok: false, error: { code: "not_shared", message: `${request.key} is not shared by this node` } };
  let pricing;
  try {
    pricing = readPricing(entry.signed.body.pricing);
  } catch (err) {
    if (err instanceof PricingError) return { ok: false, error: { code: "internal", message: `${request.key} has a pricing this node cannot read` } };
    throw err;
  }
  if (pricing.model !== "subscription") return { ok: false, error: { code: "price_changed", message: `${request.key} is priced ${pricing.model}, not by subscription` } };
  return sellGrant(s, from, request, { tool: { id: `${s.nodeId}/${toolOfKey(request.key).group}`, fingerprint: entry.signed.body.fingerprint }, pricing }, "subscription");
}

/**
 * The sale of a grant once the seller has found what it sells (a shared tool, an agent's offer, a
 * package's licence): a buyer in quarantine is refused, and a sale counts against the buyer's
 * trust tier's rate and quota as a call does, once its intent passed (not against its credit: a grant is how a peer
 * past its credit keeps calling); then the buyer's intent is checked against the terms, and the
 * grant and the receipt are signed.
 */
export async function sellGrant(
  s: SubscriptionPort,
  from: string,
  request: z.infer<typeof subscribeRequest>,
  sold: { tool: { id: string; fingerprint: string }; pricing: Pricing },
  what: string,
): Promise<Reply> {
  if (await s.quarantine.has(from)) return { ok: false, error: { code: "quarantined", message: `${what} refused: this node holds the buyer in quarantine` } };
  const accepted = await s.ledger.acceptPurchase(request, { self: s.nodeId, tool: sold.tool, pricing: sold.pricing, now: Date.now(), skewMs: s.config.clockSkewSeconds * 1000 });
  if (!accepted.ok) {
    const code = accepted.reason === "price_changed" ? "price_changed" : accepted.reason === "wrong_tool" ? "fingerprint_changed" : "intent_refused";
    return { ok: false, error: { code, message: `${what} refused: ${accepted.reason}` } };
  }
  if (accepted.intent.intent.consumer !== from) return { ok: false, error: { code: "intent_refused", message: `${what} refused: signed by another node than the sender` } };
  if (await s.ledger.get(accepted.intent.intent.id)) return { ok: false, error: { code: "intent_refused", message: `${what} refused: intent already used` } };
  // Counted once the sale is otherwise sound, as a call is counted once its intent is.
  const over = await tierRefusal(s, from, undefined);
  if (over) return { ok: false, error: over };
  const signer = identitySigner(await s.identity());
  const granted = await signGrantTerms(signer, accepted.grant);
  const completedAt = Math.max(Date.now(), accepted.intent.intent.requestedAt);
  const receipt = await s.ledger.receipt(signer, accepted.intent, { result: granted, durationMs: 0, completedAt });
  return { ok: true, grant: granted, receipt };
}

/** What a buyer buys a grant for: the seller's key for it, and the tool (or stand-in) and pricing the grant covers. */
export interface GrantSale {
  provider: string;
  key: string;
  tool: { id: string; fingerprint: string };
  pricing: Pricing;
  /** The principal the grant is bought for: if the operator charged it to a budget, the budget pays. */
  payer?: string;
}

/** A bought grant, and what its buyer's budget paid for it when it has one. */
export type Purchase = Subscription & { charged?: Charged };

/**
 * The buyer's side of any grant sale (a subscription, an offer, a package licence): proposes the
 * terms, pays by intent, checks the grant and the receipt, countersigns, queues the countersignature
 * and keeps the grant. A refusal or a bad answer throws `refuse(why)`, keeping nothing but a flag.
 * Bought for a principal charged to a budget, it is paid as that principal's calls are (§17.9).
 */
export async function purchaseGrant(s: SubscriptionPort, peer: Peer, sale: GrantSale, refuse: (why: string) => Error): Promise<Purchase> {
  const { provider, tool } = sale;
  const signer = identitySigner(await s.identity());
  const terms = grantTerms(sale.pricing, { provider, consumer: s.nodeId, tool: tool.id, from: Date.now() });
  const gid = await grantId(terms);
  const price = { model: "grant", grant: gid, amount: terms.amount, unit: terms.unit } as const;
  // The buyer's budget must cover the price before the intent is signed: a refusal moves nothing.
  const charge = sale.payer === undefined ? undefined : await s.charges.check(sale.payer, price);
  if (charge && !charge.ok) throw new BudgetRefused(charge);
  try {
    const bought = await buy(s, peer, sale, refuse, { signer, terms, gid, price });
    // Debited only once the grant is held: a purchase that failed costs the budget nothing.
    return charge?.hold ? { ...bought, charged: await charge.hold.settle(bought.recordId) } : bought;
  } finally {
    charge?.hold?.release();
  }
}

async function buy(
  s: SubscriptionPort,
  peer: Peer,
  sale: GrantSale,
  refuse: (why: string) => Error,
  p: { signer: ReturnType<typeof identitySigner>; terms: Grant; gid: string; price: Quote },
): Promise<Subscription> {
  const { provider, tool } = sale;
  const { signer, terms, gid } = p;
  const intent = await signIntent(signer, { provider, tool, params: terms, price: p.price, requestedAt: Date.now() });
  const started = performance.now();
  const reply = await s.federation.call(peer, "subscribe", { type: "subscribe", key: sale.key, grant: terms, intent }, subscribeReply);
  if (!reply.ok) throw refuse(reply.error.message);
  const elapsed = Math.ceil(performance.now() - started);
  const granted = signedGrant.safeParse(reply.grant);
  // The grant must be the terms proposed, signed by the provider: otherwise nothing was bought.
  if (!granted.success || canonicalJson(granted.data.grant) !== canonicalJson(terms) || !(await s.ledger.coveringGrant(granted.data, { provider, consumer: s.nodeId, tool: tool.id, at: terms.from }))) {
    await s.ledger.flag(intent.intent.id, provider, "grant_invalid", reply.grant);
    throw refuse("answered with a grant that is not the one bought");
  }
  let completed;
  try {
    const receipt = recordSchema.safeParse(reply.receipt);
    if (!receipt.success || receipt.data.receipt.result !== (await contentHash(granted.data))) throw new ReceiptRejected("malformed");
    completed = await s.ledger.countersign(signer, intent, receipt.data, elapsed);
  } catch (err) {
    if (!(err instanceof ReceiptRejected)) throw err;
    await s.ledger.flag(intent.intent.id, provider, `receipt_${err.reason}`, reply.receipt);
    throw refuse(`its receipt was rejected (${err.reason})`);
  }
  s.relay.outbox.add(provider, completed.intent.id, completed);
  const row = { grantId: gid, provider, tool: tool.id, from: terms.from, until: terms.until, grant: canonicalJson(granted.data), recordId: completed.intent.id };
  await saveSubscription(s.db, row);
  return { grantId: gid, provider, tool: row.tool, from: row.from, until: row.until, recordId: row.recordId };
}

/** The consumer's side: proposes terms at the listed price, pays by intent, keeps the grant. */
export async function subscribe(s: SubscriptionPort, tool: ListedFederatedTool, payer?: string): Promise<Purchase> {
  const peer = await getPeer(s.db, tool.origin);
  if (peer?.state !== "active") throw new SubscriptionError(`${tool.alias} is not an active peer of this node`);
  let pricing;
  try {
    pricing = readPricing(tool.pricing);
  } catch (err) {
    if (err instanceof PricingError) throw new SubscriptionError(`${tool.shortName}'s price cannot be read here: ${err.message}`);
    throw err;
  }
  if (pricing.model !== "subscription") throw new SubscriptionError(`${tool.shortName} is priced ${pricing.model}; there is nothing to subscribe to`);
  const sale = { provider: tool.origin, key: tool.key, tool: { id: tool.globalId, fingerprint: tool.fingerprint }, pricing, ...(payer === undefined ? {} : { payer }) };
  return purchaseGrant(s, peer, sale, (why) => new SubscriptionError(`peer ${tool.alias}: ${why}`));
}

/** The grant this node holds for calls to `tool` at `provider` now, the longest-running first. */
export async function heldGrant(s: Pick<SubscriptionPort, "db">, provider: string, tool: string, at = Date.now()): Promise<{ id: string; grant: SignedGrant } | undefined> {
  const held = await heldGrantText(s.db, provider, tool, at);
  return held && { id: held.id, grant: JSON.parse(held.grant) as SignedGrant };
}

export function listSubscriptions(s: Pick<SubscriptionPort, "db">): Promise<Subscription[]> {
  return storedSubscriptions(s.db);
}
