// Quarantine: a node held apart, short of a block and reversible. Calls from it and to it are
// refused, its registry entries are neither admitted nor relayed, and it is never auto-accepted
// as a peer; its peering, its ledger and what this node already holds of it stay as they are.
// The operator quarantines and releases by hand; warnings from trusted warners (warnings.ts) do
// it on the tick, and lift it again when those warnings are withdrawn or expire.
import { CachedRead } from "../../store/cached-read.ts";
import type { Database } from "../../store/database.ts";
import { getQuarantine, listQuarantines, setByOperator, syncWarned, type QuarantineRow } from "../../store/quarantines.ts";

export type { QuarantineRow };

// As for policy rules: a call's check costs no query, and another isolate's change shows within it.
const CACHE_MS = 2000;

export class Quarantine {
  readonly #held: CachedRead<ReadonlySet<string>>;

  constructor(private readonly db: Database) {
    this.#held = new CachedRead(async () => new Set((await listQuarantines(db)).filter((r) => r.status === "quarantined").map((r) => r.nodeId)), CACHE_MS);
  }

  /** The nodes in quarantine now. */
  held(): Promise<ReadonlySet<string>> {
    return this.#held.get();
  }

  async has(node: string): Promise<boolean> {
    return (await this.#held.get()).has(node);
  }

  list(): Promise<QuarantineRow[]> {
    return listQuarantines(this.db);
  }

  /** The operator's quarantine: only the operator lifts it. */
  async hold(node: string, reason: string): Promise<QuarantineRow> {
    const row = await setByOperator(this.db, node, "quarantined", reason);
    this.#held.invalidate();
    return row;
  }

  /**
   * The operator lets a node out. The row stays, marked released, so that warnings that still
   * add up do not put it back; it goes once they no longer do. Undefined: it was not held.
   */
  async release(node: string): Promise<QuarantineRow | undefined> {
    const row = await getQuarantine(this.db, node);
    if (!row) return undefined;
    const released = await setByOperator(this.db, node, "released", "released by the operator");
    this.#held.invalidate();
    return released;
  }

  /** Makes the warnings' quarantines match `warned` (node → why); returns the nodes newly held. */
  async applyWarnings(warned: ReadonlyMap<string, string>): Promise<string[]> {
    const fresh = await syncWarned(this.db, warned);
    this.#held.invalidate();
    return fresh;
  }
}
