// The conflict rule, the one place replicas must agree: between two entries for the same slot
// the higher HLC wins, and on a tie the lower entry hash. Any replica that has seen the same
// entries therefore keeps the same ones, whatever order they arrived in.
import type { Entry } from "./entry.ts";

/** What the rule looks at. */
export interface Ranked {
  hlc: string;
  id: string;
}

/** Whether `a` beats `b`. Equal entries do not beat each other. */
export function beats(a: Ranked, b: Ranked): boolean {
  return a.hlc > b.hlc || (a.hlc === b.hlc && a.id < b.id);
}

export function rankOf(e: Entry): Ranked {
  return { hlc: e.signed.hlc, id: e.id };
}

/**
 * The slot an entry competes in: (origin, kind, key, visibility). Visibility is part of it so
 * that narrowing a public tool to peers can still withdraw it from nodes beyond the peers: the
 * origin tombstones the public slot and fills the peers slot, and relays keep both. Across the
 * two slots of one (origin, kind, key), the same rule picks what the catalog shows.
 */
export function slotOf(e: Entry): string {
  const { origin, kind, key, visibility } = e.signed;
  return JSON.stringify([origin, kind, key, visibility]);
}

/** The kind of a slot `slotOf` made. */
export function kindOfSlot(slot: string): string {
  return (JSON.parse(slot) as [string, string, string, string])[1];
}
