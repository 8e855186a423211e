// The federation endpoints, one per message, under the protocol version: POST /federation/v1/*.
// Every request is an envelope (src/protocol/envelope/open.ts) or, from a peer that opened a
// channel to this node, a channel frame (src/protocol/channel/open.ts), opened here before anything
// reads it. A refused one gets a plain JSON error with its code; every answer to an opened one is
// sealed to the sender. Floods are turned away before any of that: per client address in this
// isolate's memory (no store round trip, no cryptography), and per authenticated sender in the
// store once its envelope opened (a sender id cannot be spent by anyone else's traffic).
import { Hono, type Context } from "hono";
import type { z } from "zod";
import type { AppEnv } from "../request/app-env.ts";
import { declaredBodyLimit } from "../request/declared-body-limit.ts";
import { MAX_CARD_BYTES } from "../../protocol/card/schema.ts";
import { EnvelopeError } from "../../protocol/envelope/errors.ts";
import { openEnvelope, type Opened, type Sender } from "../../protocol/envelope/open.ts";
import { SIGNED_FAULTS, signedFaultOf } from "../../protocol/envelope/attribution.ts";
import type { Header } from "../../protocol/envelope/wire.ts";
import { ChannelError } from "../../protocol/channel/errors.ts";
import { CHANNEL_CONTENT_TYPE, LANE_ANSWERS_FEATURE } from "../../protocol/channel/frame.ts";
import { CHANNEL_EXPORT_LABEL, CHANNEL_SECRET_BYTES, channelOpenRequest } from "../../protocol/channel/handshake.ts";
import { openChannelFrame } from "../../protocol/channel/open.ts";
import { openFirstFlight, type OpenedFirstFlight } from "../../protocol/channel/first-flight.ts";
import { fromBase64url, toBase64url } from "../../protocol/encoding/bytes.ts";
import { relayRequest } from "../../protocol/messages/relay-items.ts";
import { RESPONSE_CONTENT_TYPE } from "../../protocol/envelope/response.ts";
import { sourceOf } from "../../node/access/limits/source.ts";
import { WindowCounter } from "../../node/access/limits/window-counter.ts";
import { log } from "../../node/logging/log.ts";
import { receiveHello } from "../../node/peers/hello.ts";
import { activePeer, activeSender } from "../../node/peers/senders.ts";
import { peerSeen } from "../../node/peers/directory.ts";
import { offeredFeatures } from "../../node/card/offered-features.ts";
import { PROTOCOL_VERSIONS } from "../../protocol/versions.ts";
import type { Services } from "../../node/services.ts";
import { exchangeRequest, reconcileRequest } from "../../protocol/messages/gossip.ts";
import { ReconcileFormatError } from "../../protocol/reconciliation.ts";
import { ledgerReconcileRequest, ledgerTransferRequest } from "../../protocol/messages/ledger.ts";
import { answerCards } from "../../node/peers/origin-cards.ts";
import { answerReceipts, takeCountersigned } from "../../node/relay/countersigns.ts";
import { ledgerCheckpointRequest } from "../../protocol/messages/ledger-checkpoint.ts";
import { settlementRequest } from "../../protocol/messages/settlement.ts";
import { countersignedPush, receiptsRequest, subscribeRequest } from "../../protocol/messages/relay.ts";
import { tokenSaleRequest } from "../../protocol/tokens/sale.ts";
import { serveTokenSale } from "../../node/tokens/sale.ts";
import { serveTokenRedeem } from "../../node/tokens/issuer-redemption.ts";
import { tokenRedeemRequest } from "../../protocol/tokens/online-redemption.ts";
import { serveSubscribe } from "../../node/relay/subscriptions.ts";
import { isOfferKey, serveOfferPurchase } from "../../node/agents/offer-purchase.ts";
import { isPackageKey, sellLicence } from "../../node/packages/licence.ts";
import { packageArtifactRoutes } from "./package-artifacts-route.ts";
import { packageIndexRoutes } from "./package-index-route.ts";
import { serveComplete } from "../../node/relay/complete-provider.ts";
import { completeRequest } from "../../protocol/messages/relay-complete.ts";
import { serveResourceSubscribe, serveResourceUnsubscribe } from "../../node/relay/resource-lease-provider.ts";
import { takeResourceUpdate } from "../../node/relay/resource-lease-consumer.ts";
import { resourceSubscribeRequest, resourceUnsubscribeRequest, resourceUpdatedRequest } from "../../protocol/messages/relay-resource-updates.ts";
import { callResponse } from "./call-stream.ts";
import { onionHandler } from "./onion-route.ts";
import { ONION_PATH } from "../../node/routes/onion/hop.ts";
import { gatewayHandler } from "./gateway-route.ts";
import { relayToGateway } from "../../node/routes/private/relay.ts";
import { ohttpRelayRequest } from "../../protocol/routes/ohttp/relay-message.ts";
import { forwardRoutes } from "./forward-route.ts";
import { mailboxRoutes } from "./mailbox-route.ts";
import { backupRoutes } from "./backup-route.ts";
import { clearingRoute } from "./clearing-route.ts";
import { indexRoute } from "./index-route.ts";
import { strongAppendRequest, strongForwardRequest, strongNamespaceRequest } from "../../protocol/messages/blackboard-strong.ts";
import { receivedEnvelope, type Received } from "./received.ts";
import { budgetAskRequest, budgetSyncRequest } from "../../protocol/budgets/messages.ts";
import { cardsRequest, federationPath, parseMessage, pingRequest, type Answer } from "../../protocol/messages/federation.ts";
import { blackboardRequest } from "../../protocol/messages/blackboard.ts";
import { BlackboardError } from "../../node/blackboard/errors.ts";
import { METRICS } from "../../node/metrics/definitions.ts";

