// The consumer of the anonymous route (docs/protocol.md §14.8): the call is sealed to the
// provider's OHTTP gateway as the private route seals it, wrapped in an onion packet through three
// hops of distinct operators, and posted to the first. Only the exit talks to the provider, and it
// cannot read the call; only the first hop sees this node, and it cannot read the packet. No
// ledger record is made; a priced tool is paid with tokens. A call that cannot go this way fails:
// it never falls back to a route that names the caller. Nothing is retried once the first hop has
// the packet, lest the tool run twice.
import type { CallToolResult } from "@modelcontextprotocol/server";
import type { Card } from "../../../protocol/card/schema.ts";
import { ResponseError } from "../../../protocol/envelope/response.ts";
import { xWing } from "../../../protocol/identity/xwing.ts";
import { fromBase64url } from "../../../protocol/encoding/bytes.ts";
import { readAnonymousAnswer } from "../../../protocol/routes/ohttp/anonymous-call.ts";
import { PaddingError } from "../../../protocol/routes/ohttp/padding.ts";
import { BinaryHttpError, decodeResponse } from "../../../protocol/routes/ohttp/binary-http.ts";
import { OnionError } from "../../../protocol/routes/onion/errors.ts";
import { decodeExitAnswer } from "../../../protocol/routes/onion/exit-answer.ts";
import { buildOnion } from "../../../protocol/routes/onion/packet.ts";
import { openReply } from "../../../protocol/routes/onion/reply.ts";
import type { OnionRouting } from "../../../protocol/routes/onion/routing.ts";
import { bucketFor, ONION_BUCKETS, ONION_MEDIA_TYPE, type OnionBucket } from "../../../protocol/routes/onion/sizes.ts";
import { webOnionCipher } from "../../../protocol/routes/onion/stream-cipher.ts";
import type { Platform } from "../../settings/platform.ts";
import type { ListedFederatedTool } from "../../catalog/federated-view.ts";
import type { LocalIdentity } from "../../identity/local.ts";
import { readLimited } from "../../outbound/limited-body.ts";
import type { Outbound } from "../../outbound/outbound.ts";
import type { TrustStandings } from "../../trust/standing.ts";
import { allHeldCards } from "../../../store/node-cards.ts";
import { knownNodes } from "../../peers/nodes.ts";
import { gatewayCard, pay, sealedAnonymousCall } from "../private/consumer.ts";
import type { WalletPort } from "../../tokens/wallet.ts";
import { ONION_PATH } from "./hop.ts";
import { chooseOnionPath, NoOnionPath } from "./path.ts";
import { AnonymousCallError } from "../anonymous-call-error.ts";

/** Cards read to choose a path from. */
const MAX_CANDIDATES = 1000;
/** How long each hop may hold the packet's tag: well inside a hop's default ONION_MAX_TTL_SECONDS. */
export const PACKET_TTL_SECONDS = 120;
const TIMEOUT_MS = 60_000;
const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

export type OnionConsumerPort = WalletPort & {
  identity: () => Promise<LocalIdentity>;
  outbound: Outbound;
  now: () => number;
  trust: TrustStandings;
  config: { onion: { maxDelayMs: number; minBucket: number }; clockSkewSeconds: number };
  platform: Pick<Platform, "onionCipher">;
};

export interface AnonymousCallInput {
  tool: ListedFederatedTool;
  arguments: Record<string, unknown> | undefined;
  signal?: AbortSignal;
}

const unavailable = (message: string) => new AnonymousCallError("anonymous", message);

export const routingTo = (kind: OnionRouting["kind"], card: Card, expires: number, delayMs: number): OnionRouting => ({ kind, delayMs, expires, node: card.id, url: card.url });

/** Cards to build a path from: the peers' and learned origins', and public nodes' (their node entries). */
export async function candidates(s: OnionConsumerPort, self: string): Promise<Card[]> {
  const [held, listed] = await Promise.all([allHeldCards(s.db, MAX_CANDIDATES), knownNodes({ ...s, nodeId: self })]);
  return [...new Map([...listed.map((n) => n.card), ...held].map((c) => [c.id, c])).values()];
}

/**
 * Builds a packet through `hops` (first, second, last) whose last hop finds `last` (its delay is
 * drawn here, as every hop's), posts it to the first hop and opens the reply: its content.
 */
