// agent_discover beyond local knowledge (docs/discovery.md): when this node holds no live agent
// with the asked capabilities, each tag is looked up in the index (`tag:` keys) and the agents the
// verified records name are ranked as local discovery ranks them, by tags matched and trust.
import { MAX_LOOKUP_KEYS } from "../../protocol/discovery/messages.ts";
import type { Discovery } from "./discovery.ts";

export interface IndexedAgentHit {
  id: string;
  name: string;
  /** The node that registered it, which reaches it when it has no endpoint. */
  node: string;
  /** That node's URL, to peer with it. */
  url: string;
  trust: number;
  matched: number;
  score: number;
  tags: string[];
  endpoint: string | null;
  /** Listed by its node when the record was signed: live within the record's lifetime, not to the second. */
  via: "index";
}

export interface AgentIndexQuery {
  tags: string[];
  limit: number;
  all?: boolean;
  minTrust?: number;
  origin?: string;
}

export async function searchAgentIndex(d: Pick<Discovery, "agentsActive" | "lookup">, self: string, q: AgentIndexQuery): Promise<IndexedAgentHit[]> {
  const tags = [...new Set(q.tags)].slice(0, MAX_LOOKUP_KEYS);
  if (tags.length === 0 || !(await d.agentsActive())) return [];
  const { records } = await d.lookup(tags.map((t) => `tag:${t}`));
  const hits = new Map<string, IndexedAgentHit>();
  for (const list of records.values()) {
    for (const r of list) {
      if (r.origin === self || (q.origin !== undefined && r.origin !== q.origin)) continue;
      for (const a of r.agents ?? []) {
        if (hits.has(a.id) || a.trust < (q.minTrust ?? 0)) continue;
        const matched = tags.filter((t) => a.tags.includes(t)).length;
        if (matched === 0 || (q.all && matched < tags.length)) continue;
        const score = Math.round((matched / tags.length) * (a.trust / 100) * 1e6) / 1e6;
        hits.set(a.id, { id: a.id, name: a.name, node: r.origin, url: r.url, trust: a.trust, matched, score, tags: a.tags, endpoint: a.endpoint, via: "index" });
      }
    }
  }
  return [...hits.values()].sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1)).slice(0, q.limit);
}
