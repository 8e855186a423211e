// Clearing rounds on the node's database (docs/protocol.md §16): each round as this node sees it,
// and what it gathers as coordinator. Every change of a round's state is a conditional update
// from the state it expects, so two processes of one node racing on a round (two submissions
// completing it at once, a tick and a request) move it once.
import { and, desc, eq, inArray, isNotNull, lt, notInArray, or, sql } from "drizzle-orm";
import type { Database } from "./database.ts";
import { clearingParts as parts, clearingRounds as rounds } from "./schema/index.ts";

export type ParticipantState = NonNullable<typeof rounds.$inferSelect.state>;
export type CoordinatorState = NonNullable<typeof rounds.$inferSelect.coordination>;
export type PartKind = (typeof parts.$inferSelect)["kind"];
export type StoredRound = typeof rounds.$inferSelect;

/** Participant states of a round still open. */
export const OPEN_STATES: ParticipantState[] = ["invited", "submitted", "signed"];
/** Coordinator states of a round still open. */
export const OPEN_COORDINATION: CoordinatorState[] = ["collecting", "proposed", "revealing"];
/** Closed rounds kept for the operator; older ones go on the tick. */
const KEPT_CLOSED = 256;

export interface NewRound {
  id: string;
  unit: string;
  descriptor: string;
  coordinator: string;
  submitBy: number;
  commitBy: number;
}

export class ClearingRepository {
  constructor(private readonly db: Database) {}

  async get(id: string): Promise<StoredRound | undefined> {
    const [row] = await this.db.select().from(rounds).where(eq(rounds.id, id));
    return row;
  }

  /** Adds the round if it is not held; true when this call added it. */
  async add(r: NewRound, values: { state?: ParticipantState; coordination?: CoordinatorState }): Promise<boolean> {
    const rows = await this.db
      .insert(rounds)
      .values({ ...r, ...values })
      .onConflictDoNothing()
      .returning({ id: rounds.id });
    return rows.length > 0;
  }

  /** Moves this node's participant state from one of `from` to `to`; true when it moved. */
  async moveState(id: string, from: readonly (ParticipantState | null)[], to: ParticipantState, extra: { proposal?: string; reason?: string | null; stored?: number } = {}): Promise<boolean> {
    const nonNull = from.filter((f): f is ParticipantState => f !== null);
    const match = from.includes(null) ? or(inArray(rounds.state, nonNull), sql`${rounds.state} IS NULL`) : inArray(rounds.state, nonNull);
    const rows = await this.db
      .update(rounds)
      .set({ state: to, ...extra, updatedAt: Date.now() })
      .where(and(eq(rounds.id, id), match))
      .returning({ id: rounds.id });
    return rows.length > 0;
  }

  /** Moves the coordinator's state from one of `from` to `to`; true when it moved. */
  async moveCoordination(id: string, from: readonly (CoordinatorState | null)[], to: CoordinatorState, extra: { preimage?: string; reason?: string | null } = {}): Promise<boolean> {
    const nonNull = from.filter((f): f is CoordinatorState => f !== null);
    const match = from.includes(null) ? or(inArray(rounds.coordination, nonNull), sql`${rounds.coordination} IS NULL`) : inArray(rounds.coordination, nonNull);
    const rows = await this.db
      .update(rounds)
      .set({ coordination: to, ...extra, updatedAt: Date.now() })
      .where(and(eq(rounds.id, id), match))
      .returning({ id: rounds.id });
    return rows.length > 0;
  }

  /** Open rounds of `unit` this node takes part in, other than `except`. */
  async openInUnit(unit: string, except: string): Promise<StoredRound[]> {
    return this.db
      .select()
      .from(rounds)
      .where(and(eq(rounds.unit, unit), inArray(rounds.state, OPEN_STATES), sql`${rounds.id} <> ${except}`));
  }

