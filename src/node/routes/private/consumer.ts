// The consumer of the private route (docs/protocol.md §13.7): the call is sealed to the origin's
// gateway as an Oblivious HTTP request and handed to a relay, an active peer that offers one.
// The relay learns that this node called someone's gateway, never what; the origin learns what
// was called, never by whom. No ledger record is made on either side; a priced tool is paid with
// tokens. A call that cannot go this way fails: it never falls back to a route that names the caller.
import type { CallToolResult } from "@modelcontextprotocol/server";
import type { Card } from "../../../protocol/card/schema.ts";
import { fromBase64url, toBase64url } from "../../../protocol/encoding/bytes.ts";
import { ResponseError } from "../../../protocol/envelope/response.ts";
import { anonymousCallRequest, readAnonymousAnswer, type AnonymousCall } from "../../../protocol/routes/ohttp/anonymous-call.ts";
import { PaddingError } from "../../../protocol/routes/ohttp/padding.ts";
import { BinaryHttpError, decodeResponse, encodeRequest } from "../../../protocol/routes/ohttp/binary-http.ts";
import { encapsulateRequest } from "../../../protocol/routes/ohttp/encapsulation.ts";
import { keyConfigOf } from "../../../protocol/routes/ohttp/key-config.ts";
import { ohttpRelayResult, type OhttpRelayRequest } from "../../../protocol/routes/ohttp/relay-message.ts";
import { ROLE_FEATURES } from "../../../protocol/routes/roles.ts";
import type { ListedFederatedTool } from "../../catalog/federated-view.ts";
import type { FederationClient } from "../../federation-client/client.ts";
import { PeerRequestError } from "../../federation-client/errors.ts";
import type { LocalIdentity } from "../../identity/local.ts";
import { knownCard } from "../../peers/origin-cards.ts";
import { AnonymousCallError } from "../anonymous-call-error.ts";
import { spendTokens, TokenWalletError, type Payment, type WalletPort } from "../../tokens/wallet.ts";
import { PricingError, readPricing } from "../../../protocol/ledger/pricing.ts";
import type { Database } from "../../../store/database.ts";
import { listPeers, type Peer } from "../../../store/peers.ts";

export type PrivateConsumerPort = WalletPort & {
  identity: () => Promise<LocalIdentity>;
  now: () => number;
  federation: Pick<FederationClient, "call">;
};

export interface PrivateCall {
  tool: ListedFederatedTool;
  arguments: Record<string, unknown> | undefined;
}

/** Relay refusals made before the relay handed anything on: another relay may take the call. */
const NEXT_RELAY = new Set(["route_not_offered", "quarantined", "rate_limited", "unknown_gateway"]);
/** Failures of the exchange with a relay after which the gateway may have run the call. */
const AFTER_HANDING_ON = new Set(["timeout", "lost", "bad_answer", "cancelled"]);

const unavailable = (message: string) => new AnonymousCallError("private", message);

/** The active peers that offer an OHTTP relay, the origin excepted (it would see both ends), in random order. */
async function relaysFor(s: PrivateConsumerPort, origin: string): Promise<Peer[]> {
  const relays = (await listPeers(s.db)).filter((p) => p.state === "active" && p.nodeId !== origin && p.card.features.includes(ROLE_FEATURES.relay));
  for (let i = relays.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [relays[i], relays[j]] = [relays[j]!, relays[i]!];
  }
  return relays;
}

/** The origin's card, when it offers a gateway. */
export async function gatewayCard(s: { db: Database }, origin: string): Promise<Card | undefined> {
  const card = await knownCard(s, origin);
  return card?.features.includes(ROLE_FEATURES.gateway) ? card : undefined;
}

/** The call sealed to `card`'s gateway, as the private route and an onion exit both send it. */
export async function sealedAnonymousCall(s: Pick<PrivateConsumerPort, "identity" | "now">, card: Card, call: Omit<AnonymousCall, "type" | "iat">) {
  const identity = await s.identity();
  const message: AnonymousCall = { type: "anonymous-call", ...call, iat: s.now() };
  return encapsulateRequest(identity.primitives, keyConfigOf(card.keys.kem[0]!), encodeRequest(anonymousCallRequest(card.id, message)));
}

