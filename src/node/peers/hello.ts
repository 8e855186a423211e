// Peering. The operator of one node adds another by URL: this node fetches and verifies the
// other's card, then introduces itself with a hello, sealed like every federation request and
// carrying its own card. The receiver verifies that card, opens the envelope with the card's
// key, applies its acceptance policy, and checks that the card's URL serves the same card
// (whoever says hello controls the URL it claims), unless that URL is the receiver's own and the
// receiver is the sender's mailbox (§20.6). Sending a hello also tells the receiver that the
// sender has it as an active peer.
import type { z } from "zod";
import { ownOrigin, type OwnCard } from "../card/own.ts";
import type { Card } from "../../protocol/card/schema.ts";
import { CardFetchError, fetchCard } from "../card/fetch.ts";
import { CardError, continuesCard, verifyCard } from "../../protocol/card/verify.ts";
import { EnvelopeError } from "../../protocol/envelope/errors.ts";
import { log } from "../logging/log.ts";
import { unsafeUrlReason } from "../outbound/ssrf.ts";
import { openEnvelope, type Opened } from "../../protocol/envelope/open.ts";
import type { FederationClient } from "../federation-client/client.ts";
import { PeerRequestError } from "../federation-client/errors.ts";
import type { FederationRefusal, FederationRefusals } from "./refusals.ts";
import type { LocalIdentity } from "../identity/local.ts";
import type { Outbound } from "../outbound/outbound.ts";
import type { Config } from "../settings/config.ts";
import type { Database } from "../../store/database.ts";
import type { ReplayCache } from "../../store/replay-cache.ts";
import { federationPath, helloRequest, helloResult, parseMessage, type Answer } from "../../protocol/messages/federation.ts";
import { offeredFeatures } from "../card/offered-features.ts";
import { commonFeatures, negotiateVersion, NegotiationError, PROTOCOL_VERSIONS } from "../../protocol/versions.ts";
import { decodeHello, encodeHello, HELLO_CONTENT_TYPE } from "../../protocol/messages/hello.ts";
import { admit } from "./policy.ts";
import { namesMailbox } from "../../protocol/routes/mailbox.ts";
import { earnedPeering, type EarnedPort } from "./earned.ts";
import { countPending, getPeer, helloAnswered, listPeers, savePeer, setState, type Peer } from "../../store/peers.ts";

/** What peering needs of the node. */
export interface PeeringPort extends EarnedPort {
  db: Database;
  identity: () => Promise<LocalIdentity>;
  card: () => Promise<OwnCard>;
  now: () => number;
  outbound: Outbound;
  federation: FederationClient;
  config: Pick<Config, "allowPrivateUrls" | "clockSkewSeconds" | "publicUrl" | "peerPolicy" | "peerAllowlist" | "maxPendingPeers" | "maxBodyBytes" | "channels" | "ledgerCheckpoints" | "routesOffer" | "tokens" | "trust">;
  replay: ReplayCache;
  federationRefusals: FederationRefusals;
}

/** Whether the sender binds nothing reachable and names this node, which offers the role, as its mailbox and its URL. */
function mailboxedHere(s: PeeringPort, card: Card): boolean {
  const origin = s.config.publicUrl?.origin;
  return !!origin && s.config.routesOffer.includes("mailbox") && new URL(card.url).origin === origin && namesMailbox(card, origin);
}

/** The one answer to a hello this node will not take, whatever the reason. */
const HELLO_REFUSED = { ok: false as const, error: { code: "not_allowed" as const, message: "this node does not accept this hello" } };

export class PeeringError extends Error {
  override name = "PeeringError";
  constructor(
    readonly code: "invalid_url" | "bad_card" | "card_url_mismatch" | "self" | "blocked" | "no_common_version" | "refused" | "unreachable",
    message: string,
  ) {
    super(message);
  }
}

const cardOptions = async (s: PeeringPort) => ({
  primitives: (await s.identity()).primitives,
  outbound: s.outbound,
  now: s.now(),
  skew: s.config.clockSkewSeconds,
});

/** A node's verified card, and the protocol version this node would speak with it. */
interface Candidate {
  card: Card;
  version: string;
}

