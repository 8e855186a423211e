// The token sale (docs/protocol.md §15.3), both sides. The consumer, a named active peer, pays
// like a priced call: its intent quotes n tokens' worth for the issuer's built-in sale tool, the
// issuer signs the blinded requests and a receipt, the consumer unblinds and checks every token,
// countersigns, and keeps the tokens sealed in its wallet. The ledger record holds only hashes of
// the blinded requests and of the blind signatures: nothing a redeemed token can be matched to.
import { fromBase64url, toBase64url } from "../../protocol/encoding/bytes.ts";
import { record as recordSchema } from "../../protocol/ledger/record.ts";
import { ReceiptRejected, signIntent } from "../../protocol/ledger/signing.ts";
import { DIRECTORY_PATH, issuerDirectory, keyToBuy } from "../../protocol/tokens/directory.ts";
import { blindTokenRequests, IssuanceError, signTokenRequests } from "../../protocol/tokens/issuance.ts";
import { IssuerKeyError, importPublicKey, tokenKeyId } from "../../protocol/tokens/issuer-key.ts";
import { MAX_TOKENS_PER_SALE, saleQuote, saleRequestHash, saleResultHash, saleTool, tokenSaleReply, type SaleErrorCode, type TokenSaleReply, type TokenSaleRequest } from "../../protocol/tokens/sale.ts";
import { getPeer } from "../../store/peers.ts";
import { recordSale } from "../../store/token-issuer.ts";
import type { Services } from "../services.ts";
import { identitySigner } from "../registry/node-keys.ts";
import { pushCountersigned } from "../relay/countersigns.ts";
import { signingKey } from "./issuer-keys.ts";
import { keepTokens } from "./wallet.ts";

export type SalePort = Pick<Services, "db" | "nodeId" | "secrets" | "config" | "ledger" | "identity" | "federation" | "outbound" | "relay" | "defer" | "quarantine">;

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
    responses = (await signTokenRequests(keys, request.requests.map((r) => fromBase64url(r)))).map(toBase64url);
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

export class TokenSaleError extends Error {
  override name = "TokenSaleError";
  constructor(
    readonly code: SaleErrorCode | "not_a_peer" | "no_key" | "bad_answer",
    message: string,
  ) {
    super(message);
  }
}

export interface Purchase {
  issuer: string;
  recordId: string;
  count: number;
  keyId: string;
  amount: number;
  unit: string;
  /** ms: when the issuer stops accepting these tokens. */
  expiresAt: number;
}

const DIRECTORY_READ = { maxBytes: 16 * 1024, timeoutMs: 10_000 };

/** The consumer's side: buys `n` tokens of the active peer `issuer`, under the key its directory offers now. */
export async function buyTokens(s: SalePort, issuer: string, n: number): Promise<Purchase> {
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_TOKENS_PER_SALE) throw new TokenSaleError("bad_request", `buy 1 to ${MAX_TOKENS_PER_SALE} tokens at once`);
  const peer = await getPeer(s.db, issuer);
  if (peer?.state !== "active") throw new TokenSaleError("not_a_peer", `${issuer} is not an active peer of this node`);
  if (await s.quarantine.has(issuer)) throw new TokenSaleError("quarantined", `this node holds ${issuer} in quarantine`);
  const directory = issuerDirectory.safeParse(await s.outbound.getJson(new URL(DIRECTORY_PATH, peer.url).href, DIRECTORY_READ));
  const now = Date.now();
  const chosen = directory.success ? keyToBuy(directory.data, Math.floor(now / 1000)) : undefined;
  const denomination = directory.success ? directory.data["mcpfed-denomination"] : undefined;
  if (!chosen || !denomination) throw new TokenSaleError("no_key", `${issuer} lists no token key to buy under`);
  let publicKey: Uint8Array;
  try {
    publicKey = fromBase64url(chosen.publicKey);
    await importPublicKey(publicKey);
  } catch (err) {
    if (err instanceof IssuerKeyError || (err instanceof Error && err.name === "EncodingError")) throw new TokenSaleError("no_key", `${issuer} lists a token key that does not parse`);
    throw err;
  }
  const keyId = tokenKeyId(publicKey);
  const blinded = await blindTokenRequests(issuer, publicKey, n);
  const requests = blinded.requests.map(toBase64url);
  const signer = identitySigner(await s.identity());
  const intent = await signIntent(signer, { provider: issuer, tool: saleTool(issuer, keyId), params: { keyId, requests }, price: saleQuote(n, denomination), requestedAt: now });
  const started = performance.now();
  const reply = await s.federation.call(peer, "token-sale", { type: "token-sale", keyId, requests, intent } satisfies TokenSaleRequest, tokenSaleReply);
  if (!reply.ok) throw new TokenSaleError(reply.error.code, `${issuer}: ${reply.error.message}`);
  const elapsed = Math.ceil(performance.now() - started);
  let tokens: Uint8Array[];
  try {
    tokens = await blinded.finalize(reply.responses.map((r) => fromBase64url(r)));
  } catch (err) {
    if (!(err instanceof IssuanceError)) throw err;
    // Signatures that do not verify bought nothing: no countersignature, and the answer kept for the operator.
    await s.ledger.flag(intent.intent.id, issuer, "tokens_invalid", reply);
    throw new TokenSaleError("bad_answer", `${issuer} answered with tokens that do not verify: ${err.message}`);
  }
  let completed;
  try {
    const receipt = recordSchema.safeParse(reply.receipt);
    if (!receipt.success || receipt.data.receipt.result !== (await saleResultHash(reply.responses))) throw new ReceiptRejected("malformed");
    completed = await s.ledger.countersign(signer, intent, receipt.data, elapsed);
  } catch (err) {
    if (!(err instanceof ReceiptRejected)) throw err;
    await s.ledger.flag(intent.intent.id, issuer, `receipt_${err.reason}`, reply.receipt);
    throw new TokenSaleError("bad_answer", `${issuer}: its receipt was rejected (${err.reason})`);
  }
  s.relay.outbox.add(issuer, completed.intent.id, completed);
  // As after a call: the issuer's copy is confirmed within moments, not at the next tick.
  s.defer(pushCountersigned(s, s.relay.outbox, issuer));
  const expiresAt = chosen.expires * 1000;
  await keepTokens(s, tokens.map((t) => ({ issuer, keyId, token: toBase64url(t), unit: denomination.unit, value: denomination.value, expiresAt })));
  return { issuer, recordId: completed.intent.id, count: n, keyId, amount: completed.receipt.amount, unit: denomination.unit, expiresAt };
}

