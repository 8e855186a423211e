// The provider's decision on an intent, before it runs the call: the consumer signed it, it is
// addressed to this node, it names the tool as this node offers it now, and its quote is this
// node's current price. A stale quote is refused rather than honoured or repriced, so the
// consumer re-quotes and signs what it will actually be charged.
import { canonicalJson } from "../encoding/canonical-json.ts";
import { coveringGrant, grant, grantId, grantMatches, type Grant } from "./grant.ts";
import { quoteOf, type Pricing, type Quote } from "./pricing.ts";
import { contentHash, signedIntent, type SignedIntent } from "./record.ts";
import { verifyIntent, type LedgerVerifier } from "./signing.ts";

export type IntentRejection =
  | "malformed"
  | "unknown_node"
  | "bad_intent_signature"
  | "not_addressed"
  | "wrong_tool"
  | "price_changed"
  | "no_grant"
  | "unsupported_suite";

export type Acceptance = { ok: true; intent: SignedIntent } | { ok: false; reason: IntentRejection };

export interface Offer {
  /** This node's id. */
  self: string;
  /** The tool as this node shares it now. */
  tool: { id: string; fingerprint: string };
  pricing: Pricing;
  /** The signed grant the consumer presents for a subscription call. */
  grant?: unknown;
  now: number;
  /** Whether this consumer and this node agreed on the checkpoint suite (feature ledger-checkpoints). */
  checkpointSuite?: boolean;
}

export async function acceptIntent(verifier: LedgerVerifier, input: unknown, offer: Offer): Promise<Acceptance> {
  const parsed = signedIntent.safeParse(input);
  if (!parsed.success) return { ok: false, reason: "malformed" };
  const s = parsed.data;
  if (s.intent.provider !== offer.self) return { ok: false, reason: "not_addressed" };
  // A suite the two did not agree on would leave the record without the checkpoints it needs.
  if (s.intent.suite !== undefined && !offer.checkpointSuite) return { ok: false, reason: "unsupported_suite" };
  const verdict = await verifyIntent(verifier, offer.self, s);
  if (verdict === "unknown_node" || verdict === "bad_intent_signature") return { ok: false, reason: verdict };
  if (verdict !== "valid") return { ok: false, reason: "malformed" };
  if (s.intent.tool.id !== offer.tool.id || s.intent.tool.fingerprint !== offer.tool.fingerprint) return { ok: false, reason: "wrong_tool" };
  let grant: string | undefined;
  if (offer.pricing.model === "subscription") {
    grant = await coveringGrant(verifier, offer.grant, { provider: offer.self, consumer: s.intent.consumer, tool: offer.tool.id, at: offer.now });
    if (!grant) return { ok: false, reason: "no_grant" };
  }
  const expected = quoteOf(offer.pricing, grant ? { grant } : {});
  if (canonicalJson(expected) !== canonicalJson(s.intent.price)) return { ok: false, reason: "price_changed" };
  return { ok: true, intent: s };
}

export type PurchaseRejection = IntentRejection | "bad_terms";
export type PurchaseAcceptance = { ok: true; intent: SignedIntent; grant: Grant } | { ok: false; reason: PurchaseRejection };

/**
 * The provider's decision on a subscription purchase: the proposed grant is for this consumer and
 * tool at the current price and period, starts now (within `skewMs`), and the consumer's intent
 * buys exactly that grant (its price names the grant's id, its request hash is the grant's).
 */
export async function acceptPurchase(
  verifier: LedgerVerifier,
  input: { intent: unknown; grant: unknown },
  offer: Omit<Offer, "grant"> & { skewMs: number },
): Promise<PurchaseAcceptance> {
  const s = signedIntent.safeParse(input.intent);
  const g = grant.safeParse(input.grant);
  if (!s.success || !g.success) return { ok: false, reason: "malformed" };
  const terms = g.data;
  if (
    terms.provider !== offer.self ||
    terms.consumer !== s.data.intent.consumer ||
    terms.tool !== offer.tool.id ||
    Math.abs(terms.from - offer.now) > offer.skewMs ||
    !grantMatches(terms, offer.pricing)
  ) {
    return { ok: false, reason: "bad_terms" };
  }
  if (s.data.intent.provider !== offer.self) return { ok: false, reason: "not_addressed" };
  const verdict = await verifyIntent(verifier, offer.self, s.data);
  if (verdict === "unknown_node" || verdict === "bad_intent_signature") return { ok: false, reason: verdict };
  if (verdict !== "valid") return { ok: false, reason: "malformed" };
  if (s.data.intent.tool.id !== offer.tool.id || s.data.intent.tool.fingerprint !== offer.tool.fingerprint) return { ok: false, reason: "wrong_tool" };
  const price: Quote = { model: "grant", grant: await grantId(terms), amount: terms.amount, unit: terms.unit };
  if (canonicalJson(price) !== canonicalJson(s.data.intent.price)) return { ok: false, reason: "price_changed" };
  if (s.data.intent.request !== (await contentHash(terms))) return { ok: false, reason: "bad_terms" };
  return { ok: true, intent: s.data, grant: terms };
}
