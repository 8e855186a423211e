// What the registry and gossip need from storage. Two implementations keep the same contract:
// the libSQL repository (repository.ts) that nodes run on, and an in-memory one (memory-store.ts)
// for the simulator; tests hold both to the same conflict rule and state hash.
import type { ReconcileItem } from "../protocol/reconciliation.ts";
import type { Entry } from "../protocol/registry/entry.ts";

/**
 * A position in this replica's log. Every stored entry takes the next `seq`; `epoch` is drawn
 * once per database, so a peer's cursor from another database (a wiped node) is told apart.
 */
export interface LogPosition {
  epoch: string;
  seq: number;
}

/** A page of the log as one peer may receive it. */
export interface Delta {
  entries: Entry[];
  /** The seq this page reaches: the peer acknowledges it, and the next page starts after it. */
  upTo: number;
  more: boolean;
}

/** Two direct peers: what they may exchange is every public entry plus the peers-only entries of either. */
export interface Pair {
  self: string;
  peer: string;
}

export interface PeerCursor {
  /** How far the peer has acknowledged our log, and when. */
  acked?: { seq: number; at: number };
  /** How far we have taken the peer's log, and when. */
  theirs?: LogPosition & { at: number };
}

export type PutOutcome = "stored" | "duplicate" | "superseded";

/** A slot an origin holds (`slotOf`), and the size of the entry in it. */
export interface HeldSlot {
  slot: string;
  tombstone: boolean;
  size: number;
}

export interface EntryStore {
  head(): Promise<LogPosition>;
  /** Which of these ids are held. */
  has(ids: string[]): Promise<Set<string>>;
  /**
   * Stores each entry that beats the one its slot holds, in order, atomically: an entry that
   * wins replaces the loser, and takes a new seq. `source` is the peer it came from (null: own).
   */
  put(entries: Entry[], source: string | null): Promise<PutOutcome[]>;
  /** Every slot one origin holds: what its quota counts. */
  originSlots(origin: string): Promise<HeldSlot[]>;
  /** Every entry held in the slots of one (origin, kind, key). */
  slots(origin: string, kind: string, key: string): Promise<Entry[]>;
  /**
   * The log after `since`, as `pair.peer` may receive it: this node's own entries and others'
   * public ones, never what the peer originated or sent us.
   */
  delta(pair: Pair, since: number, limits: { maxEntries: number; maxBytes: number }): Promise<Delta>;
  /** Entries of the pair's universe whose ids start with one of the hex prefixes. */
  byIdPrefix(prefixes: string[], pair: Pair, limits: { maxEntries: number; maxBytes: number }): Promise<Entry[]>;
  /** (HLC, id) of the pair's universe, leaving out tombstones older than the horizon. */
  items(pair: Pair, horizon: string): Promise<ReconcileItem[]>;
  cursor(peer: string): Promise<PeerCursor>;
  saveAcked(peer: string, seq: number, at: number): Promise<void>;
  saveTheirs(peer: string, position: LogPosition, at: number): Promise<void>;
  /** Deletes tombstones stamped before the horizon; returns how many. */
  collect(horizon: string): Promise<number>;
  /** SHA-256 over the sorted ids of every held entry: equal hashes mean equal replicas. */
  stateHash(): Promise<string>;
}

/** Whether an entry belongs to what a pair exchanges. */
export function inUniverse(e: Entry, pair: Pair): boolean {
  return e.signed.visibility === "public" || e.signed.origin === pair.self || e.signed.origin === pair.peer;
}

/** Whether an entry goes in `pair.peer`'s deltas: forwarded onward only when public, never back where it came from. */
export function forPeer(e: Entry, source: string | null, pair: Pair): boolean {
  if (e.signed.origin === pair.peer || source === pair.peer) return false;
  return e.signed.visibility === "public" || e.signed.origin === pair.self;
}
