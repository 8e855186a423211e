// The tool a tools/call names, with what it takes to reach its upstream, kept for a moment per
// process or isolate: on embedded libSQL the lookup (prepared afresh by the driver on every run)
// was the one query on the hot path of every call. Every change to the catalog made in this
// process is announced on the list_changed streams, and that clears the whole cache at once;
// changes made elsewhere (another isolate, the CLI on the same file) are seen within the TTL, as
// with the policy rules and limits.
import type { Callable } from "../../store/catalog.ts";

export type CallableKey = { shortName: string } | { globalId: string };

export interface CallableToolsLimits {
  ttlMs: number;
  /** Entries kept at most: the least recently used go first. */
  max: number;
}

export const CALLABLE_TOOLS_LIMITS: CallableToolsLimits = { ttlMs: 2000, max: 1000 };

interface Entry {
  at: number;
  tool: Promise<Callable | undefined>;
}

export class CallableTools {
  readonly #entries = new Map<string, Entry>();

  constructor(
    private readonly load: (by: CallableKey) => Promise<Callable | undefined>,
    private readonly limits: CallableToolsLimits = CALLABLE_TOOLS_LIMITS,
  ) {}

  get size(): number {
    return this.#entries.size;
  }

  /** The visible tool by its short name or global id; undefined for none. Callers must not change it. */
  find(by: CallableKey): Promise<Callable | undefined> {
    const key = "shortName" in by ? `name ${by.shortName}` : `id ${by.globalId}`;
    const now = Date.now();
    const hit = this.#entries.get(key);
    this.#entries.delete(key);
    if (hit && now - hit.at <= this.limits.ttlMs) {
      this.#entries.set(key, hit); // most recently used last
      return hit.tool;
    }
    // Settled into a real promise: a drizzle query is a thenable that runs again on every await.
    const tool = (async () => this.load(by))();
    const entry = { at: now, tool };
    // Names that find nothing are not kept: strangers choose them. Nor is a failed lookup.
    const forget = () => {
      if (this.#entries.get(key) === entry) this.#entries.delete(key);
    };
    tool.then((t) => t ?? forget(), forget);
    this.#entries.set(key, entry);
    if (this.#entries.size > this.limits.max) this.#entries.delete(this.#entries.keys().next().value!);
    return tool;
  }

  clear(): void {
    this.#entries.clear();
  }
}
