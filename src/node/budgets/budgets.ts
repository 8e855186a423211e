// This node's federated budgets (protocol §17, "Budgets"). A spend is decided here alone, from the
// rights this node holds in its own view: what the owner allocated it (the owner), plus what
// members gave it, less what it gave and spent. That view only ever lags the truth by rights still
// on their way, so a spend this node accepts is always covered, under partition or after a
// crash: every debit is stored before it is answered, and the rights are read back from the
// store on restart (or from this node's own signed deltas, should a peer hand back a later one than
// a restored store holds). Spends are signed lazily (one delta carries the running total, at the next
// sync); transfers are signed at once, as the receiver needs the giver's signature to count them.
import { canonicalJson } from "../../protocol/encoding/canonical-json.ts";
import { DeltaError, parseDelta, signDelta, verifyDelta, type SignedDelta, type UnsignedDelta, type WriterKeys } from "../../protocol/blackboard/delta.ts";
import { allocated, rightsOf, totalSpent, type EscrowOp } from "../../protocol/blackboard/escrow.ts";
import { MAX_AMOUNT } from "../../protocol/blackboard/limits.ts";
import type { EntrySigner } from "../../protocol/identity/signer.ts";
import type { HybridClock } from "../../protocol/registry/hlc.ts";
import {
  budgetAt,
  budgetKey,
  budgetNamespace,
  countedState,
  isBudgetDelta,
  MAX_BUDGET_MEMBERS,
  MAX_HELD_BUDGETS,
  MAX_RECEIVERS_PER_GIVER,
  membersOf,
  type BudgetRef,
} from "../../protocol/budgets/budget.ts";
import { MAX_PAGE_DELTAS, type BudgetAskResult, type BudgetSyncRequest, type BudgetSyncResult, type SummaryEntry } from "../../protocol/budgets/messages.ts";
import type { Database } from "../../store/database.ts";
import { anyBudget, countHeldBudgets, debitsFor, heldBudgets, heldDeltas, insertDebit, keepDelta, listDebits, ownTotals, type BudgetId, type Debit, type DeltaKind, type OwnTotals } from "../../store/budgets.ts";

export class BudgetError extends Error {
  override name = "BudgetError";
  constructor(
    readonly code: "budget_exhausted" | "not_owner" | "unknown_budget" | "bad_amount" | "too_many" | "already_paid",
    message: string,
  ) {
    super(message);
  }
}

/** The peer messages a budget needs, over the federation client. */
export interface BudgetTransport {
  sync(peer: string, request: BudgetSyncRequest): Promise<BudgetSyncResult>;
  ask(peer: string, budget: BudgetRef, amount: number): Promise<BudgetAskResult>;
}

export interface BudgetsOptions {
  db: Database;
  signer: EntrySigner;
  /** A writer's key, learned through `via` (the peer that sent its delta) when not known. */
  keys: { keyOf(writer: string, via?: string): ReturnType<WriterKeys["keyOf"]> };
  clock: HybridClock;
  transport: BudgetTransport;
  /** The active peers: only they are synced with or asked. */
  peers: () => Promise<string[]>;
}

/** One budget as this node holds it. */
interface Held {
  ref: BudgetRef;
  id: BudgetId;
  /** By entry (writer, kind, receiver): the highest signed delta held. */
  deltas: Map<string, { parsed: SignedDelta; text: string }>;
  own: OwnTotals;
  /** The rights coming to this node (its allocation as owner, members' transfers to it): recomputed when a delta arrives. */
  incoming: number;
  members: Set<string>;
}

export interface SpendOutcome {
  spent: number;
  /** This node's rights left after it. */
  remaining: number;
  /** How long the decision took, in milliseconds (reading the held rights and comparing). */
  decisionMs: number;
}

export interface BudgetView {
  budget: BudgetRef;
  allocated: number;
  /** Spent by every member as this node has heard, its own spending exact. */
  spent: number;
  /** This node's own rights left. */
  remaining: number;
  /** Per member: rights as this node last heard (its own exact), and spent. */
  members: { node: string; rights: number; spent: number }[];
}

const entryOf = (d: UnsignedDelta): { kind: DeltaKind; receiver: string; total: number } => {
  const op = d.op as EscrowOp;
  return { kind: op.op, receiver: op.op === "transfer" ? op.to : "", total: op.total };
};
const entryKey = (writer: string, kind: string, receiver: string) => `${writer} ${kind} ${receiver}`;
const idOf = (ref: BudgetRef): BudgetId => ({ namespace: budgetNamespace(ref.owner), key: budgetKey(ref) });
const refKey = (id: BudgetId) => `${id.namespace} ${id.key}`;