export async function sendOnion(
  s: OnionConsumerPort,
  o: { hops: [Card, Card, Card]; last: OnionRouting; content: Uint8Array; bucket: OnionBucket; signal?: AbortSignal },
): Promise<Uint8Array> {
  const [first, second, exit] = o.hops;
  const x = xWing((await s.identity()).primitives);
  const cipher = s.platform.onionCipher ?? webOnionCipher;
  const delay = () => Math.floor(Math.random() * (s.config.onion.maxDelayMs + 1));
  const expires = o.last.expires;
  const keyOf = (card: Card) => x.importPublic(fromBase64url(card.keys.kem[0]!.pub));
  const built = await buildOnion(
    x,
    [
      { publicKey: await keyOf(first), routing: routingTo("relay", second, expires, delay()) },
      { publicKey: await keyOf(second), routing: routingTo("relay", exit, expires, delay()) },
      { publicKey: await keyOf(exit), routing: { ...o.last, delayMs: delay() } },
    ],
    o.content,
    { bucket: o.bucket, cipher },
  );

  let res: Response;
  try {
    res = await s.outbound.fetch(new URL(ONION_PATH, first.url).href, {
      method: "POST",
      headers: { "content-type": ONION_MEDIA_TYPE },
      body: built.packet as Uint8Array<ArrayBuffer>,
      signal: o.signal ? AbortSignal.any([o.signal, AbortSignal.timeout(TIMEOUT_MS)]) : AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (err) {
    throw unavailable(`the first hop did not take the packet: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (res.status !== 200) {
    void res.body?.cancel().catch(() => {});
    throw unavailable(`the packet was dropped on the path (HTTP ${res.status} from the first hop)`);
  }
  const reply = await readLimited(res, o.bucket);
  try {
    if (!reply) throw new OnionError("bad_reply", "the reply is larger than its bucket");
    return await openReply(built.keys, reply, o.bucket, cipher);
  } catch (err) {
    if (!(err instanceof OnionError)) throw err;
    throw unavailable(`the reply does not open: ${err.message}`);
  }
}

export async function anonymousToolCall(s: OnionConsumerPort, call: AnonymousCallInput): Promise<{ result: CallToolResult; firstHop: string }> {
  const { tool } = call;
  const provider = await gatewayCard(s, tool.origin);
  if (!provider) throw unavailable(`${tool.origin} offers no OHTTP gateway, or this node holds no card of it`);
  const identity = await s.identity();
  const now = s.now();
  let path;
  try {
    path = await chooseOnionPath({ self: identity.nodeId, provider: provider.id, cards: await candidates(s, identity.nodeId), trust: s.trust, now });
  } catch (err) {
    if (err instanceof NoOnionPath) throw unavailable(`no onion path: ${err.message}`);
    throw err;
  }
  const first = path.hops[0];

  // Spent once the packet leaves, whatever the answer: no hop says whether the gateway took them.
  const payment = await pay(s, tool, "anonymous");
  const tokens = payment.tokens.length > 0 ? payment.tokens : undefined;
  const sealed = await sealedAnonymousCall(s, provider, { key: tool.key, fingerprint: tool.fingerprint, arguments: call.arguments, ...(tokens ? { tokens } : {}) });
  const bucket = ONION_BUCKETS.find((b) => b >= s.config.onion.minBucket && b >= (bucketFor(sealed.bytes.length) ?? Infinity));
  if (bucket === undefined) {
    await payment.unsend();
    throw unavailable(`the call (${sealed.bytes.length} bytes sealed) fits no onion bucket`);
  }

  const reply = await sendOnion(s, { hops: path.hops, last: routingTo("exit", provider, now + PACKET_TTL_SECONDS, 0), content: sealed.bytes, bucket, ...(call.signal ? { signal: call.signal } : {}) });
  const exitAnswer = decodeExitAnswer(reply);
  if (!exitAnswer) throw unavailable("the exit's answer is malformed");
  if ("error" in exitAnswer) throw unavailable(`the exit: ${exitAnswer.error.message} (${exitAnswer.error.code})`);
  let answer;
  try {
    answer = readAnonymousAnswer(decodeResponse(await sealed.openResponse(exitAnswer.response), MAX_ANSWER_BYTES));
  } catch (err) {
    if (!(err instanceof ResponseError) && !(err instanceof BinaryHttpError) && !(err instanceof PaddingError)) throw err;
    throw unavailable(`the answer of ${tool.origin}'s gateway does not open: ${err.message}`);
  }
  if (!answer) throw unavailable(`the answer of ${tool.origin}'s gateway is not an anonymous-call answer`);
  if (!answer.ok) throw new AnonymousCallError("anonymous", answer.error.message, { peer: tool.origin, code: answer.error.code });
  return { result: answer.result as CallToolResult, firstHop: first.id };
}
