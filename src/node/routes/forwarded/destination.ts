// The destination's side of the forwarded route (docs/protocol.md §12): C opens an envelope its
// peer B passed on from A. When A is an active peer of C it is opened as any of A's envelopes;
// otherwise A's card, carried beside it as a hello carries one, must verify as A's, and C's policy
// for callers that are not its peers (FORWARDED_CALLERS, FORWARDED_CALLER_TIER, quarantine,
// blocks) must let A in before the signature is checked or anything decrypted. A caller that is
// not a peer reaches only tools shared with visibility public.
import { fromBase64url } from "../../../protocol/encoding/bytes.ts";
import type { Card } from "../../../protocol/card/schema.ts";
import { CardError, continuesCard, verifyCard } from "../../../protocol/card/verify.ts";
import { EnvelopeError } from "../../../protocol/envelope/errors.ts";
import { openEnvelope, type Opened, type Sender } from "../../../protocol/envelope/open.ts";
import { decode, type Header } from "../../../protocol/envelope/wire.ts";
import type { CompositeVerifier } from "../../../protocol/identity/composite.ts";
import { signingKey } from "../../../protocol/identity/imported.ts";
import { federationPath, parseMessage } from "../../../protocol/messages/federation.ts";
import { relayRequest } from "../../../protocol/messages/relay-items.ts";
import type { CallError } from "../../../protocol/messages/relay.ts";
import { FORWARDED_MESSAGES, ForwardError, type ForwardedRequest } from "../../../protocol/routes/forward.ts";
import type { Entry } from "../../../protocol/registry/entry.ts";
import type { LocalIdentity } from "../../identity/local.ts";
import type { Config } from "../../settings/config.ts";
import type { Quarantine } from "../../trust/quarantine.ts";
import type { TrustStandings } from "../../trust/standing.ts";
import type { Database } from "../../../store/database.ts";
import type { KeptLookups } from "../../../store/kept-lookups.ts";
import { countOriginCards, originCard, saveOriginCard } from "../../../store/origin-cards.ts";
import { getPeer } from "../../../store/peers.ts";
import type { ReplayCache } from "../../../store/replay-cache.ts";

/** Cards of callers that are not peers this node keeps at most: a stranger's card is written only below it. */
export const MAX_CALLER_CARDS = 10_000;

export interface DestinationPort {
  db: Database;
  identity: () => Promise<LocalIdentity>;
  now: () => number;
  config: Pick<Config, "clockSkewSeconds" | "maxBodyBytes" | "forwardedCallers" | "forwardedCallerTier" | "trust">;
  replay: ReplayCache;
  quarantine: Pick<Quarantine, "has">;
  trust: TrustStandings;
  ownTools: Pick<KeptLookups<Entry>, "find">;
}

export interface OpenedForwarded {
  opened: Opened;
  /** Whether the caller is an active peer of this node: if not, only public tools answer it. */
  peer: boolean;
}

/** Opens the envelope `via` passed on; throws EnvelopeError or ForwardError, having changed nothing. */
export async function openForwarded(s: DestinationPort, via: string, request: ForwardedRequest): Promise<OpenedForwarded> {
  const bytes = fromBase64url(request.envelope);
  // The header alone, to learn the endpoint it is bound to; openEnvelope checks everything again.
  const { header } = decode(bytes, s.config.maxBodyBytes);
  if (!FORWARDED_MESSAGES.some((m) => federationPath(header.v, m) === header.path)) throw new EnvelopeError("wrong_endpoint", `${header.path} is not an endpoint a forwarded envelope may be bound to`);
  const identity = await s.identity();
  let peer = false;
  let stranger: Card | undefined;
  const sender = async (h: Header): Promise<Sender> => {
    const known = await getPeer(s.db, h.from);
    if (known?.state === "blocked") throw new EnvelopeError("blocked_sender", `${h.from} is blocked by this node`);
    if (known?.state === "active") {
      peer = true;
      return { verifier: await signingKey(identity.primitives, known.card.keys.sig.pub), version: known.version };
    }
    await admitStranger(s, h.from);
    const card = await callerCard(s, identity, h, request.card);
    stranger = card.card;
    return { verifier: card.verifier, version: h.v };
  };
  const opened = await openEnvelope(bytes, {
    self: { nodeId: identity.nodeId, keys: identity.keyring, primitives: identity.primitives },
    sender,
    replay: s.replay,
    now: s.now(),
    skew: s.config.clockSkewSeconds,
    method: "POST",
    path: header.path,
    maxBytes: s.config.maxBodyBytes,
  });
  // Kept so that the caller's intent and countersignatures verify (src/node/registry/node-keys.ts).
  if (stranger) await keepCallerCard(s, stranger, via);
  return { opened, peer };
}

