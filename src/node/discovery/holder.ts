// The responsible node's side of the index (docs/protocol.md §20.2): it keeps the records an
// origin publishes to it, when it is one of their keys' responsible nodes as it sees the
// directory (with slack for directories that differ by a few nodes), each record checked on its
// own, and answers lookups with what it holds, bounded.
import type { OriginKey } from "../../protocol/identity/signer.ts";
import { canonicalJson } from "../../protocol/encoding/canonical-json.ts";
import { sha256Hex } from "../../protocol/encoding/hash.ts";
import { checkIndexRecord, indexRecord, type IndexRecord } from "../../protocol/discovery/record.ts";
import { MAX_ANSWERED_RECORDS, MAX_CLOSER_NODES, type IndexEntriesRequest, type IndexEntriesResult, type IndexLookupRequest, type IndexLookupResult, type IndexPublishRequest, type IndexPublishResult, type IndexRefusal } from "../../protocol/discovery/messages.ts";
import { positionOf } from "../../protocol/discovery/placement.ts";
import type { Database } from "../../store/database.ts";
import { indexRecordsFor, putIndexRecord, type IndexCaps } from "../../store/discovery-index.ts";
import { ownLiveEntry } from "../../store/registry.ts";
import { log } from "../logging/log.ts";
import type { Config } from "../settings/config.ts";
import type { Directory } from "./directory.ts";
import { ownersOf, structureFor } from "./placement.ts";
import type { Structure } from "./lookup.ts";

const AGENT_KEY_PREFIX = "tag:";

/** Index records one origin may keep here, and one key (a common word is capped, not a flood). */
export const INDEX_CAPS: IndexCaps = { perOrigin: 512, perKey: 1024 };
/** A node takes keys for which it is among this many times k responsible nodes: directories differ at the edges. */
const RESPONSIBILITY_SLACK = 2;

export interface HolderPort {
  db: Database;
  nodeId: string;
  now: () => number;
  directory: Directory;
  config: Pick<Config, "index" | "clockSkewSeconds">;
  /** Whether this node takes `tag:` keys (it advertises index-agents, §20.5); one that does not refuses them as malformed, as a node predating them would. */
  takesAgents: boolean;
  /** The signing key of a node whose card this node holds. */
  keyOf: (origin: string) => Promise<OriginKey | undefined>;
  /** Whether `from` may place by rendezvous: `index-xor` is not on here, or its card lacks it (§20.5). */
  rendezvousFrom: (from: string) => Promise<boolean>;
}

/** What a record says, without its version, lifetime and signature: unchanged content is not republished early. */
export function contentOf(r: Pick<IndexRecord, "origin" | "key" | "url" | "tools" | "agents">): Promise<string> {
  return sha256Hex(canonicalJson({ origin: r.origin, key: r.key, url: r.url, tools: r.tools, ...(r.agents ? { agents: r.agents } : {}) }));
}

export async function receivePublish(s: HolderPort, from: string, request: IndexPublishRequest): Promise<IndexPublishResult> {
  const { nodes } = await s.directory.view();
  // XOR first: it costs a binary search. Rendezvous ranks every id, so it is checked only for a
  // sender that may still place by it.
  const xor = structureFor(nodes.size, s.config.index.rendezvousMax, true);
  let rendezvous: Promise<boolean> | undefined;
  const mayPlaceByRendezvous = () => (rendezvous ??= xor === "xor" ? s.rendezvousFrom(from) : Promise.resolve(false));
  const responsible = (k: string, structure: Structure) => ownersOf(k, nodes, s.config.index.replicas * RESPONSIBILITY_SLACK, structure).includes(s.nodeId);
  const key = await s.keyOf(from);
  const now = s.now();
  const refused: { index: number; reason: IndexRefusal }[] = [];
  let stored = 0;
  for (const [index, raw] of request.records.entries()) {
    const claimed = indexRecord.safeParse(raw);
    // Only the origin publishes its records: its quota is then its own to spend.
    if (claimed.success && claimed.data.origin !== from) {
      refused.push({ index, reason: "not_origin" });
      continue;
    }
    if (claimed.success && !s.takesAgents && claimed.data.key.startsWith(AGENT_KEY_PREFIX)) {
      log.warn("index.agents_refused", { from, key: claimed.data.key });
      refused.push({ index, reason: "malformed" });
      continue;
    }
    const checked = await checkIndexRecord(raw, key, now, s.config.clockSkewSeconds);
    if ("problem" in checked) {
      refused.push({ index, reason: checked.problem });
      continue;
    }
    const r = checked.record;
    if (!responsible(r.key, xor) && !((await mayPlaceByRendezvous()) && responsible(r.key, "rendezvous"))) {
      refused.push({ index, reason: "not_responsible" });
      continue;
    }
    const fate = await putIndexRecord(s.db, { key: r.key, origin: r.origin, seq: r.seq, expires: r.exp, record: canonicalJson(r), content: await contentOf(r) }, INDEX_CAPS, now);
    if (fate === "stored") stored++;
    else refused.push({ index, reason: fate });
  }
  return { type: "index-publish", stored, refused };
}

/** Whether this node reads the request at all: a lookup of `tag:` keys is malformed to a node without index-agents. */
export function understands(s: Pick<HolderPort, "takesAgents">, request: IndexLookupRequest): boolean {
  return s.takesAgents || !request.keys.some((k) => k.startsWith(AGENT_KEY_PREFIX));
}

export async function answerLookup(s: HolderPort, request: IndexLookupRequest): Promise<IndexLookupResult> {
  const held = await indexRecordsFor(s.db, request.keys, s.now(), MAX_ANSWERED_RECORDS);
  const records = held.map((h) => JSON.parse(h.record) as unknown);
  if (!request.closer) return { type: "index-lookup", records };
  const { nodes } = await s.directory.view();
  return { type: "index-lookup", records, closer: nodes.closest(positionOf(request.keys[0]!), MAX_CLOSER_NODES) };
}

/** As the origin a lookup found: its own live tool entries under the keys, those shared public only (a stranger asks). */
export async function answerEntries(s: Pick<HolderPort, "db" | "nodeId">, request: IndexEntriesRequest): Promise<IndexEntriesResult> {
  const held = await Promise.all([...new Set(request.keys)].map((key) => ownLiveEntry(s.db, s.nodeId, key)));
  return { type: "index-entries", entries: held.filter((e) => e?.signed.visibility === "public").map((e) => e!.signed) };
}
