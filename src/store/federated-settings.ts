// The operator's choices for peers' shared entries (a name, hidden), which outlive the entries
// themselves: a tool withdrawn and shared again keeps them. The same choices on this node's own
// resources, templates and prompts are kept here too, under its own id as origin: they outlive
// the upstream's refreshes, which replace its listing.
import { and, eq, sql } from "drizzle-orm";
import type { Database } from "./database.ts";
import { federatedSettings } from "./schema/index.ts";

export type EntryKind = "tool" | "resource" | "resource-template" | "prompt";

/** What stays the same across versions and re-shares of one origin's entry. */
export interface EntryRef {
  kind: EntryKind;
  origin: string;
  /** The entry's name at its origin, without a version label: an item's is its key, `<upstream>/<name>`. */
  ref: string;
}

export interface FederatedSetting extends EntryRef {
  shortName: string | null;
  hidden: boolean;
}

/** One string per entry, for maps: kinds and origins hold no "/" and refs come last. */
export function refId(r: EntryRef): string {
  return `${r.kind}/${r.origin}/${r.ref}`;
}

export async function federatedSettingsOf(db: Database, kind: EntryKind): Promise<Map<string, FederatedSetting>> {
  const rows = await db.select().from(federatedSettings).where(eq(federatedSettings.kind, kind));
  return new Map(rows.map((r) => [refId(r as FederatedSetting), r as FederatedSetting]));
}

/** Sets the name (null: back to the derived one) or hiding of one entry. */
export async function saveFederatedSetting(db: Database, r: EntryRef, change: { shortName?: string | null; hidden?: boolean }): Promise<void> {
  await db
    .insert(federatedSettings)
    .values({ ...r, shortName: change.shortName ?? null, hidden: change.hidden ?? false })
    .onConflictDoUpdate({ target: [federatedSettings.kind, federatedSettings.origin, federatedSettings.ref], set: change });
}

/** Forgets the choices on this node's own items of an upstream, as its tools' names go with it. */
export function forgetOwnItemSettings(db: Database, nodeId: string, upstream: string) {
  const prefix = `${upstream}/`;
  // Not LIKE: `_` is a wildcard there and a legal character in upstream names.
  return db.delete(federatedSettings).where(and(eq(federatedSettings.origin, nodeId), sql`substr(${federatedSettings.ref}, 1, ${prefix.length}) = ${prefix}`));
}