export async function privateToolCall(s: PrivateConsumerPort, call: PrivateCall): Promise<{ result: CallToolResult; relay: string }> {
  const { tool } = call;
  const card = await gatewayCard(s, tool.origin);
  if (!card) throw unavailable(`${tool.origin} offers no OHTTP gateway, or this node holds no card of it`);
  const relays = await relaysFor(s, tool.origin);
  if (relays.length === 0) throw unavailable("no active peer of this node offers an OHTTP relay");
  const payment = await pay(s, tool, "private");
  const tokens = payment.tokens.length > 0 ? payment.tokens : undefined;
  const reasons: string[] = [];
  for (const relay of relays) {
    // Fresh for each relay: one encapsulation is never sent twice.
    const sealed = await sealedAnonymousCall(s, card, { key: tool.key, fingerprint: tool.fingerprint, arguments: call.arguments, ...(tokens ? { tokens } : {}) });
    const request: OhttpRelayRequest = { type: "ohttp-relay", gateway: tool.origin, request: toBase64url(sealed.bytes) };
    let relayed;
    try {
      relayed = await s.federation.call(relay, "ohttp-relay", request, ohttpRelayResult);
    } catch (err) {
      // Only a relay that was out of reach or refused the envelope is passed over: one that may have
      // handed the request on is not, lest the tool run twice.
      if (!(err instanceof PeerRequestError) || AFTER_HANDING_ON.has(err.code)) throw unavailable(`relay ${relay.nodeId}: ${err instanceof Error ? err.message : String(err)}`);
      reasons.push(`${relay.nodeId}: ${err.message}`);
      continue;
    }
    if (relayed.type === "ohttp-refused") {
      if (NEXT_RELAY.has(relayed.code)) {
        reasons.push(`${relay.nodeId}: ${relayed.message}`);
        continue;
      }
      // Refused before it opened the request, the gateway spent no token.
      if (relayed.code === "gateway_refused") await payment.unsend();
      throw unavailable(`relay ${relay.nodeId}: ${relayed.message}`);
    }
    return { result: await answerOf(sealed, relayed.response, tool), relay: relay.nodeId };
  }
  // Nothing reached the gateway: the tokens go back to the wallet.
  await payment.unsend();
  throw unavailable(`no relay took the call (${reasons.join("; ")})`);
}

/** The tokens of the origin's that pay for a private or anonymous call, taken from the wallet (none for a free tool). */
export async function pay(s: WalletPort, tool: ListedFederatedTool, route: AnonymousCallError["route"]): Promise<Payment> {
  try {
    return await spendTokens(s, tool.origin, readPricing(tool.pricing));
  } catch (err) {
    if (err instanceof TokenWalletError || err instanceof PricingError) {
      throw new AnonymousCallError(route, err.message, { peer: tool.origin, code: "payment_required" });
    }
    throw err;
  }
}

async function answerOf(sealed: { openResponse(b: Uint8Array): Promise<Uint8Array> }, response: string, tool: ListedFederatedTool): Promise<CallToolResult> {
  let answer;
  try {
    answer = readAnonymousAnswer(decodeResponse(await sealed.openResponse(fromBase64url(response)), 16 * 1024 * 1024));
  } catch (err) {
    if (!(err instanceof ResponseError) && !(err instanceof BinaryHttpError) && !(err instanceof PaddingError)) throw err;
    throw unavailable(`the answer of ${tool.origin}'s gateway does not open: ${err.message}`);
  }
  if (!answer) throw unavailable(`the answer of ${tool.origin}'s gateway is not an anonymous-call answer`);
  if (!answer.ok) throw new AnonymousCallError("private", answer.error.message, { peer: tool.origin, code: answer.error.code });
  return answer.result as CallToolResult;
}