/** Whether `bytes` are an envelope from a node that is not a peer of this one (undecodable ones are a peer's to refuse). */
export async function strangerEnvelope(s: Pick<DestinationPort, "db" | "config">, bytes: Uint8Array): Promise<boolean> {
  let from;
  try {
    from = decode(bytes, s.config.maxBodyBytes).header.from;
  } catch (err) {
    if (err instanceof EnvelopeError) return false;
    throw err;
  }
  return (await getPeer(s.db, from)) === undefined;
}

/** Who made the envelope a forwarded request carries, as its header says; undefined when it does not decode. */
export function envelopeSender(request: ForwardedRequest, maxBytes: number): string | undefined {
  try {
    return decode(fromBase64url(request.envelope), maxBytes).header.from;
  } catch (err) {
    if (err instanceof EnvelopeError) return undefined;
    throw err;
  }
}

/** This node's policy for callers that are not its peers, before their card or signature costs anything. */
async function admitStranger(s: DestinationPort, from: string): Promise<void> {
  if (s.config.forwardedCallers === "off") throw new ForwardError("caller_refused", "this node takes forwarded calls from its peers only (FORWARDED_CALLERS=off)");
  if (await s.quarantine.has(from)) throw new ForwardError("caller_refused", "this node holds the caller in quarantine");
  const floor = s.config.forwardedCallerTier;
  if (floor !== undefined) {
    const tiers = s.config.trust.tiers.map((t) => t.name);
    const tier = (await s.trust.of(from)).tier.name;
    if (tiers.indexOf(tier) < tiers.indexOf(floor)) throw new ForwardError("caller_refused", `this node takes forwarded calls from nodes of trust tier ${floor} and above`);
  }
}

async function callerCard(s: DestinationPort, identity: LocalIdentity, header: Header, raw: unknown): Promise<{ card: Card; verifier: CompositeVerifier }> {
  const held = await originCard(s.db, header.from);
  // The card this node verified and kept, carried again or left out: its key serves without a second check.
  const same = raw === undefined || held?.sig === (raw as { sig?: unknown } | null)?.sig;
  if (held && same && held.exp + s.config.clockSkewSeconds >= s.now() && held.versions.includes(header.v)) {
    return { card: held, verifier: await signingKey(identity.primitives, held.keys.sig.pub) };
  }
  if (raw === undefined) throw new EnvelopeError("bad_card", "no card carried, and this node holds none of the sender's that is current");
  let verified;
  try {
    verified = await verifyCard(raw, { primitives: identity.primitives, now: s.now(), skew: s.config.clockSkewSeconds });
  } catch (err) {
    if (err instanceof CardError) throw new EnvelopeError("bad_card", `the caller's card: ${err.message} (${err.reason})`);
    throw err;
  }
  if (verified.card.id !== header.from) throw new EnvelopeError("bad_card", "the card carried is not the sender's");
  if (!verified.card.versions.includes(header.v)) throw new EnvelopeError("downgrade", `the sender's card does not offer ${header.v}`);
  if (held && !continuesCard(held, verified)) throw new EnvelopeError("bad_card", "the card carried does not continue the one this node holds");
  return verified;
}

async function keepCallerCard(s: DestinationPort, card: Card, via: string): Promise<void> {
  const held = await originCard(s.db, card.id);
  if (held && held.iat >= card.iat) return;
  if (!held && (await countOriginCards(s.db)) >= MAX_CALLER_CARDS) throw new ForwardError("caller_refused", "this node holds as many cards of strangers as it keeps");
  await saveOriginCard(s.db, card.id, card, via);
}

/** For a caller that is not a peer: the refusal of anything but a call to a tool shared public. */
export async function strangersRefusal(s: Pick<DestinationPort, "ownTools">, plaintext: Uint8Array): Promise<CallError | undefined> {
  const request = parseMessage(plaintext, relayRequest);
  // An unreadable request gets the provider's own refusal.
  if (!request) return undefined;
  if (request.type !== "call") return { code: "not_shared", message: "a caller that is not a peer of this node may call tools only" };
  const entry = await s.ownTools.find(request.key);
  if (entry && entry.signed.visibility !== "public") return { code: "forbidden", message: `${request.key} is shared with this node's peers only` };
  return undefined;
}
