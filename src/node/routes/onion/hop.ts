// An onion hop (docs/protocol.md §14.4): peel this node's layer, drop replays, wait the delay the
// sender chose (capped), then pass the packet to the next hop, or, at the exit, hand the payload
// to the provider's OHTTP gateway; the answer comes back on the same exchange with this hop's
// reply layer. The hop learns its predecessor's address and its successor, nothing else. Every
// drop, whatever its reason and wherever it happens downstream, is the one OnionDropped. A cover
// packet's last hop (§14.10) answers it as an exit answers, with an empty reply, and keeps no log.
// An exit given a single-use reply block (§14.6) acknowledges at once, then sends the gateway's
// answer along the block as a new packet; the reply path's last hop delivers it to the block's owner.
import { toBase64url } from "../../../protocol/encoding/bytes.ts";
import { xWing } from "../../../protocol/identity/xwing.ts";
import { OnionError, type OnionErrorCode } from "../../../protocol/routes/onion/errors.ts";
import { encodeExitAnswer, type ExitError } from "../../../protocol/routes/onion/exit-answer.ts";
import { peelOnion, type PeeledOnion } from "../../../protocol/routes/onion/packet.ts";
import { sealReply, wrapReply } from "../../../protocol/routes/onion/reply.ts";
import type { OnionCipher } from "../../../protocol/routes/onion/stream-cipher.ts";
import type { OnionRouting } from "../../../protocol/routes/onion/routing.ts";
import { decodeSurb, replyPacket, splitSurbContent } from "../../../protocol/routes/onion/surb.ts";
import { ONION_LENGTH_BYTES, ONION_MAC_BYTES, ONION_MEDIA_TYPE, type OnionBucket } from "../../../protocol/routes/onion/sizes.ts";
import type { Card } from "../../../protocol/card/schema.ts";
import type { LocalIdentity } from "../../identity/local.ts";
import { log } from "../../logging/log.ts";
import { readLimited } from "../../outbound/limited-body.ts";
import type { Outbound } from "../../outbound/outbound.ts";
import type { OnionReplayTags } from "../../../store/onion-replay.ts";
import type { KnownCards } from "./known-cards.ts";

export const ONION_PATH = "/federation/v1/onion";
export const GATEWAY_PATH = "/federation/v1/gateway";
const OHTTP_REQUEST = "message/ohttp-req";
const OHTTP_RESPONSE = "message/ohttp-res";
const HOP_FEATURES = { relay: ["onion-hop", "onion-exit"], exit: ["ohttp-gateway"] } as const;
const TIMEOUT_MS = 30_000;

/** The one refusal a sender sees for any dropped packet (§14.5). */
export class OnionDropped extends Error {
  override name = "OnionDropped";
  constructor(readonly reason: OnionErrorCode | "next_hop" | "route_not_offered") {
    super("the onion packet was dropped");
  }
}

/** Runs `work`, turning a refusal of the onion wire into the one drop. */
export async function droppedOnRefusal<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof OnionError) throw new OnionDropped(err.code);
    throw err;
  }
}

