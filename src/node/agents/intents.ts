// Intents (protocol §17.3): a principal declares what it needs through this node, which signs and
// publishes it; nodes that can serve it answer with signed offers; the principal reads the offers
// and accepts one, which buys a grant from the offering node through the ledger (offer-purchase.ts).
// The node's policy bounds how many open intents one principal holds; only the declaring
// principal withdraws its intent or accepts an offer for it.
import { intentBody, MAX_INTENT_LIFETIME_MS, MAX_OFFER_LIFETIME_MS, offerBody, offerKey, type IntentBody, type OfferBody, type OfferTerms } from "../../protocol/registry/agent-entries.ts";
import type { Entry, Visibility } from "../../protocol/registry/entry.ts";
import { declaredIntent, declaredIntentsWithEntries, entryById, liveEntriesAt, markIntentWithdrawn, releaseDeclaredIntent, reserveDeclaredIntent, settleDeclaredIntent, type DeclaredIntent } from "../../store/agents.ts";
import type { AgentPort } from "./registration.ts";
import { AgentRefusal } from "./refusal.ts";

export interface IntentPort extends AgentPort {
  config: { intentsPerPrincipal: number };
}

export interface Declaration {
  need: string;
  capabilities: string[];
  budget?: { amount: number; unit: string };
  /** Milliseconds since the epoch; defaults to `expires`. */
  deadline?: number;
  expiresInSeconds: number;
  visibility?: Visibility;
}

function checked<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } } }, what: string, raw: unknown): T {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new AgentRefusal("invalid_request", `${what}: ${issue ? `${issue.path.join(".") || "body"}: ${issue.message}` : "invalid"}`);
}

function lifetime(seconds: number, max: number): number {
  if (!Number.isInteger(seconds) || seconds < 1 || seconds * 1000 > max) throw new AgentRefusal("invalid_request", `expires_in_seconds must be a whole number from 1 to ${max / 1000}`);
  return seconds * 1000;
}

function randomHex(bytes: number): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The live, unexpired intent entry with this id as this node holds it, or a typed refusal. */
async function liveIntent(s: Pick<AgentPort, "db">, entryId: string, now: number): Promise<Entry & { signed: { kind: "intent"; tombstone: false; body: IntentBody } }> {
  const entry = await entryById(s.db, entryId);
  if (!entry || entry.signed.kind !== "intent" || entry.signed.tombstone) throw new AgentRefusal("unknown_intent", `no intent ${entryId} is held here`);
  // Withdrawn: its slot's newest entry is a tombstone (or another body).
  const [current] = await liveEntriesAt(s.db, "intent", entry.signed.key, entry.signed.origin);
  if (current?.id !== entry.id) throw new AgentRefusal("unknown_intent", `intent ${entryId} was withdrawn`);
  if (entry.signed.body.expires <= now) throw new AgentRefusal("expired", `intent ${entryId} expired`);
  return entry as never;
}

/** The principal's own open intent, by entry id or key. */
async function ownIntent(s: IntentPort, principal: string, ref: string, now: number): Promise<DeclaredIntent> {
  const held = await declaredIntent(s.db, ref.startsWith("intent/") ? { key: ref } : { entryId: ref });
  if (!held) throw new AgentRefusal("unknown_intent", `no intent ${ref} was declared here`);
  if (held.principal !== principal) throw new AgentRefusal("forbidden", `intent ${ref} was declared by another principal`);
  if (held.withdrawn) throw new AgentRefusal("unknown_intent", `intent ${ref} was withdrawn`);
  if (held.expires <= now) throw new AgentRefusal("expired", `intent ${ref} expired`);
  return held;
}

export async function declareIntent(s: IntentPort, principal: string, d: Declaration, now = Date.now()): Promise<{ id: string; key: string; expires: number }> {
  const limit = s.config.intentsPerPrincipal;
  if (limit === 0) throw new AgentRefusal("forbidden", "this node's policy lets no principal declare intents");
  const expires = now + lifetime(d.expiresInSeconds, MAX_INTENT_LIFETIME_MS);
  const body = checked(intentBody, "intent", { need: d.need, capabilities: d.capabilities, ...(d.budget ? { budget: d.budget } : {}), deadline: d.deadline ?? expires, expires });
  const key = `intent/${randomHex(16)}`;
  if (!(await reserveDeclaredIntent(s.db, { key, principal, expires }, limit, now))) throw new AgentRefusal("intent_limit", `at most ${limit} open intents per principal on this node`);
  let entry: Entry | undefined;
  try {
    [entry] = await s.registry.publishAgentEntry("intent", key, body, d.visibility ?? "peers");
  } catch (err) {
    await releaseDeclaredIntent(s.db, key);
    throw err;
  }
  await settleDeclaredIntent(s.db, key, entry!.id);
  s.gossip.changed();
  return { id: entry!.id, key, expires };
}

