// The buyer's side of the token sale (docs/protocol.md §15.3; the issuer's is
// src/node/tokens/sale.ts), beside subscriptions: a named purchase, paid by a ledger record. The
// buyer blinds n token inputs for the key the issuer's directory offers, signs an intent for n
// tokens' worth, unblinds and checks every token the issuer answers, countersigns, and keeps the
// tokens sealed in its wallet. An issuer that is not an active peer is reached as a forwarded
// call's origin (§15.3.1): the sale sealed to its card, through a forwarder that cannot read it.
import { fromBase64url, toBase64url } from "../../protocol/encoding/bytes.ts";
import { record as recordSchema } from "../../protocol/ledger/record.ts";
import { ReceiptRejected, signIntent } from "../../protocol/ledger/signing.ts";
import { DIRECTORY_PATH, issuerDirectory, keyToBuy } from "../../protocol/tokens/directory.ts";
import { blindTokenRequests, IssuanceError } from "../../protocol/tokens/issuance.ts";
import { IssuerKeyError, importPublicKey, tokenKeyId } from "../../protocol/tokens/issuer-key.ts";
import { MAX_TOKENS_PER_SALE, saleQuote, saleResultHash, saleTool, tokenSaleReply, type SaleErrorCode, type TokenSaleReply, type TokenSaleRequest } from "../../protocol/tokens/sale.ts";
import type { SecretBox } from "../../secrets/sealed-box.ts";
import type { Database } from "../../store/database.ts";
import { getPeer } from "../../store/peers.ts";
import type { FederationClient } from "../federation-client/client.ts";
import type { LocalIdentity } from "../identity/local.ts";
import type { Ledger } from "../ledger/ledger.ts";
import type { Outbound } from "../outbound/outbound.ts";
import { identitySigner } from "../registry/node-keys.ts";
import { keepTokens } from "../tokens/wallet.ts";
import type { Quarantine } from "../trust/quarantine.ts";
import { knownCard } from "../peers/origin-cards.ts";
import { NoForwardedRoute } from "../routes/forwarded/consumer.ts";
import { forwardSealed } from "../routes/forwarded/sealed-message.ts";
import { pushCountersigned, type Outbox, type PushPort } from "./countersigns.ts";

/** What buying tokens needs of the node. */
export interface PurchasePort extends PushPort {
  db: Database;
  secrets: SecretBox;
  ledger: Ledger;
  identity: () => Promise<LocalIdentity>;
  federation: FederationClient;
  outbound: Outbound;
  quarantine: Pick<Quarantine, "has">;
  relay: { outbox: Outbox };
  defer: (work: Promise<unknown>) => void;
}

export class TokenSaleError extends Error {
  override name = "TokenSaleError";
  constructor(
    readonly code: SaleErrorCode | "no_route" | "no_key" | "bad_answer",
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

/** Where the issuer's directory is read, and how the sale reaches it: as a peer message, or sealed to its card through a forwarder. */
interface SaleRoute {
  url: string;
  send(request: TokenSaleRequest): Promise<TokenSaleReply>;
}

async function saleRoute(s: PurchasePort, issuer: string): Promise<SaleRoute> {
  const peer = await getPeer(s.db, issuer);
  if (peer?.state === "active") return { url: peer.url, send: (request) => s.federation.call(peer, "token-sale", request, tokenSaleReply) };
  if (peer?.state === "blocked") throw new TokenSaleError("no_route", `this node blocks ${issuer}`);
  const card = await knownCard(s, issuer);
  if (!card) throw new TokenSaleError("no_route", `${issuer} is not an active peer of this node, and it holds no card of it to seal a sale to`);
  // A node behind mailboxes serves no directory of its own at its url (§20.6).
  if (card.mailboxes) throw new TokenSaleError("no_key", `${issuer} binds nothing reachable: its issuer directory cannot be read`);
  return {
    url: card.url,
    async send(request) {
      let answer;
      try {
        answer = await forwardSealed(s, issuer, "token-sale", request, AbortSignal.timeout(s.config.callTimeoutMs));
      } catch (err) {
        if (err instanceof NoForwardedRoute) throw new TokenSaleError("no_route", `${issuer} is not an active peer of this node: ${err.message}`);
        throw err;
      }
      const reply = tokenSaleReply.safeParse(answer);
      if (!reply.success) throw new TokenSaleError("bad_answer", `${issuer} answered the sale with something else`);
      return reply.data;
    },
  };
}

/** The consumer's side: buys `n` tokens of `issuer` (an active peer, or a node whose card this node holds), under the key its directory offers now. */
export async function buyTokens(s: PurchasePort, issuer: string, n: number): Promise<Purchase> {
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_TOKENS_PER_SALE) throw new TokenSaleError("bad_request", `buy 1 to ${MAX_TOKENS_PER_SALE} tokens at once`);
  if (await s.quarantine.has(issuer)) throw new TokenSaleError("quarantined", `this node holds ${issuer} in quarantine`);
  const route = await saleRoute(s, issuer);
  const directory = issuerDirectory.safeParse(await s.outbound.getJson(new URL(DIRECTORY_PATH, route.url).href, DIRECTORY_READ));
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
  const reply = await route.send({ type: "token-sale", keyId, requests, intent });
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

