// The provider's side of redemption at a trusted issuer (docs/protocol.md §15.9): the tokens a call
// paid with go to their issuer, which spends them in its one spent set and answers with its signed
// intent to pay this node their worth. This node checks that intent as a provider checks any (§8.4),
// signs its receipt (the record is then pending here) and, after the call, hands the receipt to the
// issuer, whose countersignature confirms the record on both sides.
import { signedIntent } from "../../protocol/ledger/record.ts";
import { redemptionQuote, redemptionRequestHash, redemptionResult, redemptionTool, tokenRedeemReply, type TokenRedeemRequest } from "../../protocol/tokens/online-redemption.ts";
import type { Denomination, RedemptionRefusal } from "../../protocol/tokens/value.ts";
import { getPeer, type Peer } from "../../store/peers.ts";
import type { FederationClient } from "../federation-client/client.ts";
import { PeerRequestError } from "../federation-client/errors.ts";
import type { Ledger } from "../ledger/ledger.ts";
import { log } from "../logging/log.ts";
import { identitySigner } from "../registry/node-keys.ts";
import { denominationStale, type TrustedIssuerPort } from "./trusted-issuers.ts";

export interface OnlineRedemptionPort extends TrustedIssuerPort {
  nodeId: string;
  federation: Pick<FederationClient, "call">;
  ledger: Ledger;
}

type Outcome = { ok: true; redeemed: number } | { ok: false; code: RedemptionRefusal; message: string };

const refuse = (code: RedemptionRefusal, message: string): Outcome => ({ ok: false, code, message });

/** Redeems `tokens` (already checked here) at `issuer`, all or none; on success the record is pending here and its receipt on its way. */
export async function redeemAtIssuer(s: OnlineRedemptionPort, issuer: string, tokens: string[], denomination: Denomination, now: number, defer: (work: Promise<unknown>) => void): Promise<Outcome> {
  const peer = await getPeer(s.db, issuer);
  if (peer?.state !== "active") return refuse("issuer_unavailable", `${issuer} is not an active peer of this node`);
  const quote = redemptionQuote(tokens.length, denomination);
  let reply;
  try {
    reply = await s.federation.call(peer, "token-redeem", { type: "token-redeem", tokens, price: { amount: quote.amount, unit: quote.unit } } satisfies TokenRedeemRequest, tokenRedeemReply);
  } catch (err) {
    if (!(err instanceof PeerRequestError)) throw err;
    // The issuer may have spent them and its answer been lost: the caller is told, nothing runs.
    return refuse("issuer_unavailable", `${issuer} did not answer the redemption: ${err.message}`);
  }
  if (!reply.ok) {
    const code = reply.error.code;
    if (code === "denomination_changed") {
      denominationStale(issuer);
      return refuse("issuer_unavailable", `${issuer} priced the tokens otherwise than its directory said, and spent none; the call may be sent again: ${reply.error.message}`);
    }
    return code === "token_invalid" || code === "token_key_expired" || code === "token_spent" ? refuse(code, `${issuer}: ${reply.error.message}`) : refuse("issuer_unavailable", `${issuer} refused the redemption: ${reply.error.message}`);
  }
  if (!("intent" in reply)) return refuse("issuer_unavailable", `${issuer} answered the redemption with something else`);
  const accepted = await s.ledger.acceptIntent(reply.intent, { self: s.nodeId, tool: redemptionTool(s.nodeId, issuer), pricing: quote, now });
  const intent = accepted.ok ? accepted.intent : undefined;
  if (!intent || intent.intent.consumer !== issuer || intent.intent.request !== (await redemptionRequestHash(tokens))) {
    // Spent there, but with no promise to pay that holds: this node serves nothing for it.
    const id = signedIntent.safeParse(reply.intent).data?.intent.id ?? "unreadable";
    await s.ledger.flag(id, issuer, `redemption_intent_${accepted.ok ? "mismatch" : accepted.reason}`, reply.intent);
    return refuse("issuer_unavailable", `${issuer}'s promise to pay for the tokens does not hold (${accepted.ok ? "another request" : accepted.reason})`);
  }
  const pending = await s.ledger.receipt(identitySigner(await s.identity()), intent, { result: redemptionResult(tokens.length), durationMs: 0, completedAt: Math.max(now, intent.intent.requestedAt) });
  defer(deliverReceipt(s, peer, pending));
  return { ok: true, redeemed: tokens.length };
}

/**
 * Hands the receipt to the issuer and keeps the record it countersigned; a failure leaves the record
 * pending here, its intent signed by the issuer, and the tick sends it again. Says whether the issuer answered.
 */
export async function deliverReceipt(s: Pick<OnlineRedemptionPort, "federation" | "ledger">, peer: Peer, pending: unknown): Promise<boolean> {
  try {
    const reply = await s.federation.call(peer, "token-redeem", { type: "token-redeem-receipt", receipt: pending } satisfies TokenRedeemRequest, tokenRedeemReply);
    if (!reply.ok || !("record" in reply)) {
      log.warn("tokens.redemption_receipt_refused", { issuer: peer.nodeId, error: reply.ok ? "no record" : reply.error.code });
      return true;
    }
    const received = await s.ledger.receive(reply.record, peer.nodeId);
    if (received.outcome !== "confirmed" && received.outcome !== "duplicate") log.warn("tokens.redemption_record_refused", { issuer: peer.nodeId, outcome: received.outcome });
    return true;
  } catch (err) {
    if (!(err instanceof PeerRequestError)) throw err;
    log.warn("tokens.redemption_receipt_undelivered", { issuer: peer.nodeId, error: err.message });
    return false;
  }
}
