// The tool a tools/call names, with what it takes to reach its upstream, kept for a moment per
// process or isolate: on embedded libSQL the lookup (prepared afresh by the driver on every run)
// was the one query on the hot path of every call. Every change to the catalog made in this
// process is announced on the list_changed streams, and that clears the whole cache at once;
// changes made elsewhere (another isolate, the CLI on the same file) are seen within the TTL, as
// with the policy rules and limits. A name that finds nothing is kept only when `knownElsewhere`
// says a peer's tool has it: a relayed call looks here first, and those names are bounded by
// the federated view, where a stranger's are not.
import type { Callable } from "../../store/catalog.ts";
import { KeptLookups, type KeptLookupsLimits } from "../../store/kept-lookups.ts";

export type CallableKey = { shortName: string } | { globalId: string };

export type CallableToolsLimits = KeptLookupsLimits;

export const CALLABLE_TOOLS_LIMITS: CallableToolsLimits = { ttlMs: 2000, max: 1000 };

const keyOf = (by: CallableKey) => ("shortName" in by ? `name ${by.shortName}` : `id ${by.globalId}`);
const byOf = (key: string): CallableKey => (key.startsWith("name ") ? { shortName: key.slice(5) } : { globalId: key.slice(3) });

export class CallableTools {
  readonly #kept: KeptLookups<Callable>;

  constructor(
    load: (by: CallableKey) => Promise<Callable | undefined>,
    limits: CallableToolsLimits = CALLABLE_TOOLS_LIMITS,
    knownElsewhere: (by: CallableKey) => Promise<boolean> = async () => false,
  ) {
    this.#kept = new KeptLookups((key) => load(byOf(key)), limits, (key) => knownElsewhere(byOf(key)));
  }

  get size(): number {
    return this.#kept.size;
  }

  /** The visible tool by its short name or global id; undefined for none. Callers must not change it. */
  find(by: CallableKey): Promise<Callable | undefined> {
    return this.#kept.find(keyOf(by));
  }

  clear(): void {
    this.#kept.clear();
  }
}
