// Forwarders' claims (protocol §12.6.1) as this node holds them: the registry entries of kind
// `forwarding`, checked and signed when they were admitted, read per forwarder.
import { and, desc, eq, inArray } from "drizzle-orm";
import { FORWARDING_KEY, type ForwardingBody } from "../protocol/registry/forwarding-entries.ts";
import type { Database } from "./database.ts";
import { registryEntries } from "./schema/index.ts";

/** Per node among `forwarders`, the destinations its newest live claim names; a node without one is left out. */
export async function forwardingClaims(db: Database, forwarders: string[]): Promise<Map<string, ReadonlySet<string>>> {
  const claims = new Map<string, ReadonlySet<string>>();
  if (forwarders.length === 0) return claims;
  const t = registryEntries;
  // Both visibility slots may be held (one a tombstone after a change of visibility): the newest decides.
  const rows = await db
    .select({ origin: t.origin, entry: t.entry, tombstone: t.tombstone })
    .from(t)
    .where(and(eq(t.kind, "forwarding"), eq(t.key, FORWARDING_KEY), inArray(t.origin, forwarders)))
    .orderBy(t.origin, desc(t.hlc), t.id);
  const seen = new Set<string>();
  for (const r of rows) {
    if (seen.has(r.origin)) continue;
    seen.add(r.origin);
    if (!r.tombstone) claims.set(r.origin, new Set((JSON.parse(r.entry) as { body: ForwardingBody }).body.destinations));
  }
  return claims;
}