/** A role this node does not offer, or too many packets: typed, before any cryptography. */
export class OnionUnavailable extends Error {
  override name = "OnionUnavailable";
  constructor(
    readonly code: "route_not_offered" | "rate_limited",
    message: string,
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

type Role = "hop" | "exit";

export interface OnionHopPort {
  identity: () => Promise<LocalIdentity>;
  outbound: Outbound;
  /** Seconds since the epoch. */
  now: () => number;
  config: { onion: { maxDelayMs: number; maxTtlSeconds: number } };
  cipher: OnionCipher;
  replayTags: OnionReplayTags;
  cards: KnownCards;
  offer: { offers(role: Role): boolean };
  /** Seconds to wait when `key` is over `role`'s limit (per source, and the total under "*"). */
  limits: { over(role: Role, key: string): number | undefined };
  /** Counts a cover packet dropped here as its last hop. */
  coverDropped: () => void;
  /** Waits `ms` (a timer; a test may pass its own). */
  sleep?: (ms: number) => Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function limited(s: OnionHopPort, role: Role, source: string): void {
  const wait = s.limits.over(role, source) ?? s.limits.over(role, "*");
  if (wait !== undefined) throw new OnionUnavailable("rate_limited", `too many onion packets; retry in ${wait} s`, wait);
}

async function peel(s: OnionHopPort, packet: Uint8Array): Promise<PeeledOnion> {
  const id = await s.identity();
  const x = xWing(id.primitives);
  const now = s.now();
  let failure: unknown;
  // The sender used the key in this node's card, which may be the overlapping previous epoch's.
  for (const key of await id.keyring.keys(now)) {
    try {
      return await peelOnion(x, key.privateKey, packet, now, s.cipher);
    } catch (err) {
      if (!(err instanceof OnionError) || err.code !== "bad_mac") throw err;
      failure = err;
    }
  }
  throw failure;
}

/** The role a routing kind asks of this node. */
const roleOf = (kind: OnionRouting["kind"]): Role => (kind === "relay" || kind === "deliver" ? "hop" : "exit");

/**
 * Processes one packet from `source` (the client address); the reply packet, or throws. `defer`
 * keeps work alive after the answer (an exit's reply by a reply block).
 */
export async function processOnion(s: OnionHopPort, packet: Uint8Array, source: string, defer: (work: Promise<unknown>) => void = () => {}): Promise<Uint8Array> {
  if (!s.offer.offers("hop") && !s.offer.offers("exit")) throw new OnionUnavailable("route_not_offered", "this node is no onion hop");
  limited(s, s.offer.offers("hop") ? "hop" : "exit", source);
  const peeled = await droppedOnRefusal(() => peel(s, packet));
  const { routing, keys, bucket } = peeled;
  const role = roleOf(routing.kind);
  if (!s.offer.offers(role)) throw new OnionDropped("route_not_offered");
  if (role === "exit" && s.offer.offers("hop")) limited(s, "exit", source);
  // The expiry bounds how long the tag is kept, so the table stays bounded by the rate limit.
  if (routing.expires > s.now() + s.config.onion.maxTtlSeconds) throw new OnionDropped("bad_routing");
  if (!(await s.replayTags.record(toBase64url(keys.tag), routing.expires))) throw new OnionDropped("replayed");
  const delay = Math.min(routing.delayMs, s.config.onion.maxDelayMs);
  if (delay > 0) await (s.sleep ?? sleep)(delay);
  if (routing.kind === "cover") {
    s.coverDropped();
    return sealReply(keys, new Uint8Array(0), bucket, s.cipher);
  }

  const card = await s.cards.card(routing.node, routing.url);
  if (routing.kind === "surb-exit") return exitBySurb(s, peeled, card, defer);
  if (role === "exit") {
    const answer = await toGateway(s, card, routing.node, peeled.content!, bucket);
    // Its successor only: the provider it handed the payload to.
    log.info("onion.exited", { bucket, gateway: routing.node, ...("error" in answer ? { error: answer.error.code } : {}) });
    return sealReply(keys, encodeExitAnswer(answer), bucket, s.cipher);
  }
  // The owner of a reply block need offer no role: it only takes its own answers.
  if (!card || (routing.kind === "relay" && !HOP_FEATURES.relay.some((f) => card.features.includes(f)))) throw new OnionDropped("next_hop");
  const reply = await post(s, new URL(ONION_PATH, card.url).href, ONION_MEDIA_TYPE, peeled.next!, bucket);
  if (reply?.length !== bucket) throw new OnionDropped("next_hop");
  log.info(routing.kind === "deliver" ? "onion.delivered" : "onion.relayed", { bucket, next: routing.node, ...(peeled.reply ? { reply: true } : {}) });
  return wrapReply(keys, reply, bucket, s.cipher);
}

/**
 * An exit whose content starts with a reply block: a block that does not parse, or whose first hop
 * this node cannot reach under a card, is refused on the exchange; otherwise the exchange is
 * acknowledged at once and the gateway's answer goes out along the block as a new packet.
 */
async function exitBySurb(s: OnionHopPort, peeled: PeeledOnion, provider: Card | undefined, defer: (work: Promise<unknown>) => void): Promise<Uint8Array> {
  const { routing, keys, bucket } = peeled;
  const refuse = (message: string) => sealReply(keys, encodeExitAnswer({ error: { code: "surb_unusable", message } }), bucket, s.cipher);
  let parts;
  let surb;
  try {
    parts = splitSurbContent(peeled.content!);
    surb = decodeSurb(parts.surb);
  } catch (err) {
    if (!(err instanceof OnionError)) throw err;
    return refuse("the reply block does not parse");
  }
  const first = await s.cards.card(surb.first.node, surb.first.url);
  if (!first || !first.features.includes(HOP_FEATURES.relay[0])) return refuse("the reply block's first hop is no onion hop this node can reach");
  const { request } = parts;
  defer(
    (async () => {
      const answer = await toGateway(s, provider, routing.node, request, bucket);
      const sent = await post(s, new URL(ONION_PATH, first.url).href, ONION_MEDIA_TYPE, await replyPacket(surb, encodeExitAnswer(answer), bucket, s.cipher), bucket);
      // Its successors only: the provider, and the reply path's first hop.
      log.info(sent?.length === bucket ? "onion.surb_sent" : "onion.surb_failed", { bucket, first: surb.first.node, ...("error" in answer ? { error: answer.error.code } : {}) });
    })().catch((err: unknown) => log.warn("onion.surb_failed", { error: err instanceof Error ? err.name : "error" })),
  );
  log.info("onion.exited", { bucket, gateway: routing.node, surb: true });
  return sealReply(keys, encodeExitAnswer({ accepted: true }), bucket, s.cipher);
}

async function post(s: OnionHopPort, url: string, contentType: string, body: Uint8Array, maxBytes: number): Promise<Uint8Array | undefined> {
  try {
    const res = await s.outbound.fetch(url, {
      method: "POST",
      headers: { "content-type": contentType },
      body: body as Uint8Array<ArrayBuffer>,
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    if (res.status !== 200) {
      void res.body?.cancel().catch(() => {});
      return undefined;
    }
    return await readLimited(res, maxBytes);
  } catch {
    return undefined;
  }
}

/** The exit's hand-over: the payload to the provider's gateway, its answer or a typed error back. */
async function toGateway(s: OnionHopPort, card: Card | undefined, node: string, request: Uint8Array, bucket: OnionBucket): Promise<{ response: Uint8Array } | { error: ExitError }> {
  if (!card || !card.features.includes(HOP_FEATURES.exit[0])) return { error: { code: "gateway_unknown", message: `no card of ${node} offering an OHTTP gateway` } };
  const room = bucket - ONION_MAC_BYTES - ONION_LENGTH_BYTES - 1;
  let res: Response;
  try {
    res = await s.outbound.fetch(new URL(GATEWAY_PATH, card.url).href, {
      method: "POST",
      headers: { "content-type": OHTTP_REQUEST },
      body: request as Uint8Array<ArrayBuffer>,
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (err) {
    log.info("onion.gateway_unreachable", { error: err instanceof Error ? err.name : "error" });
    return { error: { code: "gateway_unreachable", message: "the provider's gateway did not answer" } };
  }
  if (res.status !== 200 || !res.headers.get("content-type")?.startsWith(OHTTP_RESPONSE)) {
    void res.body?.cancel().catch(() => {});
    return { error: { code: "gateway_refused", message: `the provider's gateway answered HTTP ${res.status}` } };
  }
  const body = await readLimited(res, room).catch(() => undefined);
  if (!body) return { error: { code: "reply_too_large", message: `the answer does not fit the ${bucket}-byte bucket` } };
  return { response: body };
}
