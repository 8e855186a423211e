// The issuer's side of redemption on a provider's behalf (docs/protocol.md §15.9): a peer that
// accepts this node's tokens sends those a call paid with. They are checked and spent here, in the
// one spent set of this node's tokens, exactly as a local redemption spends them; this node then
// promises the provider their worth by an intent it signs as consumer. When the provider's receipt
// comes back it countersigns, and both hold the record. It learns which provider took how many
// tokens and when; never the call, the tool or who paid.
import { contentHash, record as recordSchema } from "../../protocol/ledger/record.ts";
import { ReceiptRejected, signIntent } from "../../protocol/ledger/signing.ts";
import { redemptionQuote, redemptionResult, redemptionTool, type RedeemErrorCode, type TokenRedeemReply, type TokenRedeemRequest } from "../../protocol/tokens/online-redemption.ts";
import { recordRedemptionCount, redemptionCount } from "../../store/token-issuer.ts";
import type { LocalIdentity } from "../identity/local.ts";
import type { Ledger } from "../ledger/ledger.ts";
import { identitySigner } from "../registry/node-keys.ts";
import type { Quarantine } from "../trust/quarantine.ts";
import { checkOwnTokens, spendOwn, type RedemptionPort } from "./redemption.ts";

export interface IssuerRedemptionPort extends RedemptionPort {
  ledger: Ledger;
  identity: () => Promise<LocalIdentity>;
  quarantine: Pick<Quarantine, "has">;
}

/** How long the count of a redemption is kept for its receipt. */
const COUNT_KEPT_MS = 30 * 86_400_000;

const refuse = (code: RedeemErrorCode, message: string): TokenRedeemReply => ({ ok: false, error: { code, message } });

export async function serveTokenRedeem(s: IssuerRedemptionPort, from: string, r: TokenRedeemRequest): Promise<TokenRedeemReply> {
  if (await s.quarantine.has(from)) return refuse("quarantined", "this node holds the provider in quarantine");
  if (r.type === "token-redeem-receipt") return countersignReceipt(s, from, r.receipt);
  // Receipts for tokens already spent are countersigned even after issuing stops; new redemptions are not taken.
  if (!s.config.tokens.issue) return refuse("not_issuing", "this node does not issue tokens");
  return redeem(s, from, r.tokens, r.price);
}

async function redeem(s: IssuerRedemptionPort, provider: string, tokens: string[], expected: { amount: number; unit: string }): Promise<TokenRedeemReply> {
  const now = Date.now();
  // Checked before anything is spent: the provider priced the call at a denomination this node no longer has.
  const price = redemptionQuote(tokens.length, s.config.tokens);
  if (price.amount !== expected.amount || price.unit !== expected.unit) {
    return refuse("denomination_changed", `${tokens.length} token(s) are worth ${price.amount} ${price.unit} here, not ${expected.amount} ${expected.unit}`);
  }
  const checked = await checkOwnTokens(s, tokens, now);
  if (!checked.ok) return refuse(checked.code === "token_spent" || checked.code === "token_key_expired" ? checked.code : "token_invalid", checked.message);
  if (!(await spendOwn(s, checked, now))) return refuse("token_spent", "a token was already spent");
  const signer = identitySigner(await s.identity());
  const intent = await signIntent(signer, { provider, tool: redemptionTool(provider, s.nodeId), params: { tokens }, price, requestedAt: now });
  await recordRedemptionCount(s.db, intent.intent.id, tokens.length, now + COUNT_KEPT_MS);
  return { ok: true, intent };
}

/** Countersigns the provider's receipt over an intent this node signed for a redemption; holds the record confirmed. */
async function countersignReceipt(s: IssuerRedemptionPort, provider: string, input: unknown): Promise<TokenRedeemReply> {
  const parsed = recordSchema.safeParse(input);
  if (!parsed.success) return refuse("receipt_refused", "not a ledger record");
  const r = parsed.data;
  const { intent } = r;
  if (intent.consumer !== s.nodeId || intent.provider !== provider || intent.tool.id !== redemptionTool(provider, s.nodeId).id || intent.price.model !== "per_call") {
    return refuse("receipt_refused", "not the record of a redemption this node made for the sender");
  }
  const held = await s.ledger.get(intent.id);
  if (held) return held.status === "confirmed" && held.peer === provider ? { ok: true, record: JSON.parse(held.record) } : refuse("receipt_refused", "this node holds that record otherwise");
  // The intent comes back from the provider: it must be this node's own signature.
  if (!(await s.ledger.signedOwnIntent({ intent, sig: r.sigs.intent }))) return refuse("receipt_refused", "the intent is not this node's");
  // The count taken, not the price over today's TOKEN_VALUE: the denomination may have changed since.
  const n = await redemptionCount(s.db, intent.id);
  if (n === undefined) return refuse("receipt_refused", "this node keeps no redemption under that intent");
  if (r.receipt.result !== (await contentHash(redemptionResult(n)))) return refuse("receipt_refused", "the receipt's result is not the redemption's");
  try {
    // durationMs 0: the provider measures nothing for a redemption.
    const record = await s.ledger.countersign(identitySigner(await s.identity()), { intent, sig: r.sigs.intent }, r, 0);
    return { ok: true, record };
  } catch (err) {
    if (!(err instanceof ReceiptRejected)) throw err;
    await s.ledger.flag(intent.id, provider, `receipt_${err.reason}`, input);
    return refuse("receipt_refused", `the receipt was rejected (${err.reason})`);
  }
}