// Everything `peer add` checks before it says hello.
async function inspect(s: PeeringPort, url: string): Promise<Candidate> {
  const unsafe = unsafeUrlReason(url, s.config.allowPrivateUrls);
  if (unsafe) throw new PeeringError("invalid_url", `${url}: ${unsafe}`);
  let card: Card;
  try {
    card = (await fetchCard(url, await cardOptions(s))).card;
  } catch (err) {
    if (err instanceof CardError) throw new PeeringError("bad_card", `the card at ${url} is not valid (${err.reason}): ${err.message}`);
    if (err instanceof CardFetchError) throw new PeeringError("unreachable", err.message);
    throw err;
  }
  if (new URL(card.url).origin !== new URL(url).origin) {
    throw new PeeringError("card_url_mismatch", `the card at ${url} names another URL, ${card.url}`);
  }
  if (card.id === (await s.identity()).nodeId) throw new PeeringError("self", "that is this node's own card");
  try {
    return { card, version: negotiateVersion(PROTOCOL_VERSIONS, card.versions) };
  } catch (err) {
    if (err instanceof NegotiationError) throw new PeeringError("no_common_version", err.message);
    throw err;
  }
}

// Says hello and stores the node as an active peer.
async function connect(s: PeeringPort, { card, version }: Candidate, requestUrl: string): Promise<Peer> {
  const answer = await sayHello(s, card, version, requestUrl);
  return savePeer(s.db, {
    card,
    state: "active",
    theirState: answer.state,
    version,
    features: commonFeatures(offeredFeatures(s.config), card.features),
    announcedKeyId: (await s.identity()).signing.keyId,
  });
}

/** `peer add <url>`: verify the node at `url`, store it as active, and say hello. */
export async function introduce(s: PeeringPort, url: string, requestUrl: string): Promise<Peer> {
  const candidate = await inspect(s, url);
  const existing = await getPeer(s.db, candidate.card.id);
  if (existing?.state === "blocked") throw new PeeringError("blocked", `${candidate.card.id} is blocked; unblock it first`);
  return connect(s, candidate, requestUrl);
}

export interface BootstrapResult {
  url: string;
  ok: boolean;
  id?: string;
  error?: string;
}

/**
 * BOOTSTRAP_PEERS on the tick: `peer add` for each URL that is not a peer yet, by URL or by its
 * card's id. A known peer is left as it is, whatever its state: the operator may have blocked it.
 * `origin` is this node's own.
 */
export async function bootstrap(s: PeeringPort, urls: readonly string[], origin: string): Promise<BootstrapResult[]> {
  const known = await listPeers(s.db);
  // This node's own URL is skipped too: operators may hand every node the same list.
  const knownOrigins = new Set([origin, ...known.map((p) => new URL(p.url).origin)]);
  const pending = urls.filter((u) => !knownOrigins.has(new URL(u).origin));
  return Promise.all(
    pending.map(async (url): Promise<BootstrapResult> => {
      try {
        const candidate = await inspect(s, url);
        if (await getPeer(s.db, candidate.card.id)) return { url, ok: true, id: candidate.card.id };
        return { url, ok: true, id: (await connect(s, candidate, origin)).nodeId };
      } catch (err) {
        if (!(err instanceof PeeringError)) throw err;
        return { url, ok: false, error: `${err.message} (${err.code})` };
      }
    }),
  );
}

/**
 * Says hello again to every active peer that has not yet heard this node's current signing key:
 * after a signing-key rotation, that is how peers learn the new key (the card's chain proves it).
 */
export async function announce(s: PeeringPort, origin: string): Promise<{ id: string; ok: boolean; error?: string }[]> {
  const kid = (await s.identity()).signing.keyId;
  const owed = (await listPeers(s.db)).filter((p) => p.state === "active" && p.announcedKeyId !== kid);
  return Promise.all(
    owed.map(async (p) => {
      try {
        const answer = await sayHello(s, p.card, p.version, origin);
        await helloAnswered(s.db, p.nodeId, answer.state, kid);
        return { id: p.nodeId, ok: true };
      } catch (err) {
        if (!(err instanceof PeeringError)) throw err;
        return { id: p.nodeId, ok: false, error: err.message };
      }
    }),
  );
}

/** The operator approves a pending peer, and tells it at once with a hello: it learns that it is active here. */
export async function approve(s: PeeringPort, peer: Peer, url: string): Promise<{ ok: true } | { ok: false; error: string }> {
  await setState(s.db, peer.nodeId, "active");
  try {
    const answer = await sayHello(s, peer.card, peer.version, url);
    await helloAnswered(s.db, peer.nodeId, answer.state, (await s.identity()).signing.keyId);
    return { ok: true };
  } catch (err) {
    if (!(err instanceof PeeringError)) throw err;
    return { ok: false, error: err.message };
  }
}

