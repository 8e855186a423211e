// Tools found through the index, made callable without peering (docs/discovery.md, "Calling what
// the index found"): the origin is asked for the signed entries of the tools a search hit, and
// they are taken as gossip's are (verified against the origin's card, which is kept for that and
// for sealing the call to it). A call then goes by the forwarded route, or straight to the origin.
import { MAX_ENTRIES_ASKED } from "../../protocol/discovery/messages.ts";
import { signedEntry } from "../../protocol/registry/entry.ts";
import type { Database } from "../../store/database.ts";
import { countOriginCards, saveOriginCard } from "../../store/origin-cards.ts";
import { PeerRequestError } from "../federation-client/errors.ts";
import { log } from "../logging/log.ts";
import { knownCard } from "../peers/origin-cards.ts";
import type { Registry } from "../registry/registry.ts";
import { MAX_CALLER_CARDS } from "../routes/forwarded/destination.ts";
import type { Discovery } from "./discovery.ts";
import type { IndexedHit } from "./search.ts";

export interface FoundToolsPort {
  db: Database;
  discovery: Pick<Discovery, "entriesOf">;
  registry: Pick<Registry, "receive">;
}

/** Origins asked per search: a search's outbound requests and registry writes stay this few whatever the index returns. */
export const MAX_ORIGINS_ASKED = 4;

/**
 * Fetches the entries of the hits' tools from their origins (the best-ranked first, at most
 * MAX_ORIGINS_ASKED), one request per origin, side by side; a failed origin is left as it was.
 */
export async function takeFoundTools(s: FoundToolsPort, hits: readonly Pick<IndexedHit, "origin" | "id">[]): Promise<void> {
  const keys = new Map<string, string[]>();
  for (const h of hits) {
    if (!keys.has(h.origin) && keys.size >= MAX_ORIGINS_ASKED) continue;
    const list = keys.get(h.origin) ?? [];
    if (list.length < MAX_ENTRIES_ASKED) list.push(h.id.slice(h.origin.length + 1));
    keys.set(h.origin, list);
  }
  await Promise.all([...keys].map(([origin, asked]) => takeFrom(s, origin, asked)));
}

async function takeFrom(s: FoundToolsPort, origin: string, keys: string[]): Promise<void> {
  let got;
  try {
    got = await s.discovery.entriesOf(origin, keys);
  } catch (err) {
    if (!(err instanceof PeerRequestError)) throw err;
    log.info("index.entries_unavailable", { origin, code: err.code });
    return;
  }
  if (!got) return;
  const held = await knownCard(s, origin);
  // The same bound as strangers' cards a destination keeps: searches cannot grow the table without end.
  if (!held && (await countOriginCards(s.db)) >= MAX_CALLER_CARDS) return;
  // Learned from the origin itself: what lets a call go straight to it (§20.8). A newer card held stays.
  if (!held || held.iat <= got.card.iat) await saveOriginCard(s.db, origin, got.card, origin);
  // What was asked, of the origin itself: a stranger's answer brings nothing else into the registry.
  const asked = got.entries.filter((raw) => {
    const e = signedEntry.safeParse(raw);
    return !e.success || (e.data.origin === origin && e.data.kind === "tool" && keys.includes(e.data.key));
  });
  const report = await s.registry.receive(asked, origin);
  if (report.rejected.length > 0) log.warn("index.entries_rejected", { origin, reasons: report.rejected.map((r) => r.reason).join(",") });
}
