// The consumer of the anonymous route (docs/protocol.md §14.8): the call is sealed to the
// provider's OHTTP gateway as the private route seals it, wrapped in an onion packet through three
// hops of distinct operators, and posted to the first. Only the exit talks to the provider, and it
// cannot read the call; only the first hop sees this node, and it cannot read the packet. No
// ledger record is made; a priced tool is paid with tokens. A call that cannot go this way fails:
// it never falls back to a route that names the caller. Nothing is retried once the first hop has
// the packet, lest the tool run twice. Asked for a reply block (§14.6), the consumer puts one in
// front of the request, the exit acknowledges on the exchange, and the answer arrives later along
// the block, at any process of this node: the call finds it in the store.
import type { CallToolResult } from "@modelcontextprotocol/server";
import type { Card } from "../../../protocol/card/schema.ts";
import { ResponseError } from "../../../protocol/envelope/response.ts";
import { xWing } from "../../../protocol/identity/xwing.ts";
import { concat, fromBase64url } from "../../../protocol/encoding/bytes.ts";
import { readAnonymousAnswer } from "../../../protocol/routes/ohttp/anonymous-call.ts";
import { PaddingError } from "../../../protocol/routes/ohttp/padding.ts";
import { BinaryHttpError, decodeResponse } from "../../../protocol/routes/ohttp/binary-http.ts";
import { OnionError } from "../../../protocol/routes/onion/errors.ts";
import { decodeExitAnswer } from "../../../protocol/routes/onion/exit-answer.ts";
import { buildOnion } from "../../../protocol/routes/onion/packet.ts";
import { buildSurb, type BuiltSurb } from "../../../protocol/routes/onion/surb.ts";
import { ROLE_FEATURES } from "../../../protocol/routes/roles.ts";
import type { OnionSurbs } from "../../../store/onion-surbs.ts";
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
  config: {
    onion: { maxDelayMs: number; minBucket: number; reply: "exchange" | "surb"; surbWaitSeconds: number };
    clockSkewSeconds: number;
    publicUrl: URL | undefined;
    mailboxes: string[];
  };
  platform: Pick<Platform, "onionCipher">;
  onion: { surbs: OnionSurbs };
};

export interface AnonymousCallInput {
  tool: ListedFederatedTool;
  arguments: Record<string, unknown> | undefined;
  signal?: AbortSignal;
  /** How the answer comes back: on the held exchange, or by a single-use reply block (§14.6). */
  reply?: "exchange" | "surb";
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

async function onionPath(s: OnionConsumerPort, o: { self: string; provider: string; cards: Card[]; now: number; last?: string }): Promise<[Card, Card, Card]> {
  try {
    return (await chooseOnionPath({ ...o, trust: s.trust })).hops;
  } catch (err) {
    if (err instanceof NoOnionPath) throw unavailable(`no ${o.last ? "reply " : ""}onion path: ${err.message}`);
    throw err;
  }
}

/**
 * A reply block through three hops chosen as a forward path is (never this node or the provider),
 * the last delivering to this node's own URL; its secrets are stored under its id until `expires`.
 */
async function replyBlock(s: OnionConsumerPort, o: { self: string; provider: string; cards: Card[]; now: number; expires: number }): Promise<BuiltSurb> {
  // A node behind mailboxes (§20.6) binds nothing the last reply hop could deliver to.
  if (!s.config.publicUrl || s.config.mailboxes.length > 0) throw unavailable("a reply block needs this node's own reachable URL (not built for a node behind mailboxes)");
  const hops = await onionPath(s, { ...o, last: ROLE_FEATURES.hop });
  const x = xWing((await s.identity()).primitives);
  const keyOf = (card: Card) => x.importPublic(fromBase64url(card.keys.kem[0]!.pub));
  const self: OnionRouting = { kind: "deliver", delayMs: 0, expires: o.expires, node: o.self, url: s.config.publicUrl.origin };
  const delay = () => Math.floor(Math.random() * (s.config.onion.maxDelayMs + 1));
  const built = await buildSurb(x, {
    cipher: s.platform.onionCipher ?? webOnionCipher,
    first: routingTo("relay", hops[0], o.expires, 0),
    hops: [
      { publicKey: await keyOf(hops[0]), routing: routingTo("relay", hops[1], o.expires, delay()) },
      { publicKey: await keyOf(hops[1]), routing: routingTo("relay", hops[2], o.expires, delay()) },
      { publicKey: await keyOf(hops[2]), routing: { ...self, delayMs: delay() } },
    ],
  });
  await s.onion.surbs.add(built.id, built.secrets, o.expires);
  return built;
}

/** The block's answer, from whichever process of this node received it; typed failure once `deadline` (ms) passes. */
async function answerOf(s: OnionConsumerPort, id: string, deadline: number, signal?: AbortSignal): Promise<Uint8Array> {
  for (let pause = 10; ; pause = Math.min(pause * 2, 200)) {
    const answer = await s.onion.surbs.take(id);
    if (answer) return answer;
    if (Date.now() >= deadline || signal?.aborted) {
      await s.onion.surbs.abandon(id);
      // Taken between the last look and the abandon: it still counts.
      const late = await s.onion.surbs.take(id);
      if (late) return late;
      throw unavailable(`no answer came through the reply block within ${s.config.onion.surbWaitSeconds} s (a reply hop may be down)`);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(pause, Math.max(0, deadline - Date.now()))));
  }
}

