// The entry store in memory: what the simulator runs thousands of nodes on, and the reference
// the libSQL repository is tested against. Same contract, same conflict rule (conflict.ts).
import { sha256Hex } from "../protocol/encoding/hash.ts";
import type { ReconcileItem } from "../protocol/reconciliation.ts";
import { beats, rankOf, slotOf } from "../protocol/registry/conflict.ts";
import { byteLength, type Entry } from "../protocol/registry/entry.ts";
import { forPeer, inUniverse, type Delta, type EntryStore, type HeldSlot, type LogPosition, type Pair, type PeerCursor, type PutOutcome } from "./entry-store.ts";

interface Held {
  seq: number;
  entry: Entry;
  source: string | null;
  size: number;
}

export class MemoryEntryStore implements EntryStore {
  readonly #epoch: string;
  #head = 0;
  readonly #bySlot = new Map<string, Held>();
  readonly #byId = new Map<string, Held>();
  /** Held entries by seq, in seq order (Map keeps insertion order, and seqs only grow). */
  readonly #log = new Map<number, Held>();
  readonly #cursors = new Map<string, PeerCursor>();

  constructor(epoch = Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, "0")).join("")) {
    this.#epoch = epoch;
  }

  async head(): Promise<LogPosition> {
    return { epoch: this.#epoch, seq: this.#head };
  }

  async has(ids: string[]): Promise<Set<string>> {
    return new Set(ids.filter((id) => this.#byId.has(id)));
  }

  async put(entries: Entry[], source: string | null): Promise<PutOutcome[]> {
    return entries.map((entry) => {
      const slot = slotOf(entry);
      const held = this.#bySlot.get(slot);
      if (held?.entry.id === entry.id || this.#byId.has(entry.id)) return "duplicate";
      if (held && !beats(rankOf(entry), rankOf(held.entry))) return "superseded";
      if (held) this.#drop(held);
      const row: Held = { seq: ++this.#head, entry, source, size: byteLength(entry.canonical) };
      this.#bySlot.set(slot, row);
      this.#byId.set(entry.id, row);
      this.#log.set(row.seq, row);
      return "stored";
    });
  }

  #drop(held: Held): void {
    this.#bySlot.delete(slotOf(held.entry));
    this.#byId.delete(held.entry.id);
    this.#log.delete(held.seq);
  }

  async originSlots(origin: string): Promise<HeldSlot[]> {
    return [...this.#bySlot.entries()]
      .filter(([, h]) => h.entry.signed.origin === origin)
      .map(([slot, h]) => ({ slot, tombstone: h.entry.signed.tombstone, size: h.size }));
  }

  async slots(origin: string, kind: string, key: string): Promise<Entry[]> {
    return [...this.#bySlot.values()]
      .map((h) => h.entry)
      .filter((e) => e.signed.origin === origin && e.signed.kind === kind && e.signed.key === key);
  }

  async delta(pair: Pair, since: number, limits: { maxEntries: number; maxBytes: number }): Promise<Delta> {
    const entries: Entry[] = [];
    let bytes = 0;
    for (const h of this.#log.values()) {
      if (h.seq <= since || !forPeer(h.entry, h.source, pair)) continue;
      if (entries.length >= limits.maxEntries || (entries.length > 0 && bytes + h.size > limits.maxBytes)) {
        return { entries, upTo: h.seq - 1, more: true };
      }
      entries.push(h.entry);
      bytes += h.size;
    }
    return { entries, upTo: this.#head, more: false };
  }

  async byIdPrefix(prefixes: string[], pair: Pair, limits: { maxEntries: number; maxBytes: number }): Promise<Entry[]> {
    const wanted = new Set(prefixes);
    const lengths = new Set(prefixes.map((p) => p.length));
    const out: Entry[] = [];
    let bytes = 0;
    for (const h of this.#byId.values()) {
      if (![...lengths].some((n) => wanted.has(h.entry.id.slice(0, n))) || !inUniverse(h.entry, pair)) continue;
      if (out.length >= limits.maxEntries || (out.length > 0 && bytes + h.size > limits.maxBytes)) break;
      out.push(h.entry);
      bytes += h.size;
    }
    return out;
  }

  async items(pair: Pair, horizon: string): Promise<ReconcileItem[]> {
    const out: ReconcileItem[] = [];
    for (const h of this.#byId.values()) {
      const s = h.entry.signed;
      if (inUniverse(h.entry, pair) && !(s.tombstone && s.hlc < horizon)) out.push({ hlc: s.hlc, id: h.entry.id });
    }
    return out;
  }

  async cursor(peer: string): Promise<PeerCursor> {
    return { ...this.#cursors.get(peer) };
  }

  async saveAcked(peer: string, seq: number, at: number): Promise<void> {
    this.#cursors.set(peer, { ...this.#cursors.get(peer), acked: { seq, at } });
  }

  async saveTheirs(peer: string, position: LogPosition, at: number): Promise<void> {
    this.#cursors.set(peer, { ...this.#cursors.get(peer), theirs: { ...position, at } });
  }

  async collect(horizon: string): Promise<number> {
    const old = [...this.#byId.values()].filter((h) => h.entry.signed.tombstone && h.entry.signed.hlc < horizon);
    for (const h of old) this.#drop(h);
    return old.length;
  }

  async stateHash(): Promise<string> {
    return sha256Hex([...this.#byId.keys()].sort().join("\n"));
  }
}
