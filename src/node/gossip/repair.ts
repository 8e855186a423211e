// Repair: bringing a peer and this node to the same entries when cursors cannot (a new peer, a
// long outage, a restored backup). Range-based reconciliation finds the differences in a few
// round trips, then one exchange per batch sends what the peer lacks and fetches what we lack.
import type { Entry } from "../../protocol/registry/entry.ts";
import type { Registry } from "../registry/registry.ts";
import type { LogPosition, Pair } from "../../store/entry-store.ts";
import type { ReconcileReply, ReconcileRequest } from "../../protocol/messages/gossip.ts";
import { ID_PREFIX_BYTES, ReconcileSession, ReconcileSet, respond, type ReconcileParams } from "../../protocol/reconciliation.ts";
import type { GossipTransport } from "./transport.ts";

export interface RepairContext {
  registry: Registry;
  transport: GossipTransport;
  params: ReconcileParams;
  limits: { maxEntries: number; maxBytes: number };
  maxRounds: number;
  now: () => number;
  /** What of the entries held may go on to the peer (gossip.ts). */
  onward: (entries: Entry[]) => Promise<Entry[]>;
}

export interface RepairReport {
  /** Entries sent to the peer, and entries stored from it. */
  sent: number;
  stored: Entry[];
}

async function snapshot(ctx: RepairContext, pair: Pair): Promise<ReconcileSet> {
  return ReconcileSet.of(await ctx.registry.store.items(pair, ctx.registry.horizon()));
}

/** Runs a repair with `peer` as the initiator, then resets both cursors to where it started. */
export async function repair(ctx: RepairContext, peer: string): Promise<RepairReport> {
  const { store } = ctx.registry;
  const pair = { self: ctx.registry.self, peer };
  // Read before the snapshot: what the repair covers, entries after it come by cursor.
  const mine = await store.head();
  const session = new ReconcileSession(await snapshot(ctx, pair), ctx.params);
  let message: string | undefined = await session.start();
  let theirs: LogPosition | undefined;
  let rounds = 0;
  while (message !== undefined) {
    if (rounds >= ctx.maxRounds) throw new Error(`reconciliation with ${peer} did not settle in ${rounds} round trips`);
    const reply: ReconcileReply = await ctx.transport.reconcile(peer, rounds === 0 ? { message, start: true } : { message });
    rounds++;
    theirs ??= reply.log;
    message = await session.next(reply.message);
  }
  if (!theirs) throw new Error(`${peer} did not give its log position`);

  const have = [...session.found.have];
  const need = [...session.found.need];
  const report: RepairReport = { sent: 0, stored: [] };
  while (have.length > 0 || need.length > 0) {
    const ids = have.splice(0, ctx.limits.maxEntries);
    const fetched = await store.byIdPrefix(ids, pair, ctx.limits);
    // Whatever did not fit the byte limit goes in the next exchange; ids no longer held are dropped,
    // and so are those withheld from onward relay: they count as dealt with, or this would loop.
    const sentIds = new Set(fetched.map((e) => e.id));
    if (fetched.length > 0) have.unshift(...ids.filter((id) => !sentIds.has(id)));
    const entries = await ctx.onward(fetched);
    const want = need.splice(0, ctx.limits.maxEntries);
    const reply = await ctx.transport.exchange(peer, { entries: entries.map((e) => e.signed), ...(want.length > 0 ? { want } : {}) });
    report.sent += entries.length;
    const wanted = reply.wanted ?? [];
    if (wanted.length === 0) continue;
    const got = await ctx.registry.receive(wanted, peer);
    report.stored.push(...got.stored);
    // The peer stops at its byte limit: ask again for the rest, as long as each answer brings some.
    const answered = new Set([...got.readable].map((id) => id.slice(0, ID_PREFIX_BYTES * 2)));
    const unmet = want.filter((p) => !answered.has(p.slice(0, ID_PREFIX_BYTES * 2)));
    if (unmet.length < want.length) need.unshift(...unmet);
  }
  const now = ctx.now();
  await store.saveAcked(peer, mine.seq, now);
  await store.saveTheirs(peer, theirs, now);
  return report;
}

/** The responder's side of one round: stateless, from the current entries. */
export async function answerReconcile(ctx: RepairContext, from: string, request: ReconcileRequest): Promise<ReconcileReply> {
  const { store } = ctx.registry;
  const log = request.start ? await store.head() : undefined;
  const message = await respond(await snapshot(ctx, { self: ctx.registry.self, peer: from }), request.message, ctx.params);
  return log ? { message, log } : { message };
}
