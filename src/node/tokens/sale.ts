// The issuer's side of the token sale (docs/protocol.md §15.3; the buyer's is
// src/node/relay/token-purchase.ts). A named active peer pays like a priced call: its intent
// quotes n tokens' worth for this node's built-in sale tool; the issuer signs the blinded requests
// and a receipt. The ledger record holds only hashes of the blinded requests and of the blind
// signatures: nothing a redeemed token can be matched to.
import { fromBase64url, toBase64url } from "../../protocol/encoding/bytes.ts";
import { IssuanceError, signTokenRequests } from "../../protocol/tokens/issuance.ts";
import { saleQuote, saleRequestHash, saleTool, type SaleErrorCode, type TokenSaleReply, type TokenSaleRequest } from "../../protocol/tokens/sale.ts";
import { recordSale } from "../../store/token-issuer.ts";
import type { LocalIdentity } from "../identity/local.ts";
import type { Ledger } from "../ledger/ledger.ts";
import { identitySigner } from "../registry/node-keys.ts";
import type { Platform } from "../settings/platform.ts";
import type { Quarantine } from "../trust/quarantine.ts";
import { signingKey, type IssuerPort } from "./issuer-keys.ts";

/** What the issuer's side of a sale needs of the node. */
export interface SalePort extends IssuerPort {
  ledger: Ledger;
  identity: () => Promise<LocalIdentity>;
  quarantine: Pick<Quarantine, "has">;
  /** Its rawRsa signs blind where the runtime has one. */
  platform: Pick<Platform, "rawRsa">;
}
const refuse = (code: SaleErrorCode, message: string): TokenSaleReply => ({ ok: false, error: { code, message } });

/** The issuer's side: checks the intent pays for exactly these requests at its price, signs them blind, signs the receipt. */
export async function serveTokenSale(s: SalePort, from: string, request: TokenSaleRequest): Promise<TokenSaleReply> {
  if (!s.config.tokens.issue) return refuse("not_issuing", "this node does not issue tokens");
  if (await s.quarantine.has(from)) return refuse("quarantined", "this node holds the buyer in quarantine");
  const now = Date.now();
  const keys = await signingKey(s, request.keyId, now);
  if (!keys) return refuse("token_key_expired", "not a current token key of this node: fetch its issuer directory again");
  const n = request.requests.length;
  const accepted = await s.ledger.acceptIntent(request.intent, { self: s.nodeId, tool: saleTool(s.nodeId, request.keyId), pricing: saleQuote(n, s.config.tokens), now });
  if (!accepted.ok) return refuse(accepted.reason === "price_changed" ? "price_changed" : "intent_refused", `sale refused: ${accepted.reason}`);
  const intent = accepted.intent;
  if (intent.intent.consumer !== from) return refuse("intent_refused", "sale refused: signed by another node than the sender");
  if (intent.intent.request !== (await saleRequestHash(request))) return refuse("intent_refused", "sale refused: the intent pays for other requests");
  if (await s.ledger.get(intent.intent.id)) return refuse("intent_refused", "sale refused: intent already used");
  const started = performance.now();
  let responses: string[];
  try {
    responses = (await signTokenRequests(keys, request.requests.map((r) => fromBase64url(r)), s.platform.rawRsa)).map(toBase64url);
  } catch (err) {
    if (!(err instanceof IssuanceError)) throw err;
    return refuse("bad_request", err.message);
  }
  const signer = identitySigner(await s.identity());
  const completedAt = Math.max(Date.now(), intent.intent.requestedAt);
  const receipt = await s.ledger.receipt(signer, intent, { result: { responses }, durationMs: Math.floor(performance.now() - started), completedAt });
  await recordSale(s.db, { recordId: intent.intent.id, consumer: from, count: n, soldAt: completedAt });
  return { ok: true, responses, receipt };
}