/** Sends this node's hello to a peer; the answer says how the peer now regards this node. `url` gives this node's origin. */
export async function sayHello(s: PeeringPort, card: Card, version: string, url: string): Promise<z.infer<typeof helloResult>> {
  const own = await (await s.card()).get(ownOrigin(s, url), s.now());
  try {
    return await s.federation.send({
      card,
      version,
      path: federationPath(version, "hello"),
      payload: { type: "hello" } satisfies z.infer<typeof helloRequest>,
      result: helloResult,
      body: (envelope) => encodeHello(own, envelope),
      contentType: HELLO_CONTENT_TYPE,
    });
  } catch (err) {
    if (err instanceof PeerRequestError) {
      if (err.code === "unreachable") throw new PeeringError("unreachable", err.message);
      throw new PeeringError("refused", `the peer refused the hello (${err.code}): ${err.message}`);
    }
    throw err;
  }
}

/**
 * The receiving side of POST /federation/v1/hello. Envelope refusals throw EnvelopeError (sent
 * back in the clear); refusals after the envelope opened are returned as a sealed answer.
 */
export async function receiveHello(s: PeeringPort, body: Uint8Array, path: string): Promise<{ opened: Opened; answer: Answer<z.infer<typeof helloResult>> }> {
  const identity = await s.identity();
  const { card: rawCard, envelope } = decodeHello(body);
  const o = await cardOptions(s);
  let version = "";
  let card: Card | undefined;

  const opened = await openEnvelope(envelope, {
    self: { nodeId: identity.nodeId, keys: identity.keyring, primitives: identity.primitives },
    sender: async (header) => {
      const existing = await getPeer(s.db, header.from);
      if (existing?.state === "blocked") throw new EnvelopeError("blocked_sender", `${header.from} is blocked by this node`);
      let verified;
      try {
        verified = await verifyCard(rawCard, o);
      } catch (err) {
        if (err instanceof CardError) throw new EnvelopeError("bad_card", `the hello's card is not valid (${err.reason}): ${err.message}`);
        throw err;
      }
      if (verified.card.id !== header.from) throw new EnvelopeError("bad_card", "the hello's card is not the sender's");
      if (existing && !continuesCard(existing.card, verified)) {
        throw new EnvelopeError("bad_card", "the card's signing key does not descend from the key this node knows for that id");
      }
      try {
        version = negotiateVersion(PROTOCOL_VERSIONS, verified.card.versions);
      } catch (err) {
        if (err instanceof NegotiationError) throw new EnvelopeError("unsupported_version", err.message);
        throw err;
      }
      card = verified.card;
      return { verifier: verified.verifier, version };
    },
    replay: s.replay,
    now: o.now,
    skew: o.skew,
    method: "POST",
    path,
    maxBytes: s.config.maxBodyBytes,
  });
  const sender = card!;
  if (!parseMessage(opened.plaintext, helloRequest)) {
    return { opened, answer: { ok: false, error: { code: "bad_request", message: "not a hello" } } };
  }
  // Every refusal from here on reads the same to the sender: why, and how a fetch of its card's
  // URL failed, is for this node's operator (the log and the counters), not for whoever says hello.
  const refuse = (reason: FederationRefusal, detail: string) => {
    s.federationRefusals.count(reason);
    log.info("hello.refused", { from: sender.id, reason, detail });
    return { opened, answer: HELLO_REFUSED };
  };

  const existing = await getPeer(s.db, sender.id);
  const earned = s.config.peerPolicy === "trust" && existing?.state !== "active" && (await earnedPeering(s, sender.id));
  const admission = admit(s.config, sender.id, existing, earned);
  if (!admission.admit) return refuse("hello_policy", admission.reason);
  if (admission.state === "pending" && !existing && (await countPending(s.db)) >= s.config.maxPendingPeers) {
    return refuse("hello_pending_full", `${s.config.maxPendingPeers} nodes are pending already`);
  }

  // Whoever says hello must control the URL its card names: that URL must serve the same node.
  // A node this one holds messages for names this node's own URL (§20.6): nothing to confirm.
  if (!mailboxedHere(s, sender)) {
    try {
      const served = await fetchCard(sender.url, o);
      if (served.card.id !== sender.id || served.card.keys.sig.pub !== sender.keys.sig.pub) {
        return refuse("hello_url_unconfirmed", `${sender.url} serves another node's card`);
      }
    } catch (err) {
      return refuse("hello_url_unconfirmed", `cannot confirm that ${sender.url} serves this card: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  // Again after the card fetch, which the stranger can make slow: hellos in flight meanwhile all
  // passed the first count.
  if (admission.state === "pending" && !existing && (await countPending(s.db)) >= s.config.maxPendingPeers) {
    return refuse("hello_pending_full", `${s.config.maxPendingPeers} nodes are pending already`);
  }
  const features = commonFeatures(offeredFeatures(s.config), sender.features);
  await savePeer(s.db, { card: sender, state: admission.state, theirState: "active", version, features });
  return { opened, answer: { ok: true, result: { type: "hello", state: admission.state, version, features } } };
}
