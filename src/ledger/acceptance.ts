// The provider's decision on an intent, before it runs the call: the consumer signed it, it is
// addressed to this node, it names the tool as this node offers it now, and its quote is this
// node's current price. A stale quote is refused rather than honoured or repriced, so the
// consumer re-quotes and signs what it will actually be charged.
import { canonicalJson } from "../registry/entry.ts";
import { coveringGrant } from "./grant.ts";
import { quoteOf, type Pricing } from "./pricing.ts";
import { signedIntent, type SignedIntent } from "./record.ts";
import { verifyIntent, type LedgerVerifier } from "./signing.ts";

export type IntentRejection =
  | "malformed"
  | "unknown_node"
  | "bad_intent_signature"
  | "not_addressed"
  | "wrong_tool"
  | "price_changed"
  | "no_grant";

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
}

export async function acceptIntent(verifier: LedgerVerifier, input: unknown, offer: Offer): Promise<Acceptance> {
  const parsed = signedIntent.safeParse(input);
  if (!parsed.success) return { ok: false, reason: "malformed" };
  const s = parsed.data;
  if (s.intent.provider !== offer.self) return { ok: false, reason: "not_addressed" };
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