export class Budgets {
  readonly #o: BudgetsOptions;
  readonly self: string;
  /** Held budgets by id; bounded by MAX_HELD_BUDGETS, as the table is. */
  readonly #held = new Map<string, Held>();
  /** Per budget, the tail of its serialized own writes. */
  readonly #queues = new Map<string, Promise<unknown>>();
  #inPlay = false;

  constructor(o: BudgetsOptions) {
    this.#o = o;
    this.self = o.signer.nodeId;
  }

  /** Runs `work` after every earlier own write to the budget: two spends never decide on the same rights. */
  #serial<T>(id: BudgetId, work: () => Promise<T>): Promise<T> {
    const k = refKey(id);
    const run = (this.#queues.get(k) ?? Promise.resolve()).then(work, work);
    const tail = run.catch(() => {});
    this.#queues.set(k, tail);
    void tail.then(() => {
      if (this.#queues.get(k) === tail) this.#queues.delete(k);
    });
    return run;
  }

  async #load(ref: BudgetRef): Promise<Held> {
    const id = idOf(ref);
    const k = refKey(id);
    const cached = this.#held.get(k);
    if (cached) return cached;
    const rows = await heldDeltas(this.#o.db, id);
    const deltas = new Map<string, { parsed: SignedDelta; text: string }>();
    for (const r of rows) deltas.set(entryKey(r.writer, r.kind, r.receiver), { parsed: parseDelta(JSON.parse(r.delta)), text: r.delta });
    const held: Held = { ref, id, deltas, own: await ownTotals(this.#o.db, id), incoming: 0, members: new Set() };
    this.#recount(held);
    if (this.#held.size >= MAX_HELD_BUDGETS) this.#held.delete(this.#held.keys().next().value!);
    this.#held.set(k, held);
    return held;
  }

  #recount(h: Held): void {
    const all = [...h.deltas.values()].map((d) => d.parsed);
    const state = countedState(h.ref.owner, all);
    h.members = membersOf(h.ref.owner, all);
    const self = this.self;
    // Incoming only: this node's own debits are read from its store, never from a delta.
    let incoming = self === h.ref.owner ? allocated(state, h.ref.owner) : 0;
    for (const [giver, row] of Object.entries(state.budgets[h.ref.owner]?.rights ?? {})) if (giver !== self) incoming += row[self] ?? 0;
    h.incoming = incoming;
  }

  /** This node's own running total for an entry: its debits, or its own signed delta if higher (a store restored from before it). */
  #own(h: Held, kind: "spend" | "transfer", to = ""): number {
    const signed = (h.deltas.get(entryKey(this.self, kind, to))?.parsed.op as EscrowOp | undefined)?.total ?? 0;
    return Math.max(signed, kind === "spend" ? h.own.spent : (h.own.given.get(to) ?? 0));
  }

  #rights(h: Held): number {
    let r = h.incoming - this.#own(h, "spend");
    const receivers = new Set([...h.own.given.keys(), ...[...h.deltas.values()].filter((d) => d.parsed.writer === this.self).map((d) => entryOf(d.parsed).receiver)]);
    for (const to of receivers) if (to !== "") r -= this.#own(h, "transfer", to);
    return r;
  }

  /** This node's rights left in a budget, as its own store and the deltas it holds say (0 for one it holds nothing of). */
  async rights(ref: BudgetRef): Promise<number> {
    return this.#rights(await this.#load(ref));
  }

  /** Decides a spend locally and records it; refused with budget_exhausted when this node's rights do not cover it. */
  async spend(ref: BudgetRef, amount: number, by: { principal: string; record?: string | undefined }): Promise<SpendOutcome> {
    checkAmount(amount);
    const h = await this.#load(ref);
    return this.#serial(h.id, async () => {
      for (;;) {
        const started = performance.now();
        const rights = this.#rights(h);
        const decisionMs = performance.now() - started;
        if (amount > rights) throw new BudgetError("budget_exhausted", `spending ${amount} needs more than the ${rights} this node holds`);
        if (by.record && (await debitsFor(this.#o.db, h.id, by.record)) > 0) throw new BudgetError("already_paid", `record ${by.record} is paid already`);
        const total = this.#own(h, "spend") + amount;
        if (await insertDebit(this.#o.db, h.id, { seq: h.own.seq + 1, kind: "spend", amount, receiver: "", total, principal: by.principal, record: by.record ?? null })) {
          h.own = { ...h.own, seq: h.own.seq + 1, spent: total };
          return { spent: amount, remaining: rights - amount, decisionMs };
        }
        // Another writer took that seq: read its debits and decide again.
        h.own = await ownTotals(this.#o.db, h.id);
      }
    });
  }

  /** The owner adds `amount` to its budget (creating it). */
  async allocate(ref: BudgetRef, amount: number): Promise<BudgetView> {
    if (ref.owner !== this.self) throw new BudgetError("not_owner", "only a budget's owner allocates it");
    checkAmount(amount);
    if (!this.#held.has(refKey(idOf(ref))) && (await countHeldBudgets(this.#o.db)) >= MAX_HELD_BUDGETS) throw new BudgetError("too_many", `this node holds ${MAX_HELD_BUDGETS} budgets`);
    const h = await this.#load(ref);
    await this.#serial(h.id, async () => {
      const before = h.deltas.get(entryKey(this.self, "allocate", ""));
      const total = ((before?.parsed.op as EscrowOp | undefined)?.total ?? 0) + amount;
      if (total > MAX_AMOUNT) throw new BudgetError("bad_amount", "allocation past 2^53 − 1");
      await this.#signAndKeep(h, { type: "escrow", owner: ref.owner, op: "allocate", total });
    });
    return this.view(ref);
  }

  /** This node gives `amount` of its rights to member-to-be `to`: debited, signed, kept, then pushed. */
  async transfer(ref: BudgetRef, to: string, amount: number, by: { principal: string }): Promise<SignedDelta> {
    checkAmount(amount);
    if (to === this.self) throw new BudgetError("bad_amount", "a transfer names another node");
    const h = await this.#load(ref);
    return this.#serial(h.id, async () => {
      for (;;) {
        const rights = this.#rights(h);
        if (amount > rights) throw new BudgetError("budget_exhausted", `giving ${amount} needs more than the ${rights} this node holds`);
        if (!h.own.given.has(to) && h.own.given.size >= MAX_RECEIVERS_PER_GIVER) throw new BudgetError("too_many", `a node gives to at most ${MAX_RECEIVERS_PER_GIVER} others`);
        if (!h.members.has(to) && h.members.size >= MAX_BUDGET_MEMBERS) throw new BudgetError("too_many", `a budget has at most ${MAX_BUDGET_MEMBERS} members`);
        const total = this.#own(h, "transfer", to) + amount;
        if (await insertDebit(this.#o.db, h.id, { seq: h.own.seq + 1, kind: "transfer", amount, receiver: to, total, principal: by.principal, record: null })) {
          h.own = { seq: h.own.seq + 1, spent: h.own.spent, given: new Map([...h.own.given, [to, total]]) };
          return this.#signAndKeep(h, { type: "escrow", owner: ref.owner, op: "transfer", to, total });
        }
        h.own = await ownTotals(this.#o.db, h.id);
      }
    });
  }

  async #signAndKeep(h: Held, op: EscrowOp): Promise<SignedDelta> {
    const signed = await signDelta({ namespace: h.id.namespace, key: h.id.key, hlc: this.#o.clock.tick(), writer: this.self, op }, this.#o.signer);
    await this.#keep(h, signed);
    return signed;
  }

  async #keep(h: Held, d: SignedDelta): Promise<void> {
    const e = entryOf(d);
    const text = canonicalJson(d);
    await keepDelta(this.#o.db, h.id, { writer: d.writer, ...e, delta: text });
    const k = entryKey(d.writer, e.kind, e.receiver);
    const held = h.deltas.get(k);
    if (!held || (held.parsed.op as EscrowOp).total < e.total) h.deltas.set(k, { parsed: d, text });
    this.#recount(h);
  }

  /** Signs this node's running totals its held deltas lag behind (spends are signed here, not per spend; a crash between debit and signature is mended here). */
  async #publishOwn(h: Held): Promise<void> {
    await this.#serial(h.id, async () => {
      const lag = (kind: DeltaKind, receiver: string, total: number) => total > ((h.deltas.get(entryKey(this.self, kind, receiver))?.parsed.op as EscrowOp | undefined)?.total ?? 0);
      if (lag("spend", "", h.own.spent)) await this.#signAndKeep(h, { type: "escrow", owner: h.ref.owner, op: "spend", total: h.own.spent });
      for (const [to, total] of h.own.given) if (lag("transfer", to, total)) await this.#signAndKeep(h, { type: "escrow", owner: h.ref.owner, op: "transfer", to, total });
    });
  }

  /**
   * Deltas a peer sent for one budget: each checked (bounds, a budget's, the writer's signature,
   * not this node's own, the budget's bounds) before it is kept. Returns how many were refused.
   */
  async receive(ref: BudgetRef, input: readonly unknown[], from: string): Promise<number> {
    const id = idOf(ref);
    if (!this.#held.has(refKey(id)) && (await heldDeltas(this.#o.db, id)).length === 0 && (await countHeldBudgets(this.#o.db)) >= MAX_HELD_BUDGETS) return input.length;
    const h = await this.#load(ref);
    let refused = 0;
    for (const raw of input) {
      let d: SignedDelta;
      try {
        d = parseDelta(raw);
      } catch (err) {
        if (!(err instanceof DeltaError)) throw err;
        refused++;
        continue;
      }
      if (d.namespace !== id.namespace || d.key !== id.key || !isBudgetDelta(d)) {
        refused++;
        continue;
      }
      const e = entryOf(d);
      const held = h.deltas.get(entryKey(d.writer, e.kind, e.receiver));
      if (held && (held.parsed.op as EscrowOp).total >= e.total) continue;
      if (!held && !this.#fits(h, d)) {
        refused++;
        continue;
      }
      if ((await verifyDelta(d, { keyOf: (w) => this.#o.keys.keyOf(w, from) })) !== "valid") {
        refused++;
        continue;
      }
      await this.#keep(h, d);
    }
    return refused;
  }

  /** Whether a new entry keeps the budget within its bounds (members, receivers per giver). */
  #fits(h: Held, d: SignedDelta): boolean {
    const writers = new Set([...h.deltas.values()].map((x) => x.parsed.writer));
    if (!writers.has(d.writer) && writers.size >= MAX_BUDGET_MEMBERS) return false;
    if (d.op.type !== "escrow" || d.op.op !== "transfer") return true;
    const receivers = [...h.deltas.values()].filter((x) => x.parsed.writer === d.writer && x.parsed.op.type === "escrow" && x.parsed.op.op === "transfer").length;
    return receivers < MAX_RECEIVERS_PER_GIVER;
  }

  #summary(h: Held): SummaryEntry[] {
    return [...h.deltas.values()].map(({ parsed }) => ({ writer: parsed.writer, ...entryOf(parsed) }));
  }

  /** Deltas this node holds that a summary lacks or holds at a lower total, a page at most. */
  #lacking(h: Held, have: readonly SummaryEntry[]): SignedDelta[] {
    const known = new Map(have.map((e) => [entryKey(e.writer, e.kind, e.receiver), e.total]));
    const out: SignedDelta[] = [];
    for (const [k, { parsed }] of h.deltas) {
      if ((known.get(k) ?? -1) < entryOf(parsed).total) out.push(parsed);
      if (out.length === MAX_PAGE_DELTAS) break;
    }
    return out;
  }

  /** Answers a peer's budget-sync: keeps what it sent, and sends back what it lacks. */
  async onSync(from: string, r: BudgetSyncRequest): Promise<BudgetSyncResult> {
    const refused = await this.receive(r.budget, r.deltas, from);
    const h = await this.#load(r.budget);
    await this.#publishOwn(h);
    return { type: "budget-sync", have: this.#summary(h), deltas: this.#lacking(h, r.have), refused };
  }

  /** Brings this node and `peer` level on one budget, a page at a time (a few rounds at most). */
  async syncWith(peer: string, ref: BudgetRef): Promise<{ sent: number; received: number }> {
    const h = await this.#load(ref);
    await this.#publishOwn(h);
    let sent: SignedDelta[] = [];
    let totals = { sent: 0, received: 0 };
    for (let round = 0; round < 8; round++) {
      const answer = await this.#o.transport.sync(peer, { type: "budget-sync", budget: ref, have: this.#summary(h), deltas: sent });
      totals = { sent: totals.sent + sent.length - answer.refused, received: totals.received + answer.deltas.length };
      await this.receive(ref, answer.deltas, peer);
      sent = this.#lacking(h, answer.have);
      if (sent.length === 0 && answer.deltas.length < MAX_PAGE_DELTAS) break;
    }
    return totals;
  }

  /** Syncs every held budget with each of its members that is an active peer; failures are counted, never thrown. */
  async syncAll(): Promise<{ budgets: number; synced: number; failed: number }> {
    const peers = new Set(await this.#o.peers());
    const report = { budgets: 0, synced: 0, failed: 0 };
    for (const id of await heldBudgets(this.#o.db)) {
      const ref = budgetAt(id.namespace, id.key);
      if (!ref) continue;
      report.budgets++;
      const h = await this.#load(ref);
      for (const member of h.members) {
        if (member === this.self || !peers.has(member)) continue;
        try {
          await this.syncWith(member, ref);
          report.synced++;
        } catch {
          report.failed++;
        }
      }
    }
    return report;
  }

  /**
   * Rebalancing: asks members that are active peers for `amount` more rights, the richest as this
   * node last heard first, until given that much or all were asked. Returns what was given.
   */
  async request(ref: BudgetRef, amount: number): Promise<number> {
    checkAmount(amount);
    const h = await this.#load(ref);
    const peers = new Set(await this.#o.peers());
    const state = countedState(ref.owner, [...h.deltas.values()].map((d) => d.parsed));
    const candidates = [...h.members].filter((m) => m !== this.self && peers.has(m)).sort((a, b) => rightsOf(state, ref.owner, b) - rightsOf(state, ref.owner, a));
    let got = 0;
    for (const member of candidates) {
      if (got >= amount) break;
      try {
        const answer = await this.#o.transport.ask(member, ref, amount - got);
        if (answer.granted > 0 && answer.transfer) {
          const before = h.incoming;
          await this.receive(ref, [answer.transfer], member);
          got += Math.max(0, h.incoming - before);
        }
      } catch {
        // An unreachable member gives nothing; the next is asked.
      }
    }
    return got;
  }

  /** Answers a member's ask: gives at most half of this node's rights, to members only. */
  async onAsk(from: string, ref: BudgetRef, amount: number): Promise<BudgetAskResult> {
    const h = await this.#load(ref);
    if (!h.members.has(from) || from === this.self) return { type: "budget-ask", granted: 0 };
    const spare = Math.floor(this.#rights(h) / 2);
    const granted = Math.min(amount, spare);
    if (granted <= 0) return { type: "budget-ask", granted: 0 };
    try {
      return { type: "budget-ask", granted, transfer: await this.transfer(ref, from, granted, { principal: from }) };
    } catch (err) {
      // Spent meanwhile, or a bound reached: nothing given.
      if (err instanceof BudgetError) return { type: "budget-ask", granted: 0 };
      throw err;
    }
  }

  /** What this node knows of a budget: its own rights exact, the others' as last heard. */
  async view(ref: BudgetRef): Promise<BudgetView> {
    const h = await this.#load(ref);
    if (h.deltas.size === 0 && h.own.seq === 0) throw new BudgetError("unknown_budget", `no budget ${budgetKey(ref)} of ${ref.owner} here`);
    const state = countedState(ref.owner, [...h.deltas.values()].map((d) => d.parsed));
    const spentBy = state.budgets[ref.owner]?.spent ?? {};
    const own = this.#own(h, "spend");
    const members = [...h.members].sort().map((node) =>
      node === this.self ? { node, rights: this.#rights(h), spent: own } : { node, rights: rightsOf(state, ref.owner, node), spent: spentBy[node] ?? 0 },
    );
    const spent = totalSpent(state, ref.owner) - (spentBy[this.self] ?? 0) + own;
    return { budget: ref, allocated: allocated(state, ref.owner), spent, remaining: this.#rights(h), members };
  }

  /** Whether this node holds any budget: the budget tools are listed only then. Once true, never asked again. */
  async inPlay(): Promise<boolean> {
    this.#inPlay ||= await anyBudget(this.#o.db);
    return this.#inPlay;
  }

  /** Every budget this node holds, as it knows them. */
  async list(): Promise<BudgetView[]> {
    const out: BudgetView[] = [];
    for (const id of await heldBudgets(this.#o.db)) {
      const ref = budgetAt(id.namespace, id.key);
      if (ref) out.push(await this.view(ref));
    }
    return out;
  }

  /** This node's latest debits of a budget, newest first: its part of the burn-down. */
  debits(ref: BudgetRef, limit: number): Promise<Debit[]> {
    return listDebits(this.#o.db, idOf(ref), limit);
  }

  /** Pushes this node's deltas of a budget to one member now (after a transfer to it); failures wait for the tick. */
  async push(peer: string, ref: BudgetRef): Promise<void> {
    await this.syncWith(peer, ref).catch(() => undefined);
  }
}

function checkAmount(amount: number): void {
  if (!Number.isSafeInteger(amount) || amount <= 0) throw new BudgetError("bad_amount", `not a positive integer amount: ${amount}`);
}