  /** Open rounds in all units, as participant or coordinator. */
  async countOpen(): Promise<number> {
    const [row] = await this.db
      .select({ n: sql<number>`count(*)` })
      .from(rounds)
      .where(or(inArray(rounds.state, OPEN_STATES), inArray(rounds.coordination, OPEN_COORDINATION)));
    return row?.n ?? 0;
  }

  /** The coordinator of this node's previous round of `unit` (that reached a proposal), if any. */
  async lastCoordinator(unit: string, except: string): Promise<string | undefined> {
    const [row] = await this.db
      .select({ coordinator: rounds.coordinator })
      .from(rounds)
      .where(and(eq(rounds.unit, unit), sql`${rounds.id} <> ${except}`, inArray(rounds.state, ["signed", "revealed", "lapsed", "refused", "previewed"])))
      .orderBy(desc(rounds.createdAt))
      .limit(1);
    return row?.coordinator;
  }

  /** The latest T of a round of `unit` revealed here: its set-offs count in obligations from then on. */
  async lastRevealedCommit(unit: string): Promise<number | undefined> {
    const [row] = await this.db
      .select({ at: sql<number | null>`max(${rounds.commitBy})` })
      .from(rounds)
      .where(and(eq(rounds.unit, unit), eq(rounds.state, "revealed")));
    return row?.at ?? undefined;
  }

  async list(limit: number): Promise<StoredRound[]> {
    return this.db.select().from(rounds).orderBy(desc(rounds.createdAt)).limit(limit);
  }

  /** Rounds with work for the tick: open ones, as participant or coordinator. */
  async open(): Promise<StoredRound[]> {
    return this.db
      .select()
      .from(rounds)
      .where(or(inArray(rounds.state, OPEN_STATES), inArray(rounds.coordination, OPEN_COORDINATION)));
  }

  /** Stores a part once; true when stored now, false when one of this kind is held (compare with getPart). */
  async putPart(roundId: string, node: string, kind: PartKind, body: string): Promise<boolean> {
    const rows = await this.db.insert(parts).values({ roundId, node, kind, body }).onConflictDoNothing().returning({ node: parts.node });
    return rows.length > 0;
  }

  async getPart(roundId: string, node: string, kind: PartKind): Promise<string | undefined> {
    const [row] = await this.db
      .select({ body: parts.body })
      .from(parts)
      .where(and(eq(parts.roundId, roundId), eq(parts.node, node), eq(parts.kind, kind)));
    return row?.body;
  }

  async parts(roundId: string, kind: PartKind): Promise<{ node: string; body: string }[]> {
    return this.db
      .select({ node: parts.node, body: parts.body })
      .from(parts)
      .where(and(eq(parts.roundId, roundId), eq(parts.kind, kind)));
  }

  /** Drops closed rounds beyond the newest KEPT_CLOSED, and their parts. */
  async prune(): Promise<void> {
    const keep = this.db.select({ id: rounds.id }).from(rounds).orderBy(desc(rounds.createdAt)).limit(KEPT_CLOSED);
    const closed = and(
      or(sql`${rounds.state} IS NULL`, notInArray(rounds.state, OPEN_STATES)),
      or(sql`${rounds.coordination} IS NULL`, notInArray(rounds.coordination, OPEN_COORDINATION)),
      notInArray(rounds.id, keep),
    );
    const gone = await this.db.delete(rounds).where(closed).returning({ id: rounds.id });
    if (gone.length > 0) await this.db.delete(parts).where(inArray(parts.roundId, gone.map((g) => g.id).slice(0, 90)));
  }

  /** Rounds past their commit deadline that still hold a sealed preimage never revealed: forget it. */
  async forgetPreimages(nowMs: number): Promise<void> {
    await this.db
      .update(rounds)
      .set({ preimage: null })
      .where(and(isNotNull(rounds.preimage), lt(rounds.commitBy, nowMs), notInArray(rounds.coordination, ["revealed"])));
  }
}
