// The one way this node sends a request to a peer: sealed to the peer's card, through Outbound,
// the answer read within a bound and opened. A card near expiry, or a refusal with unknown_key
// (the peer rotated its encryption key), makes the client fetch the card again, once, and it
// accepts the new card only if it is the same node's. To a node this one is a mailbox of (its card
// names this node, §20.6), the envelope is held here for that node's poll instead of posted.
// Every failure is a PeerRequestError.
import type { Progress } from "@modelcontextprotocol/server";
import type { z } from "zod";
import { CardFetchError, fetchCard } from "../card/fetch.ts";
import type { Card } from "../../protocol/card/schema.ts";
import { CardError, continuesCard } from "../../protocol/card/verify.ts";
import { CHANNEL_ERRORS, REOPEN_ON, type ChannelErrorCode } from "../../protocol/channel/errors.ts";
import { CHANNEL_CONTENT_TYPE, LANE_ANSWERS_FEATURE } from "../../protocol/channel/frame.ts";
import {
  CHANNEL_EXPORT_LABEL,
  CHANNEL_FEATURE,
  CHANNEL_SECRET_BYTES,
  channelAcceptResult,
  channelOpen,
  completeChannel,
  type EstablishedChannel,
} from "../../protocol/channel/handshake.ts";
import type { Primitives } from "../../protocol/identity/primitives.ts";
import { sealChannelFrame } from "../../protocol/channel/seal.ts";
import { exportHs, FIRST_FLIGHT_FEATURE, sealFirstFlight } from "../../protocol/channel/first-flight.ts";
import { LANE_BYTES } from "../../protocol/channel/frame.ts";
import { ENVELOPE_ERRORS } from "../../protocol/envelope/errors.ts";
import { RESPONSE_CONTENT_TYPE } from "../../protocol/envelope/response.ts";
import { ENVELOPE_LIFETIME_SECONDS, seal, type Exporter, type Sealed, type SealInput } from "../../protocol/envelope/seal.ts";
import { fromBase64url, toBase64url, utf8 } from "../../protocol/encoding/bytes.ts";
import type { ForwardedRequest } from "../../protocol/routes/forward.ts";
import { ENVELOPE_CONTENT_TYPE } from "../../protocol/envelope/wire.ts";
import { answerSchema, federationPath, pingResult, type MessageName, type pingRequest } from "../../protocol/messages/federation.ts";
import { CALL_STREAM_CONTENT_TYPE, MAX_FRAME_BYTES, readFrames } from "../../protocol/messages/relay-frames.ts";
import { answerFrame, callFrame, type AnswerFrame, type LogFrame } from "../../protocol/messages/relay.ts";
import type { RelayRequest } from "../../protocol/messages/relay-items.ts";
import type { PeerChannels } from "../channels/channels.ts";
import type { FirstFlightClaim } from "../channels/opened.ts";
import type { LocalIdentity } from "../identity/local.ts";
import { log } from "../logging/log.ts";
import { readLimited } from "../outbound/limited-body.ts";
import type { Outbound } from "../outbound/outbound.ts";
import { unsafeUrlReason } from "../outbound/ssrf.ts";
import type { Config } from "../settings/config.ts";
import type { Database } from "../../store/database.ts";
import { getPeer, updateCard, type Peer } from "../../store/peers.ts";
import { PeerRequestError, SealedRefusal } from "./errors.ts";

/** Refetch a card this long before it expires. */
const EARLY_SECONDS = 60;
const TIMEOUT_MS = 15_000;
const MAX_ANSWER_BYTES = 1024 * 1024;
const MAX_REFUSAL_BYTES = 64 * 1024;
/** After a failed handshake, requests to that peer go as envelopes this long before the next try. */
const NO_CHANNEL_SECONDS = 60;

/** What the client needs of the node. */
export interface FederationClientPort {
  identity: () => Promise<LocalIdentity>;
  outbound: Outbound;
  /** Seconds since the epoch. */
  now: () => number;
  config: Pick<Config, "allowPrivateUrls" | "clockSkewSeconds" | "channels">;
  db: Database;
  channels: PeerChannels;
  mailbox: MailboxHold;
}

/** This node as a mailbox (docs/protocol.md §20.6): src/node/mailbox/holder.ts. */
export interface MailboxHold {
  /** Whether this node holds the messages of the node of `card`. */
  holds(card: Card): boolean;
  /** Holds `message` for `to` until it answers or `signal` ends; a message with `keepUntil` stays for a later poll until then. */
  hold(to: string, message: ForwardedRequest, signal: AbortSignal, keepUntil?: number): Promise<{ stream: ReadableStream<Uint8Array> } | { refused: { code: string; message: string } }>;
}