export async function withdrawIntent(s: IntentPort, principal: string, ref: string, now = Date.now()): Promise<{ key: string }> {
  const held = await ownIntent(s, principal, ref, now);
  await markIntentWithdrawn(s.db, held.key);
  if ((await s.registry.withdraw(held.key, "intent")).length > 0) s.gossip.changed();
  return { key: held.key };
}

export interface OfferInput {
  intent: string;
  terms: OfferTerms;
  expiresInSeconds: number;
  agent?: string;
}

/** This node offers to serve an intent it holds: one offer per intent, replaced by a new one. */
export async function offerIntent(s: IntentPort, o: OfferInput, now = Date.now()): Promise<{ id: string; key: string }> {
  const intent = await liveIntent(s, o.intent, now);
  const expires = Math.min(now + lifetime(o.expiresInSeconds, MAX_OFFER_LIFETIME_MS), intent.signed.body.expires);
  const body = checked(offerBody, "offer", { intent: intent.id, terms: o.terms, expires, ...(o.agent ? { agent: o.agent } : {}) });
  const key = offerKey(intent.id);
  // The offer goes where the intent went: a public intent's answer may travel as far.
  const stored = await s.registry.publishAgentEntry("offer", key, body, intent.signed.visibility);
  if (stored.length > 0) s.gossip.changed();
  const [mine] = await liveEntriesAt(s.db, "offer", key, s.nodeId);
  return { id: mine!.id, key };
}

export interface OfferView {
  id: string;
  node: string;
  terms: OfferTerms;
  expires: number;
  agent?: string;
}

/** The open offers for the principal's intent, as this node holds them. */
export async function offersFor(s: IntentPort, principal: string, ref: string, now = Date.now()): Promise<OfferView[]> {
  const held = await ownIntent(s, principal, ref, now);
  const offers = await liveEntriesAt(s.db, "offer", offerKey(held.entryId));
  return offers.flatMap((e) => {
    const b = (e.signed as { body: OfferBody }).body;
    return b.expires > now ? [{ id: e.id, node: e.signed.origin, terms: b.terms, expires: b.expires, ...(b.agent ? { agent: b.agent } : {}) }] : [];
  });
}

/** The open offer with this id for the principal's intent: what accepting buys. */
export async function acceptableOffer(s: IntentPort, principal: string, ref: string, offerId: string, now = Date.now()): Promise<{ intent: DeclaredIntent; offer: Entry & { signed: { kind: "offer"; tombstone: false; body: OfferBody } } }> {
  const intent = await ownIntent(s, principal, ref, now);
  const offer = await entryById(s.db, offerId);
  if (!offer || offer.signed.kind !== "offer" || offer.signed.tombstone || offer.signed.key !== offerKey(intent.entryId)) throw new AgentRefusal("unknown_offer", `no offer ${offerId} for this intent is held here`);
  const [current] = await liveEntriesAt(s.db, "offer", offer.signed.key, offer.signed.origin);
  if (current?.id !== offer.id) throw new AgentRefusal("unknown_offer", `offer ${offerId} was replaced or withdrawn`);
  if (offer.signed.body.expires <= now) throw new AgentRefusal("expired", `offer ${offerId} expired`);
  return { intent, offer: offer as never };
}

/** An intent declared through this node, as the operator sees it. */
export interface DeclaredIntentView {
  key: string;
  entryId: string;
  principal: string;
  need: string | null;
  capabilities: string[];
  budget: { amount: number; unit: string } | null;
  expires: number;
  state: "open" | "withdrawn" | "expired";
}

/** The intents principals declared through this node, newest expiry first, at most `limit`. */
export async function declaredIntents(s: Pick<IntentPort, "db">, limit: number, now = Date.now()): Promise<DeclaredIntentView[]> {
  return (await declaredIntentsWithEntries(s.db, limit)).map((r) => {
    const parsed = r.entry === null ? undefined : intentBody.safeParse((JSON.parse(r.entry) as { body?: unknown }).body);
    const body = parsed?.success ? parsed.data : undefined;
    return {
      key: r.key,
      entryId: r.entryId,
      principal: r.principal,
      need: body?.need ?? null,
      capabilities: body?.capabilities ?? [],
      budget: body?.budget ?? null,
      expires: r.expires,
      state: r.withdrawn ? "withdrawn" : r.expires <= now ? "expired" : "open",
    };
  });
}