async function sealed<T>(c: Context, opened: Pick<Received, "sealResponse">, answer: Answer<T>): Promise<Response> {
  const body = await opened.sealResponse(new TextEncoder().encode(JSON.stringify(answer)));
  return c.body(body as Uint8Array<ArrayBuffer>, 200, { "content-type": RESPONSE_CONTENT_TYPE });
}

function refused(s: Services, c: Context, err: unknown): Response {
  if (!(err instanceof EnvelopeError) && !(err instanceof ChannelError)) throw err;
  log.info("federation.refused", { path: c.req.path, code: err.code });
  s.metrics.count(err instanceof ChannelError ? METRICS.channelRefusals : METRICS.envelopeRefusals, { code: err.code });
  return c.json(err.toJSON(), err.status);
}

function rateLimited(s: Services, c: Context, retryAfterSeconds: number, what: string): Response {
  c.header("Retry-After", String(retryAfterSeconds));
  return refused(s, c, new EnvelopeError("rate_limited", `too many ${what}; retry in ${retryAfterSeconds} s`));
}

export function federationRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const perSource = new WindowCounter(s.config.federationRatePerSource, 60);
  const hellosPerSource = new WindowCounter(s.config.helloRatePerSource, 60);
  app.use("/federation/*", async (c, next) => {
    const wait = perSource.over(sourceOf(c.get("clientAddress")));
    if (wait === undefined) return next();
    s.federationRefusals.count("source_rate");
    return rateLimited(s, c, wait, "federation requests from this address");
  });
  app.use(
    "/federation/*",
    declaredBodyLimit({
      maxSize: s.config.maxBodyBytes + MAX_CARD_BYTES,
      onError: (c) => c.json(new EnvelopeError("too_large", "request body too large").toJSON(), 413),
    }),
  );

  // In memory, like the per-source count: a store write here would sit on every relayed call's
  // critical path. Only opened messages are counted, of the senders a route knows (active peers, the
  // directory's public nodes, the nodes whose cards this node holds), so the keys stay few.
  const perSender = new WindowCounter(s.config.federationRatePerSender, 60);
  // Frames asking for answers keyed per lane are taken only when the card offers it (docs/protocol.md §5.6).
  const laneAnswers = offeredFeatures(s.config).includes(LANE_ANSWERS_FEATURE);
  const isActivePeer = activePeer(s);
  /** Counts one opened message from `from`: the `rate_limited` refusal when over the limit; `peer` when `from` is known to be an active peer. */
  const senderOverLimit = (c: Context, from: string, peer: boolean): Response | undefined => {
    const wait = perSender.over(from);
    if (wait === undefined) return undefined;
    s.federationRefusals.count("sender_rate");
    // Evidence against active peers only: strangers must not crowd them out of the observations.
    if (peer) s.trust.observed.refused(from);
    else c.get("defer")(isActivePeer(from).then((active) => active && s.trust.observed.refused(from)));
    return rateLimited(s, c, wait, "federation requests from this node");
  };

  /**
   * Opens an envelope from a sender `sender` resolves, or answers the refusal. Once it opened (its
   * signature verified, its id recorded against replays) it counts against its sender's limit
   * before any route reads it, whatever route and sender lookup. A refusal whose fault is in what
   * an active peer signed counts against it once its signature verifies, after the answer; any
   * other is counted by code only (docs/security.md, "Refusals as evidence").
   */
  const openEnvelopeFrom = async (c: Context, path: string, sender?: (header: Header) => Promise<Sender>): Promise<Opened | Response> => {
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    const options = await envelopeOptions(path, sender);
    try {
      const opened = await openEnvelope(bytes, options);
      return senderOverLimit(c, opened.header.from, sender === undefined) ?? opened;
    } catch (err) {
      if (err instanceof EnvelopeError && SIGNED_FAULTS.has(err.code)) {
        // Active peers only, whatever senders the route takes: strangers must not crowd them out of the observations.
        c.get("defer")(signedFaultOf(bytes, err.code, { sender: activeSender(s), maxBytes: options.maxBytes }).then((from) => from && s.trust.observed.refused(from)));
      }
      return refused(s, c, err);
    }
  };

  /** Opens an envelope or a channel frame from an active peer, or answers the refusal. */
  const openFromPeer = async (c: Context, path: string): Promise<Received | Response> => {
    const onChannel = c.req.header("content-type")?.startsWith(CHANNEL_CONTENT_TYPE);
    let opened: Received;
    if (onChannel) {
      try {
        const bytes = new Uint8Array(await c.req.arrayBuffer());
        opened = await openChannelFrame(bytes, { channels: s.channels.accepted, replay: s.replay, now: s.now(), skew: s.config.clockSkewSeconds, path, maxBytes: s.config.maxBodyBytes, laneAnswers });
      } catch (err) {
        return refused(s, c, err);
      }
    } else {
      const envelope = await openEnvelopeFrom(c, path);
      if (envelope instanceof Response) return envelope;
      opened = receivedEnvelope(envelope);
    }
    if (onChannel) {
      s.channels.counts.count("received");
      const limited = senderOverLimit(c, opened.from, true);
      if (limited) return limited;
    }
    c.get("defer")(peerSeen(s, opened.from));
    return opened;
  };

  /** How an envelope to `path` is opened: from an active peer, unless the route knows other senders. */
  const envelopeOptions = async (path: string, sender: (header: Header) => Promise<Sender> = activeSender(s)) => {
    const identity = await s.identity();
    return {
      self: { nodeId: identity.nodeId, keys: identity.keyring, primitives: identity.primitives },
      sender,
      replay: s.replay,
      now: s.now(),
      skew: s.config.clockSkewSeconds,
      method: "POST",
      path,
      maxBytes: s.config.maxBodyBytes,
    };
  };

  /** The answer to an active peer's message (`openFromPeer`) that is not one of the route's: the peer's own fault, counted against it. */
  const malformed = (c: Context, opened: Received, message: string): Promise<Response> => {
    s.trust.observed.refused(opened.from);
    return sealed(c, opened, { ok: false, error: { code: "bad_request", message } });
  };

  const messageRoute = <T extends z.ZodType>(path: string, schema: T, handle: (from: string, request: z.infer<T>, c: Context<AppEnv>) => Promise<unknown>) =>
    app.post(path, async (c) => {
      const opened = await openFromPeer(c, path);
      if (opened instanceof Response) return opened;
      const request = parseMessage(opened.plaintext, schema);
      if (request === undefined) return malformed(c, opened, `not a valid request for ${path}`);
      let result: unknown;
      try {
        result = await handle(opened.from, request, c);
      } catch (err) {
        // A well-formed envelope can still carry an undecodable reconciliation message.
        if (err instanceof BlackboardError) return sealed(c, opened, { ok: false, error: { code: "not_allowed", message: `${path}: ${err.code}: ${err.message}` } });
        if (!(err instanceof ReconcileFormatError)) throw err;
        return malformed(c, opened, `${path}: ${err.message}`);
      }
      return sealed(c, opened, { ok: true, result });
    });

  for (const version of PROTOCOL_VERSIONS) {
    const helloPath = federationPath(version, "hello");
    app.post(helloPath, async (c) => {
      const wait = hellosPerSource.over(sourceOf(c.get("clientAddress")));
      if (wait !== undefined) {
        s.federationRefusals.count("hello_source_rate");
        return rateLimited(s, c, wait, "hellos from this address");
      }
      try {
        const { opened, answer } = await receiveHello(s, new Uint8Array(await c.req.arrayBuffer()), helloPath);
        return await sealed(c, opened, answer);
      } catch (err) {
        return refused(s, c, err);
      }
    });

    // The channel handshake: always an envelope, answered with a new channel (docs/protocol.md §5.6),
    // and with the answer to the call it may carry as its first flight (answered plain, §6.6).
    const channelPath = federationPath(version, "channel");
    const callPath = federationPath(version, "call");
    if (s.config.channels) {
      app.post(channelPath, async (c) => {
        const opened = await openEnvelopeFrom(c, channelPath);
        if (opened instanceof Response) return opened;
        // The body read to open it, from Hono's cache: the handshake hashes the exact bytes.
        const bytes = new Uint8Array(await c.req.arrayBuffer());
        const request = parseMessage(opened.plaintext, channelOpenRequest);
        if (!request) return malformed(c, receivedEnvelope(opened), "not a channel-open");
        const hs = await opened.exportSecret(CHANNEL_EXPORT_LABEL, CHANNEL_SECRET_BYTES);
        // The first flight is opened and checked before the channel is stored: a refused one leaves no channel.
        let first: OpenedFirstFlight | undefined;
        if (request.first !== undefined) {
          try {
            first = await openFirstFlight(fromBase64url(request.first), { hs, now: s.now(), skew: s.config.clockSkewSeconds, path: callPath, maxBytes: s.config.maxBodyBytes });
          } catch (err) {
            return refused(s, c, err);
          }
          const call = parseMessage(first.plaintext, relayRequest);
          if (call?.type !== "call" || call.progress || call.logLevel !== undefined) return malformed(c, receivedEnvelope(opened), "a first flight is a call answered plain: no progress, no log level");
        }
        let accept;
        try {
          accept = await s.channels.accepted.accept(opened.header.from, request, bytes, hs);
        } catch (err) {
          if (err instanceof EnvelopeError) return refused(s, c, err);
          if (!(err instanceof ChannelError)) throw err;
          return sealed(c, opened, { ok: false, error: { code: "bad_request", message: err.message } });
        }
        if (!first) return sealed(c, opened, { ok: true, result: accept });
        s.channels.counts.count("first");
        c.get("defer")(peerSeen(s, opened.header.from));
        const answer = await callResponse(s, { from: opened.header.from, plaintext: first.plaintext, sealResponse: first.sealResponse }, c.req.raw.signal, c.get("defer"), true);
        return sealed(c, opened, { ok: true, result: { ...accept, first: toBase64url(new Uint8Array(await answer.arrayBuffer())) } });
      });
    }

    const pingPath = federationPath(version, "ping");
    app.post(pingPath, async (c) => {
      const opened = await openFromPeer(c, pingPath);
      if (opened instanceof Response) return opened;
      if (!parseMessage(opened.plaintext, pingRequest)) return malformed(c, opened, "not a ping");
      return sealed(c, opened, { ok: true, result: { type: "pong", at: s.now() } });
    });

    // Gossip, and the cards it needs: the sender is the opened envelope's, never what the message says.
    messageRoute(federationPath(version, "exchange"), exchangeRequest, (from, r) => s.gossip.onExchange(from, r));
    messageRoute(federationPath(version, "reconcile"), reconcileRequest, (from, r) => s.gossip.onReconcile(from, r));
    messageRoute(federationPath(version, "cards"), cardsRequest, (_from, r) => answerCards(s, r));

    // Relayed calls, and the countersignatures that complete their records.
    app.post(callPath, async (c) => {
      const opened = await openFromPeer(c, callPath);
      if (opened instanceof Response) return opened;
      const plain = c.req.header("accept")?.includes(RESPONSE_CONTENT_TYPE) ?? false;
      return callResponse(s, opened, c.req.raw.signal, c.get("defer"), plain);
    });
    messageRoute(federationPath(version, "countersigned"), countersignedPush, async (from, r) => ({ acked: await takeCountersigned(s, from, r.records) }));
    messageRoute(federationPath(version, "receipts"), receiptsRequest, (from, r) => answerReceipts(s, from, r));
    messageRoute(federationPath(version, "subscribe"), subscribeRequest, (from, r) =>
      isOfferKey(r.key) ? serveOfferPurchase(s, from, r) : isPackageKey(r.key) ? sellLicence(s, from, r) : serveSubscribe(s, from, r),
    );
    messageRoute(federationPath(version, "complete"), completeRequest, (from, r, c) => serveComplete(s, from, r, { signal: c.req.raw.signal, defer: c.get("defer") }));
    messageRoute(federationPath(version, "resource-subscribe"), resourceSubscribeRequest, (from, r, c) => serveResourceSubscribe(s, from, r, c.get("defer")));
    messageRoute(federationPath(version, "resource-unsubscribe"), resourceUnsubscribeRequest, (from, r) => serveResourceUnsubscribe(s, from, r));
    messageRoute(federationPath(version, "resource-updated"), resourceUpdatedRequest, (from, r) => takeResourceUpdate(s, from, r));

    // The ledger's: a peer only ever reads and writes the records it is a party to (src/node/ledger/reconciliation.ts).
    messageRoute(federationPath(version, "ledger-reconcile"), ledgerReconcileRequest, (from, r) => s.ledgerSync.onReconcile(from, r));
    messageRoute(federationPath(version, "ledger-transfer"), ledgerTransferRequest, (from, r) => s.ledgerSync.onTransfer(from, r));
    messageRoute(federationPath(version, "ledger-checkpoint"), ledgerCheckpointRequest, (from, r) => s.checkpoints.receive(from, r));
    messageRoute(federationPath(version, "settlement"), settlementRequest, (from, r) => s.settlement.settlements.receive(from, r));

    // The private route (docs/protocol.md §13): a peer's opaque request handed on to a gateway, and
    // this node's own gateway, whose requests are not envelopes and name no sender.
    messageRoute(federationPath(version, "ohttp-relay"), ohttpRelayRequest, (from, r, c) => relayToGateway(s, from, r, c.req.raw.signal));
    app.post(federationPath(version, "gateway"), gatewayHandler(s));

    // The blackboard (docs/protocol.md §17.6): pushes and repairs between a namespace's replicas.
    messageRoute(federationPath(version, "blackboard"), blackboardRequest, (from, r) => s.blackboard.replication.onRequest(from, r));

    // Privacy Pass token sales to named peers (docs/protocol.md §15.3).
    messageRoute(federationPath(version, "token-sale"), tokenSaleRequest, (from, r) => serveTokenSale(s, from, r));
    // Redemption of this node's tokens on a provider's behalf, and the record that pays it (§15.9).
    messageRoute(federationPath(version, "token-redeem"), tokenRedeemRequest, (from, r) => serveTokenRedeem(s, from, r));
    // Budgets (docs/protocol.md §17.9): a peer's deltas are verified one by one before they are kept.
    messageRoute(federationPath(version, "budget-sync"), budgetSyncRequest, (from, r) => s.budgets.onSync(from, r));
    messageRoute(federationPath(version, "budget-ask"), budgetAskRequest, (from, r) => s.budgets.onAsk(from, r.budget, r.amount));
    // The blackboard's strong consistency (docs/protocol.md §17.8): the sender checked against the namespace's replicas.
    messageRoute(federationPath(version, "blackboard-namespace"), strongNamespaceRequest, async (from, r) => ({ type: "blackboard-namespace", stored: await s.strong.namespaces.receive(from, r.descriptor) }));
    messageRoute(federationPath(version, "blackboard-append"), strongAppendRequest, (from, r) => s.strong.board.serveAppend(from, r.entry));
    messageRoute(federationPath(version, "blackboard-strong"), strongForwardRequest, async (from, r) => ({
      type: "blackboard-strong-result",
      outcome: await s.strong.board.serveForward(from, r.namespace, r.key, r.op),
    }));
    // The forwarded route (docs/protocol.md §12): as forwarder, and as destination.
    forwardRoutes(app, s, version, { openFromPeer, openEnvelopeFrom, malformed });
    mailboxRoutes(app, s, version, { openFromPeer, openEnvelopeFrom, malformed });
    backupRoutes(app, s, version, { openFromPeer, openEnvelopeFrom, malformed });
    // Clearing rounds (docs/protocol.md §16.2).
    clearingRoute(app, s, version, { openFromPeer, openEnvelopeFrom, malformed });
    // The structured index (docs/protocol.md §20.2).
    indexRoute(app, s, version, { openFromPeer, openEnvelopeFrom, malformed });
  }
  // The onion route (docs/protocol.md §14): fixed-size packets, not envelopes.
  app.post(ONION_PATH, onionHandler(s));
  // Package artifacts for installers (docs/protocol.md §18.5): public, under the per-source limit.
  app.route("/", packageArtifactRoutes(s));
  // Package indexes (§18.4): the same, signed by their origin.
  app.route("/", packageIndexRoutes(s));
  return app;
}
