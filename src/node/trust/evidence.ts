// The evidence trust scores rest on, and the graph built from it. What this node saw itself is
// kept as decayed counts per peer (one event, one update; decay applied on read): ledger records
// confirmed or disputed, relayed calls that succeeded or failed, whether the peer was up. What
// others signed comes from the registry: live, unexpired vouches, and assertions (published
// scores) from nodes this node knows.
import { decodeHlc } from "../../protocol/registry/hlc.ts";
import { assertionBody, vouchBody, type AssertionBody, type VouchBody } from "../../protocol/registry/trust-entries.ts";
import type { Database } from "../../store/database.ts";
import { listPeers } from "../../store/peers.ts";
import { accumulators, cursor, dropAccumulators, ledgerHead, putAccumulators, setCursor, settledAt, settledSince, type Accumulator } from "../../store/trust-evidence.ts";
import { liveTrustEntries } from "../../store/trust-entries.ts";
import type { PeerObservations } from "./observations.ts";
import { decay, interactionPenalty, interactionWeight, type InteractionCounts } from "./scoring/evidence.ts";
import type { TrustEdge, TrustGraph } from "./scoring/graph.ts";

export const EVIDENCE_KINDS = ["confirmed", "disputed", "succeeded", "failed", "refusals", "up", "down"] as const;
export type EvidenceKind = (typeof EVIDENCE_KINDS)[number];

/** Ledger records counted per tick at most: a node with a long history catches up over a few ticks. */
const LEDGER_BATCH = 5000;
/** An accumulator that decayed below this is dropped: it no longer moves any score. */
const NEGLIGIBLE = 0.01;

/** The trust settings evidence reads (config.trust; not imported, since the settings import the tiers). */
export interface EvidenceSettings {
  seeds: readonly string[];
  halfLifeDays: number;
}

export interface EvidenceParts {
  db: Database;
  self: string;
  trust: EvidenceSettings;
}

export interface CollectReport {
  /** Ledger records newly counted as confirmed or disputed. */
  records: number;
  /** Peers whose relayed calls' outcomes or refusals were written. */
  calls: number;
  /** Peers sampled as up or down. */
  uptime: number;
}

type Events = Map<string, Partial<Record<EvidenceKind, number>>>;

function add(events: Events, peer: string, kind: EvidenceKind, amount: number): void {
  let e = events.get(peer);
  if (!e) events.set(peer, (e = {}));
  e[kind] = (e[kind] ?? 0) + amount;
}

/** Adds events to the held accumulators, each decayed to `now` first. */
async function accumulate(p: EvidenceParts, events: Events, now: number): Promise<void> {
  if (events.size === 0) return;
  const held = new Map((await accumulators(p.db, [...events.keys()])).map((a) => [`${a.peer}\n${a.kind}`, a]));
  const rows: Accumulator[] = [];
  for (const [peer, kinds] of events) {
    for (const [kind, amount] of Object.entries(kinds)) {
      const h = held.get(`${peer}\n${kind}`);
      rows.push({ peer, kind, value: (h ? decay(h.value, now - h.at, p.trust.halfLifeDays) : 0) + amount, at: now });
    }
  }
  await putAccumulators(p.db, rows);
}

/**
 * Counts what happened since the last collection: ledger records that were confirmed or disputed
 * (each weighed by its age), relayed calls' outcomes and refusals held in memory, and one uptime sample per
 * peer: up when it was heard from or answered a call, down when nothing was heard and calls
 * to it failed or the tick's own requests went unanswered.
 */
export async function collectEvidence(p: EvidenceParts, observed: PeerObservations, now: number): Promise<CollectReport> {
  const events: Events = new Map();
  const since = (await cursor(p.db, "ledger")) ?? 0;
  let settled = await settledSince(p.db, since, LEDGER_BATCH);
  // Records written in one statement share their time: a full batch leaves its last time for the
  // next tick, so the cursor never passes a record it did not count (or takes that time whole).
  const lastAt = settled.length === LEDGER_BATCH ? settled.at(-1)!.updatedAt : undefined;
  if (lastAt !== undefined) {
    const before = settled.filter((r) => r.updatedAt < lastAt);
    settled = before.length > 0 ? before : await settledAt(p.db, lastAt);
  }
  for (const r of settled) add(events, r.peer, r.status, decay(1, now - Math.floor(r.completedAt / 1000), p.trust.halfLifeDays));

  const calls = observed.drain();
  for (const [peer, c] of calls) {
    if (peer === p.self) continue;
    if (c.succeeded > 0) add(events, peer, "succeeded", c.succeeded);
    if (c.failed > 0) add(events, peer, "failed", c.failed);
    if (c.refusals > 0) add(events, peer, "refusals", c.refusals);
  }

  const lastSample = (await cursor(p.db, "uptime")) ?? now * 1000;
  let sampled = 0;
  for (const peer of await listPeers(p.db)) {
    if (peer.state !== "active") continue;
    const c = calls.get(peer.nodeId);
    const heard = (peer.lastSeenAt ?? 0) > lastSample || (c?.succeeded ?? 0) > 0;
    if (heard) add(events, peer.nodeId, "up", 1);
    else if ((c?.failed ?? 0) > 0 || (c?.unanswered ?? 0) > 0) add(events, peer.nodeId, "down", 1);
    if (heard || c) sampled++;
  }
  try {
    await accumulate(p, events, now);
  } catch (err) {
    observed.restore(calls);
    throw err;
  }
  const last = settled.at(-1);
  if (last) await setCursor(p.db, "ledger", last.updatedAt);
  else if (since === 0) await setCursor(p.db, "ledger", (await ledgerHead(p.db)) ?? 0);
  await setCursor(p.db, "uptime", now * 1000);
  return { records: settled.length, calls: calls.size, uptime: sampled };
}