/** One request as it leaves: an envelope or a channel frame, and the opener of its answers. */
interface Outgoing {
  url: string;
  bytes: Uint8Array;
  contentType: string;
  openResponse(sealed: Uint8Array): Promise<Uint8Array>;
  /** The channel it travels on (base64url id), if any: the peer's refusal of it drops the channel. */
  channel?: string;
  /** The node this node holds the envelope for, as its mailbox, instead of posting it. */
  heldFor?: string;
  /** A handshake carrying the request as its first flight: the claim on the channel it makes. */
  first?: FirstFlightClaim;
}

export interface PeerRequest<T extends z.ZodType> {
  card: Card;
  version: string;
  path: string;
  payload: unknown;
  result: T;
  /** Wraps the envelope into the request body (a hello puts the sender's card first). */
  body?: (envelope: Uint8Array) => Uint8Array;
  contentType?: string;
}

export interface RelayOptions {
  signal: AbortSignal;
  /** Without progress for this long, the call times out; progress restarts the clock. */
  timeoutMs: number;
  onprogress?: ((p: Progress) => void) | undefined;
  /** The provider's upstream logged while the call ran (only when the call asked with a log level). */
  onlog?: ((entry: Omit<LogFrame, "type" | "seq">) => void) | undefined;
}

export class FederationClient {
  /** Peers whose handshake failed, until when their requests go as envelopes (bounded by the peers table). */
  readonly #noChannelUntil = new Map<string, number>();

  constructor(private readonly s: FederationClientPort) {}

  /** The peer, if it is active: only an active peer is sent gossip, ledger or countersigned records. */
  async activePeer(id: string): Promise<Peer> {
    const peer = await getPeer(this.s.db, id);
    if (peer?.state !== "active") throw new PeerRequestError("not_allowed", `${id} is not an active peer`);
    return peer;
  }

  /** Sends message `name` to the active peer `id`. */
  async callActive<T extends z.ZodType>(id: string, name: Exclude<MessageName, "hello">, payload: unknown, result: T): Promise<z.infer<T>> {
    return this.call(await this.activePeer(id), name, payload, result);
  }

  /** Sends message `name` to a peer, with the card refreshed when it is stale or the peer's key rotated. */
  async call<T extends z.ZodType>(peer: Peer, name: Exclude<MessageName, "hello">, payload: unknown, result: T): Promise<z.infer<T>> {
    return this.#withFreshCard(peer, (card) => this.send({ card, version: peer.version, path: federationPath(peer.version, name), payload, result }));
  }

  /** Round trip of a sealed ping, in milliseconds, and the peer's clock. */
  async ping(peer: Peer): Promise<{ ms: number; at: number }> {
    const started = performance.now();
    const pong = await this.call(peer, "ping", { type: "ping" } satisfies z.infer<typeof pingRequest>, pingResult);
    return { ms: Math.round(performance.now() - started), at: pong.at };
  }