export async function anonymousToolCall(s: OnionConsumerPort, call: AnonymousCallInput): Promise<{ result: CallToolResult; firstHop: string }> {
  const { tool } = call;
  const provider = await gatewayCard(s, tool.origin);
  if (!provider) throw unavailable(`${tool.origin} offers no OHTTP gateway, or this node holds no card of it`);
  const identity = await s.identity();
  const now = s.now();
  const cards = await candidates(s, identity.nodeId);
  const hops = await onionPath(s, { self: identity.nodeId, provider: provider.id, cards, now });
  const first = hops[0];
  const expires = now + PACKET_TTL_SECONDS;
  const surb = call.reply === "surb" ? await replyBlock(s, { self: identity.nodeId, provider: provider.id, cards, now, expires }) : undefined;

  // Spent once the packet leaves, whatever the answer: no hop says whether the gateway took them.
  const payment = await pay(s, tool, "anonymous");
  const tokens = payment.tokens.length > 0 ? payment.tokens : undefined;
  const sealed = await sealedAnonymousCall(s, provider, { key: tool.key, fingerprint: tool.fingerprint, arguments: call.arguments, ...(tokens ? { tokens } : {}) });
  // The block rides in front of the request: a bucket too small for both is stepped past.
  const content = surb ? concat(surb.surb, sealed.bytes) : sealed.bytes;
  const bucket = ONION_BUCKETS.find((b) => b >= s.config.onion.minBucket && b >= (bucketFor(content.length) ?? Infinity));
  if (bucket === undefined) {
    await payment.unsend();
    throw unavailable(`the call (${sealed.bytes.length} bytes sealed${surb ? ", with a reply block" : ""}) fits no onion bucket`);
  }

  const signal = call.signal ? { signal: call.signal } : {};
  const reply = await sendOnion(s, { hops, last: routingTo(surb ? "surb-exit" : "exit", provider, expires, 0), content, bucket, ...signal }).catch(async (err: unknown) => {
    if (surb) await s.onion.surbs.abandon(surb.id);
    throw err;
  });
  let exitAnswer = decodeExitAnswer(reply);
  if (surb && exitAnswer && "accepted" in exitAnswer) {
    exitAnswer = decodeExitAnswer(await answerOf(s, surb.id, Date.now() + s.config.onion.surbWaitSeconds * 1000, call.signal));
  } else if (surb) {
    await s.onion.surbs.abandon(surb.id);
  }
  if (!exitAnswer || "accepted" in exitAnswer) throw unavailable("the exit's answer is malformed");
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
