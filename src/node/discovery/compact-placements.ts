// The public nodes known by their compact directory entries (directory_entries), as placement reads
// them: held between reloads and brought up to date from the registry's log. At 10^5 nodes a full
// read costs of the order of a second of CPU; a reload that finds nothing new costs one batch of
// three small queries (new rows, the row count, the store generation), and one that finds a few
// rows changes only those; rows gone or a new generation (a restore) mean a full read.
import { placementsSince, type PlacementRow } from "../../store/directory-store.ts";
import type { Database } from "../../store/database.ts";
import type { IndexNode } from "./lookup.ts";

/** Past this many changed rows in one reload, the list is sorted afresh rather than patched. */
const PATCH_MAX = 512;

export interface PlacementClock {
  self: string;
  now: number;
  /** An entry counts until its expiry plus this. */
  skewSeconds: number;
}

/** Index of `id` in `nodes` (sorted by id), or of where it would go: `~index - 1` when absent. */
function find(nodes: readonly IndexNode[], id: string): number {
  let lo = 0;
  let hi = nodes.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const at = nodes[mid]!.id;
    if (at === id) return mid;
    if (at < id) lo = mid + 1;
    else hi = mid;
  }
  return -lo - 1;
}

export class CompactPlacements {
  /** Every row read, by origin, to its expiry (self and expired ones included): its size is compared with the table's. URLs are held in #nodes only. */
  #expiries = new Map<string, number>();
  #seq = 0;
  /** The store generation #seq counts in; undefined before the first read. */
  #generation: string | null | undefined;
  /** The live rows of other nodes, by id. Replaced, never changed in place: views hold the old one. */
  #nodes: IndexNode[] = [];
  /** When the first of #nodes expires (Unix seconds, skew included). */
  #expires = Infinity;
  #queue: Promise<unknown> = Promise.resolve();

  /** The live compact nodes other than `self`, sorted by id; the same array while nothing changed. */
  nodes(db: Database, clock: PlacementClock): Promise<readonly IndexNode[]> {
    // One refresh at a time: each starts from the state the one before left.
    const next = this.#queue.then(() => this.#refresh(db, clock));
    this.#queue = next.catch(() => undefined);
    return next;
  }

  async #refresh(db: Database, clock: PlacementClock): Promise<readonly IndexNode[]> {
    let { rows, held, generation } = await placementsSince(db, this.#seq);
    for (const r of rows) this.#expiries.set(r.origin, r.exp);
    // A new store generation (a restore) restarts the log's positions below #seq. Otherwise every row
    // the table holds was read now or before, so the table holds fewer only if some went.
    if ((this.#generation !== undefined && generation !== this.#generation) || this.#expiries.size !== held) {
      ({ rows, held, generation } = await placementsSince(db, 0));
      this.#expiries = new Map(rows.map((r) => [r.origin, r.exp]));
      this.#seq = 0;
      this.#nodes = [];
      this.#expires = Infinity;
    }
    this.#generation = generation;
    for (const r of rows) this.#seq = Math.max(this.#seq, r.seq);
    if (rows.length > PATCH_MAX) this.#sortAfresh(rows, clock);
    else if (rows.length > 0) this.#patch(rows, clock);
    if (clock.now > this.#expires) this.#dropExpired(clock);
    return this.#nodes;
  }

  #live(exp: number, clock: PlacementClock): boolean {
    return exp + clock.skewSeconds >= clock.now;
  }

  /** #nodes from the held ones and `rows`, which are newer. */
  #sortAfresh(rows: readonly PlacementRow[], clock: PlacementClock): void {
    const urls = new Map(this.#nodes.map((n) => [n.id, n.url]));
    for (const r of rows) urls.set(r.origin, r.url);
    const ids: string[] = [];
    this.#expires = Infinity;
    for (const [id, exp] of this.#expiries) {
      // An id with no URL held was left out as expired before (a clock set back): it returns with the next full read.
      if (id === clock.self || !this.#live(exp, clock) || !urls.has(id)) continue;
      ids.push(id);
      this.#expires = Math.min(this.#expires, exp + clock.skewSeconds);
    }
    // Plain string order, the same as comparing with `<`: these ids are ASCII.
    ids.sort();
    this.#nodes = ids.map((id) => ({ id, url: urls.get(id)! }));
  }

  #dropExpired(clock: PlacementClock): void {
    this.#expires = Infinity;
    this.#nodes = this.#nodes.filter((n) => {
      const exp = this.#expiries.get(n.id)!;
      if (!this.#live(exp, clock)) return false;
      this.#expires = Math.min(this.#expires, exp + clock.skewSeconds);
      return true;
    });
  }

  #patch(rows: readonly PlacementRow[], clock: PlacementClock): void {
    const nodes = this.#nodes.slice();
    for (const r of rows) {
      if (r.origin === clock.self) continue;
      const at = find(nodes, r.origin);
      const live = this.#live(r.exp, clock);
      if (live) this.#expires = Math.min(this.#expires, r.exp + clock.skewSeconds);
      if (at >= 0 && live) nodes[at] = { id: r.origin, url: r.url };
      else if (at >= 0) nodes.splice(at, 1);
      else if (live) nodes.splice(-at - 1, 0, { id: r.origin, url: r.url });
    }
    this.#nodes = nodes;
  }
}