/** Each peer's decayed counts as of `now`; decayed-away accumulators are dropped on the way. */
export async function interactionCounts(p: EvidenceParts, now: number): Promise<Map<string, InteractionCounts>> {
  const raw = new Map<string, Record<EvidenceKind, number>>();
  const gone: { peer: string; kind: string }[] = [];
  for (const a of await accumulators(p.db)) {
    const value = decay(a.value, now - a.at, p.trust.halfLifeDays);
    if (value < NEGLIGIBLE) gone.push(a);
    if (!(EVIDENCE_KINDS as readonly string[]).includes(a.kind)) continue;
    let r = raw.get(a.peer);
    if (!r) raw.set(a.peer, (r = Object.fromEntries(EVIDENCE_KINDS.map((k) => [k, 0])) as Record<EvidenceKind, number>));
    r[a.kind as EvidenceKind] = value;
  }
  if (gone.length > 0) await dropAccumulators(p.db, gone);
  const out = new Map<string, InteractionCounts>();
  for (const [peer, r] of raw) {
    const samples = r.up + r.down;
    out.set(peer, { confirmed: r.confirmed, disputed: r.disputed, succeeded: r.succeeded, failed: r.failed, refusals: r.refusals, uptime: samples > 0 ? r.up / samples : 1 });
  }
  return out;
}

export interface HeldVouch extends VouchBody {
  origin: string;
  /** Unix seconds it was signed at (its HLC). */
  signedAt: number;
}

export interface HeldAssertion extends AssertionBody {
  origin: string;
}

function signedAt(hlc: unknown): number | undefined {
  try {
    return Math.floor(decodeHlc(String(hlc)).wall / 1000);
  } catch {
    return undefined;
  }
}

/** Live vouches that have not expired, and assertions, as the registry holds them (verified on admission). */
export async function signedEvidence(db: Database, now: number): Promise<{ vouches: HeldVouch[]; assertions: HeldAssertion[] }> {
  const vouches: HeldVouch[] = [];
  const assertions: HeldAssertion[] = [];
  const [heldVouches, heldAssertions] = await Promise.all([liveTrustEntries(db, "vouch"), liveTrustEntries(db, "assertion")]);
  // Checked on admission; parsed again so that a row changed behind the node's back cannot throw here.
  for (const e of heldVouches) {
    const body = vouchBody.safeParse(e.body);
    const at = signedAt(e.hlc);
    if (body.success && at !== undefined && body.data.expiresAt > now && body.data.subject !== e.origin) vouches.push({ ...body.data, origin: e.origin, signedAt: at });
  }
  for (const e of heldAssertions) {
    const body = assertionBody.safeParse(e.body);
    if (body.success && body.data.subject !== e.origin) assertions.push({ ...body.data, origin: e.origin });
  }
  return { vouches, assertions };
}

export interface Evidence {
  graph: TrustGraph;
  counts: Map<string, InteractionCounts>;
  vouches: HeldVouch[];
  assertions: HeldAssertion[];
}

/**
 * The graph the engine scores: this node's interaction edges to its peers, vouch edges (unscoped
 * vouches only: a scoped one lends trust for one capability, not standing in general), assertion
 * edges from this node's peers and seeds, and penalties from what this node saw. Blocked peers are
 * fully discredited and lend nothing.
 */
export async function gatherEvidence(p: EvidenceParts, now: number): Promise<Evidence> {
  const [counts, signed, peers] = await Promise.all([interactionCounts(p, now), signedEvidence(p.db, now), listPeers(p.db)]);
  const blocked = new Set(peers.filter((x) => x.state === "blocked").map((x) => x.nodeId));
  const known = new Set([...peers.filter((x) => x.state === "active").map((x) => x.nodeId), ...p.trust.seeds]);
  const edges = new Map<string, TrustEdge>();
  const put = (e: TrustEdge) => {
    if (e.weight <= 0 || e.from === e.to || blocked.has(e.from)) return;
    const k = `${e.from}\n${e.to}\n${e.kind}`;
    const held = edges.get(k);
    if (!held || held.weight < e.weight) edges.set(k, { ...e, weight: Math.min(1, e.weight) });
  };
  const penalties = new Map<string, number>();
  for (const [peer, c] of counts) {
    if (peer === p.self) continue;
    put({ from: p.self, to: peer, kind: "interaction", weight: interactionWeight(c) });
    const penalty = interactionPenalty(c);
    if (penalty > 0) penalties.set(peer, Math.min(1, penalty));
  }
  for (const v of signed.vouches) {
    if (v.scope === undefined) put({ from: v.origin, to: v.subject, kind: "vouch", weight: decay(v.weight / 100, now - v.signedAt, p.trust.halfLifeDays) });
  }
  for (const a of signed.assertions) {
    if (known.has(a.origin)) put({ from: a.origin, to: a.subject, kind: "assertion", weight: decay(a.score / 1000, now - a.computedAt, p.trust.halfLifeDays) });
  }
  for (const b of blocked) penalties.set(b, 1);
  return {
    graph: { self: p.self, seeds: p.trust.seeds, edges: [...edges.values()], penalties },
    counts,
    vouches: signed.vouches,
    assertions: signed.assertions,
  };
}
