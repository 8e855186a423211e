// search_tools beyond local knowledge (docs/discovery.md): when neither this node's tools nor its
// peers' match, the query's words are looked up in the index, and the tools the verified records
// name are ranked by how many of the words they were found under.
import { keywordsOf } from "../../protocol/discovery/record.ts";
import { MAX_LOOKUP_KEYS } from "../../protocol/discovery/messages.ts";
import type { Discovery } from "./discovery.ts";

export interface IndexedHit {
  name: string;
  /** `<origin>/<upstream>/<tool>`: the global id `call_tool` names. */
  id: string;
  fingerprint: string;
  description?: string;
  upstream: string;
  origin: string;
  /** The origin's URL. */
  url: string;
  /** Whether this caller may call it from here: this node took the tool's entry from its origin (found-tools.ts). */
  available: boolean;
  score: number;
  via: "index";
}

export async function searchIndex(d: Pick<Discovery, "active" | "lookup">, self: string, query: string, limit: number): Promise<IndexedHit[]> {
  const words = keywordsOf([query], MAX_LOOKUP_KEYS);
  if (words.length === 0 || !(await d.active())) return [];
  const { records } = await d.lookup(words.map((w) => `kw:${w}`));
  const hits = new Map<string, IndexedHit>();
  for (const list of records.values()) {
    for (const r of list) {
      if (r.origin === self) continue;
      for (const t of r.tools) {
        const id = `${r.origin}/${t.key}`;
        const held = hits.get(id);
        if (held) held.score += 1;
        else hits.set(id, { name: t.name, id, fingerprint: t.fingerprint, ...(t.description ? { description: t.description } : {}), upstream: t.key.split("/")[0]!, origin: r.origin, url: r.url, available: false, score: 1, via: "index" });
      }
    }
  }
  return [...hits.values()]
    .map((h) => ({ ...h, score: Math.round((h.score / words.length) * 1000) / 1000 }))
    .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1))
    .slice(0, limit);
}