  /**
   * One request to the node of `card`, and its answer opened: on the channel to it when both
   * offer channels (a channel it refuses as unknown, stale or expired is replaced, and the request
   * sent again once: it was not opened), else sealed as an envelope. A hello (`body`) is always an envelope.
   */
  async send<T extends z.ZodType>(r: PeerRequest<T>): Promise<z.infer<T>> {
    if (r.body) {
      const { url, sealed } = await this.#seal(r.card, r.version, r.path, r.payload);
      return this.#exchange({ url, bytes: r.body(sealed.bytes), contentType: r.contentType ?? ENVELOPE_CONTENT_TYPE, openResponse: sealed.openResponse }, r.result);
    }
    for (let again = false; ; again = true) {
      const out = await this.#prepare(r.card, r.version, r.path, r.payload);
      try {
        return await this.#exchange(out, r.result);
      } catch (err) {
        if (again || !(await this.#reopens(r.card, out, err))) throw err;
      }
    }
  }

  /** Posts one request and opens its answer: a refusal, or an answer that does not open, is a PeerRequestError. */
  async #exchange<T extends z.ZodType>(out: Outgoing, result: T): Promise<z.infer<T>> {
    const { url } = out;
    let res: Response;
    try {
      // A peer message held for a node behind this mailbox waits there for a later poll until its envelope expires.
      res = out.heldFor
        ? await this.#held(out, RESPONSE_CONTENT_TYPE, AbortSignal.timeout(TIMEOUT_MS), this.s.now() + ENVELOPE_LIFETIME_SECONDS + this.s.config.clockSkewSeconds)
        : await this.s.outbound.request(url, { method: "POST", headers: { "content-type": out.contentType, accept: RESPONSE_CONTENT_TYPE }, body: out.bytes as BodyInit }, TIMEOUT_MS);
    } catch (err) {
      if (err instanceof PeerRequestError) throw err;
      throw new PeerRequestError("unreachable", `cannot reach ${url}: ${message(err)}`);
    }
    let bytes: Uint8Array | undefined;
    try {
      bytes = await readLimited(res, MAX_ANSWER_BYTES);
    } catch (err) {
      throw new PeerRequestError("unreachable", `${url}: the answer broke off: ${message(err)}`);
    }
    if (!bytes) throw new PeerRequestError("bad_answer", `${url}: the answer is larger than ${MAX_ANSWER_BYTES} bytes`);
    if (!res.headers.get("content-type")?.startsWith(RESPONSE_CONTENT_TYPE)) {
      const refusal = requestRefusal(bytes);
      if (refusal) throw new PeerRequestError(refusal.code, `${url}: ${refusal.message ?? refusal.code}`);
      throw new PeerRequestError("bad_answer", `${url} answered HTTP ${res.status} without a sealed answer`);
    }

    let answer: unknown;
    try {
      answer = JSON.parse(new TextDecoder().decode(await out.openResponse(bytes)));
    } catch (err) {
      throw new PeerRequestError("bad_answer", `${url}: the sealed answer does not open: ${message(err)}`);
    }
    const frame = answerSchema.safeParse(answer);
    if (!frame.success) throw new PeerRequestError("bad_answer", `${url}: unexpected answer: ${frame.error.issues[0]?.message}`);
    if (!frame.data.ok) throw new PeerRequestError(frame.data.error.code, frame.data.error.message);
    const parsed = result.safeParse(frame.data.result);
    if (!parsed.success) throw new PeerRequestError("bad_answer", `${url}: unexpected result: ${parsed.error.issues[0]?.message}`);
    return parsed.data;
  }

  /** The request to `path`, as a frame on the channel to the node of `card` when there is one to be had, else as an envelope. */
  async #prepare(card: Card, version: string, path: string, payload: unknown, delivered?: false): Promise<Outgoing> {
    if (this.s.mailbox.holds(card)) {
      const sealed = await this.#sealTo(card, version, path, payload);
      return { url: new URL(path, card.url).href, bytes: sealed.bytes, contentType: ENVELOPE_CONTENT_TYPE, openResponse: sealed.openResponse, heldFor: card.id };
    }
    if (this.s.config.channels && card.features.includes(CHANNEL_FEATURE) && (this.#noChannelUntil.get(card.id) ?? 0) <= this.s.now()) {
      const url = new URL(path, card.url).href;
      const unsafe = unsafeUrlReason(url, this.s.config.allowPrivateUrls);
      if (unsafe) throw new PeerRequestError("unreachable", `${url}: ${unsafe}`, delivered);
      const identity = await this.s.identity();
      const kids = { own: identity.signing.keyId, peer: card.keys.sig.kid };
      try {
        const slot = await this.s.channels.opened.slot(card.id, kids, this.s.now(), () => this.#handshake(card, version));
        const laneAnswers = card.features.includes(LANE_ANSWERS_FEATURE);
        const frame = await sealChannelFrame({ ...slot, laneAnswers, now: this.s.now(), path, plaintext: new TextEncoder().encode(JSON.stringify(payload)) });
        this.s.channels.counts.count("sent");
        return { url, bytes: frame.bytes, contentType: CHANNEL_CONTENT_TYPE, openResponse: (sealed) => frame.openResponse(sealed), channel: slot.channel };
      } catch (err) {
        // A key the peer rotated: the caller fetches its card again and comes back. A peer out of
        // reach would not take the envelope either: no reason to stop trying channels with it.
        if (err instanceof PeerRequestError && (err.code === "unknown_key" || err.code === "unreachable")) throw new PeerRequestError(err.code, err.message, delivered);
        // The peer says it offers channels but the handshake failed: envelopes, for a while.
        log.warn("channel.handshake_failed", { peer: card.id, error: message(err) });
        this.#noChannelUntil.set(card.id, this.s.now() + NO_CHANNEL_SECONDS);
        this.s.channels.counts.count("fallbacks");
      }
    }
    const { url, sealed } = await this.#seal(card, version, path, payload, delivered);
    return { url, bytes: sealed.bytes, contentType: ENVELOPE_CONTENT_TYPE, openResponse: sealed.openResponse };
  }

  /** The handshake (docs/protocol.md §5.6): an envelope carrying a fresh X-Wing key, answered with the channel. */
  async #handshake(card: Card, version: string): Promise<EstablishedChannel> {
    const identity = await this.s.identity();
    const { request, ephemeral } = await channelOpen(identity.primitives);
    const { url, sealed } = await this.#seal(card, version, federationPath(version, "channel"), request);
    const accept = await this.#exchange({ url, bytes: sealed.bytes, contentType: ENVELOPE_CONTENT_TYPE, openResponse: sealed.openResponse }, channelAcceptResult);
    const hs = await sealed.exportSecret(CHANNEL_EXPORT_LABEL, CHANNEL_SECRET_BYTES);
    return completeChannel({ primitives: identity.primitives, ephemeral, envelope: sealed.bytes, hs, accept, now: this.s.now(), skew: this.s.config.clockSkewSeconds });
  }

  /**
   * A relayed call as the first flight of a new channel's handshake (docs/protocol.md §5.6), when
   * the provider answers one, the call is answered plain and this process has no channel to it yet.
   */
  async #firstFlight(card: Card, version: string, request: RelayRequest): Promise<Outgoing | undefined> {
    if (request.type !== "call" || request.progress || request.logLevel !== undefined) return undefined;
    if (!this.s.config.channels || !card.features.includes(CHANNEL_FEATURE) || !card.features.includes(FIRST_FLIGHT_FEATURE)) return undefined;
    if ((this.#noChannelUntil.get(card.id) ?? 0) > this.s.now() || this.s.mailbox.holds(card)) return undefined;
    const identity = await this.s.identity();
    const kids = { own: identity.signing.keyId, peer: card.keys.sig.kid };
    if (!this.s.channels.opened.unclaimed(card.id, kids, this.s.now())) return undefined;
    // Where the store rarely holds a channel this process lacks, the handshake is made while the
    // claim looks there (the keys and signature run on WebCrypto's threads where the runtime has
    // them; found, it is dropped). On Workers a fresh isolate often finds one, and the handshake's
    // CPU would be spent for nothing: it waits for the claim.
    const seal = () => this.#sealHandshake(card, version, request, identity.primitives);
    const early = this.s.channels.opened.storeOftenAhead ? undefined : seal();
    early?.catch(() => undefined);
    const claim = await this.s.channels.opened.claim(card.id, kids, this.s.now());
    if (!claim) return undefined;
    try {
      const { url, sealed, ephemeral, hs, first } = await (early ?? seal());
      this.s.channels.counts.count("first");
      const openResponse = async (bytes: Uint8Array): Promise<Uint8Array> => {
        const plaintext = await sealed.openResponse(bytes);
        const answer = answerSchema.safeParse(JSON.parse(new TextDecoder().decode(plaintext)));
        // A refused handshake: its refusal stands for the call's, which did not run.
        if (!answer.success || !answer.data.ok) return plaintext;
        const accept = channelAcceptResult.parse(answer.data.result);
        const made = await completeChannel({ primitives: identity.primitives, ephemeral, envelope: sealed.bytes, hs, accept, now: this.s.now(), skew: this.s.config.clockSkewSeconds });
        await claim.settle(made);
        if (accept.first === undefined) throw new Error("the handshake's answer lacks the first flight's");
        return first.openResponse(fromBase64url(accept.first));
      };
      return { url, bytes: sealed.bytes, contentType: ENVELOPE_CONTENT_TYPE, openResponse, first: claim };
    } catch (err) {
      claim.release();
      throw err;
    }
  }

  /** A channel-open carrying `request` as its first flight, sealed to `card` as an envelope, with what completes the channel. */
  async #sealHandshake(card: Card, version: string, request: RelayRequest, primitives: Primitives) {
    const { request: open, ephemeral } = await channelOpen(primitives);
    let first!: Awaited<ReturnType<typeof sealFirstFlight>>;
    let hs!: Uint8Array;
    const path = federationPath(version, "call");
    const { url, sealed } = await this.#seal(card, version, federationPath(version, "channel"), async (exportSecret: Exporter) => {
      hs = await exportHs(exportSecret);
      first = await sealFirstFlight({ hs, lane: crypto.getRandomValues(new Uint8Array(LANE_BYTES)), now: this.s.now(), path, plaintext: utf8(JSON.stringify(request)) });
      return utf8(JSON.stringify({ ...open, first: toBase64url(first.bytes) }));
    }, false);
    return { url, sealed, ephemeral, hs, first };
  }

  /** Whether a first flight's handshake was refused, so the call, which did not run, goes once more without one. */
  #firstRefused(card: Card, err: unknown): boolean {
    if (!(err instanceof PeerRequestError) || err.delivered !== false || err.code === "unknown_key" || err.code === "unreachable") return false;
    log.warn("channel.handshake_failed", { peer: card.id, error: err.message });
    this.#noChannelUntil.set(card.id, this.s.now() + NO_CHANNEL_SECONDS);
    this.s.channels.counts.count("fallbacks");
    return true;
  }

  /** Whether `err` is the peer's refusal of the channel `out` went on; if so the channel is dropped, to be opened anew. */
  async #reopens(card: Card, out: Outgoing, err: unknown): Promise<boolean> {
    if (!out.channel || !(err instanceof PeerRequestError) || !REOPEN_ON.includes(err.code as ChannelErrorCode)) return false;
    await this.s.channels.opened.drop(card.id, out.channel);
    this.s.channels.counts.count("reopened");
    return true;
  }

  /**
   * A relayed call to its provider, its answer read frame by frame as it streams. Whether a
   * failure happened before the provider could have run the call decides whether another provider
   * may be tried, so every failure of the call itself says which it was (`delivered`).
   */
  async relayCall(peer: Peer, request: RelayRequest, o: RelayOptions): Promise<AnswerFrame["answer"]> {
    return this.#withFreshCard(peer, async (card) => {
      for (let again = false; ; again = true) {
        const out = (await this.#firstFlight(card, peer.version, request)) ?? (await this.#prepare(card, peer.version, federationPath(peer.version, "call"), request, false));
        try {
          return await this.#relayOnce(out, o);
        } catch (err) {
          // A refused channel frame or first flight was never opened, so the call did not run: it goes
          // again once (after a refused first flight, as an envelope: #firstRefused holds channels off).
          if (out.first ? !this.#firstRefused(card, err) : again || !(await this.#reopens(card, out, err))) throw err;
        } finally {
          out.first?.release();
        }
      }
    });
  }

  async #withFreshCard<R>(peer: Peer, send: (card: Card) => Promise<R>): Promise<R> {
    let card = peer.card.exp - EARLY_SECONDS <= this.s.now() ? await this.#freshCard(peer) : peer.card;
    try {
      return await send(card);
    } catch (err) {
      // Still undelivered: the envelope did not open, so it may be sent again.
      if (!(err instanceof PeerRequestError) || err.code !== "unknown_key" || err instanceof SealedRefusal) throw err;
      card = await this.#freshCard(peer);
      return send(card);
    }
  }

  async #freshCard(peer: Peer): Promise<Card> {
    const identity = await this.s.identity();
    let fresh;
    try {
      fresh = await fetchCard(peer.url, { primitives: identity.primitives, outbound: this.s.outbound, now: this.s.now(), skew: this.s.config.clockSkewSeconds });
    } catch (err) {
      if (err instanceof CardError) throw new PeerRequestError("bad_card", `${peer.url}: ${err.message} (${err.reason})`);
      if (err instanceof CardFetchError) throw new PeerRequestError("unreachable", err.message);
      throw err;
    }
    if (!continuesCard(peer.card, fresh)) throw new PeerRequestError("bad_card", `${peer.url} now serves a card that is not ${peer.nodeId}'s`);
    await updateCard(this.s.db, peer.nodeId, fresh.card);
    return fresh.card;
  }

  async #seal(card: Card, version: string, path: string, payload: unknown, delivered?: false): Promise<{ url: string; sealed: Sealed }> {
    const url = new URL(path, card.url).href;
    const unsafe = unsafeUrlReason(url, this.s.config.allowPrivateUrls);
    if (unsafe) throw new PeerRequestError("unreachable", `${url}: ${unsafe}`, delivered);
    return { url, sealed: await this.#sealTo(card, version, path, payload) };
  }

  /** `payload`: a message, or what makes the plaintext from the envelope's exporter (SealInput). */
  async #sealTo(card: Card, version: string, path: string, payload: unknown): Promise<Sealed> {
    const identity = await this.s.identity();
    return seal({
      primitives: identity.primitives,
      signer: identity.signing.signer,
      from: identity.nodeId,
      to: card.id,
      recipientKey: card.keys.kem[0]!,
      version,
      method: "POST",
      path,
      plaintext: typeof payload === "function" ? (payload as SealInput["plaintext"]) : new TextEncoder().encode(JSON.stringify(payload)),
      now: this.s.now(),
    });
  }

  /**
   * The envelope of `out` held here for the node it is sealed to, which takes it in a poll and
   * answers through this node (§20.6): its answer as the peer's HTTP answer would carry it.
   */
  async #held(out: Outgoing, contentType: string, signal: AbortSignal, keepUntil?: number): Promise<Response> {
    const held = await this.s.mailbox.hold(out.heldFor!, { type: "forwarded", envelope: toBase64url(out.bytes) }, signal, keepUntil);
    if ("refused" in held) throw new PeerRequestError(held.refused.code, `${out.heldFor} through this node's mailbox: ${held.refused.message}`, held.refused.code === "answer_timeout");
    return new Response(held.stream, { status: 200, headers: { "content-type": contentType } });
  }

  /**
   * A call for a node that is not a peer, carried by the peer `via` (docs/protocol.md §12): the
   * `forward` message travels to `via` as any message does; the answer is the destination's
   * call stream, whose frames `openFrame` opens, or `via`'s sealed refusal. A paid forward
   * (§12.5) is answered first with `via`'s fee frame, sealed to this message: `feeFrame` gets it opened.
   */
  async forward(via: Peer, payload: unknown, openFrame: (sealed: Uint8Array) => Promise<Uint8Array>, o: RelayOptions, feeFrame?: (opened: Uint8Array) => Promise<void>): Promise<AnswerFrame["answer"]> {
    return this.#withFreshCard(via, async (card) => {
      for (let again = false; ; again = true) {
        const out = await this.#prepare(card, via.version, federationPath(via.version, "forward"), payload, false);
        try {
          return await this.#relayOnce(out, o, { openFrame, feeFrame });
        } catch (err) {
          if (again || !(await this.#reopens(card, out, err))) throw err;
        }
      }
    });
  }

  /**
   * A message that is not a call for a node that is not a peer, carried by `via` (§12.5): the
   * destination's one answer frame, opened by `openFrame` (`via` cannot); a refusal by `via`, or
   * by the destination passed on, is a SealedRefusal.
   */
  async forwardMessage(via: Peer, payload: unknown, openFrame: (sealed: Uint8Array) => Promise<Uint8Array>, signal: AbortSignal): Promise<Uint8Array> {
    return this.#withFreshCard(via, async (card) => {
      for (let again = false; ; again = true) {
        const out = await this.#prepare(card, via.version, federationPath(via.version, "forward"), payload, false);
        try {
          return await this.#firstFrame(out, openFrame, signal);
        } catch (err) {
          if (again || !(await this.#reopens(card, out, err))) throw err;
        }
      }
    });
  }

  /**
   * A `forwarded` message sent by its maker straight to the destination, a node that is not its
   * peer (docs/protocol.md §20.8): the call stream, whose frames `openFrame` opens, or the
   * destination's refusal. As an envelope: channels are between peers.
   */
  async direct(card: Card, version: string, payload: ForwardedRequest, openFrame: (sealed: Uint8Array) => Promise<Uint8Array>, o: RelayOptions): Promise<AnswerFrame["answer"]> {
    const out = await this.#prepare(withoutChannels(card), version, federationPath(version, "forwarded"), payload, false);
    return this.#relayOnce(out, o, { openFrame });
  }

  /** As `direct`, for a message that is not a call: the destination's one answer frame, opened. */
  async directMessage(card: Card, version: string, payload: ForwardedRequest, openFrame: (sealed: Uint8Array) => Promise<Uint8Array>, signal: AbortSignal): Promise<Uint8Array> {
    const out = await this.#prepare(withoutChannels(card), version, federationPath(version, "forwarded"), payload, false);
    return this.#firstFrame(out, openFrame, signal);
  }

  /** The first frame of the call stream `out` is answered with, opened by `openFrame`; a sealed refusal is a SealedRefusal. */
  async #firstFrame(out: Outgoing, openFrame: (sealed: Uint8Array) => Promise<Uint8Array>, signal: AbortSignal): Promise<Uint8Array> {
    const passed = await this.#passOnce(out, signal);
    if ("refused" in passed) throw new SealedRefusal(passed.refused.code, passed.refused.message, false);
    let first: Uint8Array | undefined;
    try {
      for await (const frame of readFrames(passed.stream.body!)) {
        first = frame;
        break;
      }
    } catch (err) {
      throw new PeerRequestError("lost", `${out.url}: the forwarded answer broke off: ${message(err)}`, true);
    }
    if (!first) throw new PeerRequestError("bad_answer", `${out.url}: the forwarded answer holds no frame`, true);
    return await openFrame(first).catch((err: unknown) => {
      throw new PeerRequestError("bad_answer", `${out.url}: the destination's answer does not open: ${message(err)}`, true);
    });
  }

  /**
   * Passes a forwarded request on to the peer (docs/protocol.md §12): the answer, when the peer
   * took it, is the call's own stream, sealed to the node that made it, returned unopened; else
   * the peer's sealed refusal. Failures on the way are PeerRequestErrors.
   */
  async passOn(peer: Peer, payload: unknown, signal: AbortSignal): Promise<{ stream: Response } | { refused: { code: string; message: string } }> {
    return this.#withFreshCard(peer, async (card) => {
      for (let again = false; ; again = true) {
        const out = await this.#prepare(card, peer.version, federationPath(peer.version, "forwarded"), payload, false);
        try {
          return await this.#passOnce(out, signal);
        } catch (err) {
          if (again || !(await this.#reopens(card, out, err))) throw err;
        }
      }
    });
  }

  async #passOnce(out: Outgoing, signal: AbortSignal): Promise<{ stream: Response } | { refused: { code: string; message: string } }> {
    let res: Response;
    try {
      res = await this.s.outbound.fetch(out.url, { method: "POST", headers: { "content-type": out.contentType, accept: `${CALL_STREAM_CONTENT_TYPE}, ${RESPONSE_CONTENT_TYPE}` }, body: out.bytes as BodyInit, signal });
    } catch (err) {
      throw new PeerRequestError("unreachable", `cannot reach ${out.url}: ${message(err)}`, false);
    }
    const type = res.headers.get("content-type") ?? "";
    if (type.startsWith(CALL_STREAM_CONTENT_TYPE) && res.body) return { stream: res };
    const bytes = (await readLimited(res, MAX_REFUSAL_BYTES).catch(() => undefined)) ?? new Uint8Array();
    if (type.startsWith(RESPONSE_CONTENT_TYPE)) {
      const frame = await this.#openedAnswer(out, bytes);
      if (!frame.ok) return { refused: frame.error };
      throw new PeerRequestError("bad_answer", `${out.url}: a forwarded request answered without a call stream`, false);
    }
    const refusal = requestRefusal(bytes);
    if (refusal) throw new PeerRequestError(refusal.code, `${out.url}: ${refusal.message ?? refusal.code}`, false);
    throw new PeerRequestError("refused", `${out.url} answered HTTP ${res.status} without a call stream`, false);
  }

  /** A sealed answer to `out`, opened and checked; `delivered`: whether a failure here may follow a call that ran. */
  async #openedAnswer(out: Outgoing, bytes: Uint8Array, delivered = false) {
    let answer: unknown;
    try {
      answer = JSON.parse(new TextDecoder().decode(await out.openResponse(bytes)));
    } catch (err) {
      throw new PeerRequestError("bad_answer", `${out.url}: the sealed answer does not open: ${message(err)}`, delivered);
    }
    const frame = answerSchema.safeParse(answer);
    if (!frame.success) throw new PeerRequestError("bad_answer", `${out.url}: unexpected answer: ${frame.error.issues[0]?.message}`, delivered);
    return frame.data;
  }

  /**
   * `forwarded`: the answer's frames are sealed by the destination (`openFrame`), never by `via`,
   * which may only refuse, or open a paid forward's answer with its fee frame (`feeFrame`).
   */
  async #relayOnce(
    out: Outgoing,
    o: RelayOptions,
    forwarded?: { openFrame: (sealed: Uint8Array) => Promise<Uint8Array>; feeFrame?: ((opened: Uint8Array) => Promise<void>) | undefined },
  ): Promise<AnswerFrame["answer"]> {
    const openFrame = forwarded?.openFrame ?? out.openResponse;
    const feeFrame = forwarded?.feeFrame;
    const { url } = out;
    const timer = new AbortController();
    const started = performance.now();
    let idle: ReturnType<typeof setTimeout> | undefined;
    const arm = () => {
      clearTimeout(idle);
      // Progress restarts the clock, up to ten times the timeout in all, as for a local call.
      const left = Math.min(o.timeoutMs, o.timeoutMs * 10 - (performance.now() - started));
      idle = setTimeout(() => timer.abort(new Error("timeout")), Math.max(0, left));
    };
    arm();
    const signal = AbortSignal.any([o.signal, timer.signal]);
    const failure = (delivered: boolean, err: unknown): PeerRequestError => {
      if (o.signal.aborted) return new PeerRequestError("cancelled", "the call was cancelled", true);
      if (timer.signal.aborted) return new PeerRequestError("timeout", `no answer within ${o.timeoutMs} ms`, true);
      return delivered ? new PeerRequestError("lost", `the answer broke off: ${message(err)}`, true) : new PeerRequestError("unreachable", `cannot reach ${url}: ${message(err)}`, false);
    };

    try {
      // On a channel to the provider itself, an answer alone may come as one sealed answer instead of a stream (§6.6).
      const plain = (out.channel !== undefined || out.first !== undefined) && !out.heldFor && !forwarded;
      let res: Response;
      try {
        res = out.heldFor
          ? await this.#held(out, CALL_STREAM_CONTENT_TYPE, signal)
          : await this.s.outbound.fetch(url, {
              method: "POST",
              headers: { "content-type": out.contentType, accept: plain ? `${CALL_STREAM_CONTENT_TYPE}, ${RESPONSE_CONTENT_TYPE}` : CALL_STREAM_CONTENT_TYPE },
              body: out.bytes as BodyInit,
              signal,
            });
      } catch (err) {
        if (err instanceof PeerRequestError) throw err;
        // The request may have reached the provider before the connection failed; only a refused
        // connection proves it did not, and fetch does not say which. A timeout or cancel here is
        // treated as delivered, so a call that may have run is never run twice.
        throw failure(signal.aborted, err);
      }
      if (!res.headers.get("content-type")?.startsWith(CALL_STREAM_CONTENT_TYPE) || !res.body) {
        // A sealed refusal: a forwarder's own, or the destination's it passes on.
        if (res.headers.get("content-type")?.startsWith(RESPONSE_CONTENT_TYPE)) {
          let bytes: Uint8Array | undefined;
          try {
            bytes = await readLimited(res, plain ? MAX_FRAME_BYTES : MAX_REFUSAL_BYTES);
          } catch (err) {
            throw failure(true, err);
          }
          if (!bytes) throw new PeerRequestError("bad_answer", `${url}: the answer is larger than ${MAX_FRAME_BYTES} bytes`, plain);
          const frame = await this.#openedAnswer(out, bytes, plain);
          if (!frame.ok) throw new SealedRefusal(frame.error.code, frame.error.message, false);
          if (!plain) throw new PeerRequestError("refused", `${url} answered without a call stream`, false);
          const answer = answerFrame.shape.answer.safeParse(frame.result);
          if (!answer.success) throw new PeerRequestError("bad_answer", `${url}: unexpected answer: ${answer.error.issues[0]?.message}`, true);
          return answer.data;
        }
        const refusal = requestRefusal((await readLimited(res, MAX_REFUSAL_BYTES)) ?? new Uint8Array());
        if (refusal) throw new PeerRequestError(refusal.code, `${refusal.message ?? refusal.code} (${refusal.code})`, false);
        throw new PeerRequestError("refused", `${url} answered HTTP ${res.status} without a call stream`, false);
      }

      let seq = 0;
      let fee = feeFrame;
      try {
        for await (const frame of readFrames(res.body)) {
          if (fee) {
            const opened = await out.openResponse(frame).catch((err: unknown) => {
              throw new PeerRequestError("bad_answer", `${url}: the forwarder's fee frame does not open: ${message(err)}`, true);
            });
            await fee(opened);
            fee = undefined;
            continue;
          }
          const parsed = callFrame.safeParse(JSON.parse(new TextDecoder().decode(await openFrame(frame))));
          if (!parsed.success) throw new PeerRequestError("bad_answer", `${url}: unexpected frame: ${parsed.error.issues[0]?.message}`, true);
          const f = parsed.data;
          if (f.seq !== seq++) throw new PeerRequestError("bad_answer", `${url}: frame ${f.seq} arrived where ${seq - 1} was due`, true);
          if (f.type === "answer") return f.answer;
          if (f.type === "log") {
            o.onlog?.({ level: f.level, ...(f.logger === undefined ? {} : { logger: f.logger }), data: f.data });
            continue;
          }
          arm();
          o.onprogress?.({ progress: f.progress, ...(f.total === undefined ? {} : { total: f.total }), ...(f.message === undefined ? {} : { message: f.message }) });
        }
      } catch (err) {
        if (err instanceof PeerRequestError) throw err;
        throw failure(true, err);
      }
      throw failure(true, new Error("the stream ended without an answer"));
    } finally {
      clearTimeout(idle);
    }
  }
}

/** A stranger's card as a request to it uses it: a channel handshake would be refused. */
const withoutChannels = (card: Card): Card => ({ ...card, features: card.features.filter((f) => f !== CHANNEL_FEATURE) });

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** A plain JSON refusal of an envelope or a channel frame (it did not open) with its code, if that is what the bytes are. */
function requestRefusal(bytes: Uint8Array): { code: keyof typeof ENVELOPE_ERRORS | ChannelErrorCode; message: string | undefined } | undefined {
  try {
    const body = JSON.parse(new TextDecoder().decode(bytes)) as { error?: { code?: string; message?: string } };
    const code = body.error?.code;
    if (code && (code in ENVELOPE_ERRORS || code in CHANNEL_ERRORS)) return { code: code as keyof typeof ENVELOPE_ERRORS | ChannelErrorCode, message: body.error?.message };
  } catch {
    // not JSON
  }
  return undefined;
}
