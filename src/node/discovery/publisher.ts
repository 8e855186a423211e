// This node's own index records (docs/protocol.md §20.1): one per key its public tools are found
// under (their keywords, their fingerprints, its node id) and one per capability tag of its live
// public agents, signed, sent on the tick to each key's responsible nodes that lack them, and signed
// again when they change (an agent whose lease ran out drops out) or half their lifetime has passed.
import type { ToolBody } from "../../protocol/registry/entry.ts";
import type { AgentBody } from "../../protocol/registry/agent-entries.ts";
import { indexRecord, keywordsOf, MAX_RECORD_AGENTS, MAX_RECORD_TOOLS, signIndexRecord, type IndexedAgent, type IndexedTool, type IndexRecord } from "../../protocol/discovery/record.ts";
import { MAX_PUBLISHED_RECORDS } from "../../protocol/discovery/messages.ts";
import type { EntrySigner } from "../../protocol/identity/signer.ts";
import type { Database } from "../../store/database.ts";
import { dropOwnIndexRecords, forgetDeliveries, indexDeliveriesHeld, markDelivered, ownIndexRecords, putIndexRecord, type IndexDelivery } from "../../store/discovery-index.ts";
import { listEntries } from "../../store/registry.ts";
import { canonicalJson } from "../../protocol/encoding/canonical-json.ts";
import type { Config } from "../settings/config.ts";
import type { IndexNode, Structure } from "./lookup.ts";
import type { NodePositions } from "../../protocol/discovery/placement.ts";
import { contentOf, INDEX_CAPS } from "./holder.ts";
import { ownersOf } from "./placement.ts";

/** Keywords one tool is indexed under. */
const KEYWORDS_PER_TOOL = 12;
/** Index keys one node publishes at most: its per-origin quota at each holder is larger. */
const MAX_OWN_KEYS = 256;

export interface PublisherPort {
  db: Database;
  nodeId: string;
  now: () => number;
  signer: EntrySigner;
  config: Pick<Config, "index" | "publicNode" | "publicUrl">;
  /** How the directory places keys now (§20.3): its size, and whether `index-xor` is on here. */
  structure: Structure;
  /** Sends records to one responsible node; resolves with how many it stored. */
  publish: (node: IndexNode, records: IndexRecord[]) => Promise<number>;
  /** Whether this node's agents go into the index (`index-agents` on, §20.5). */
  agents: boolean;
  /** Whether a responsible node takes `tag:` records: it advertises `index-agents`. */
  takesAgents: (node: IndexNode) => Promise<boolean>;
  /**
   * Iterative structure: the k closest nodes that answered this node's own lookup of each key (the
   * lookup's `closest`). A sampled table holds only a few of a key's neighbours, so records go
   * where a lookup finds them.
   */
  locate: (keys: string[]) => Promise<Map<string, IndexNode[]>>;
}

export interface PublishReport {
  keys: number;
  signed: number;
  sent: number;
  stored: number;
  failed: number;
}

/** What this node shares publicly: the newest live public tool per key, and its agents whose lease runs at `nowMs`. */
async function publicOwn(db: Database, self: string, nowMs: number): Promise<{ tools: { key: string; body: ToolBody }[]; agents: IndexedAgent[] }> {
  const seen = new Set<string>();
  const tools: { key: string; body: ToolBody }[] = [];
  const agents: IndexedAgent[] = [];
  for (const e of await listEntries(db, self)) {
    const s = e.signed;
    if ((s.kind !== "tool" && s.kind !== "agent") || seen.has(s.key)) continue;
    seen.add(s.key);
    if (s.tombstone || s.visibility !== "public") continue;
    if (s.kind === "tool") tools.push({ key: s.key, body: s.body as ToolBody });
    else {
      const a = s.body as AgentBody;
      if (a.leaseUntil > nowMs && a.capabilities.tags.length > 0) agents.push({ id: s.key.slice("agent/".length), name: a.name, tags: a.capabilities.tags, trust: a.trust, endpoint: a.endpoint });
    }
  }
  return { tools, agents };
}

export interface KeyContent {
  tools: IndexedTool[];
  agents?: IndexedAgent[];
}

/** Index key → what is listed under it, for this node's public tools and live public agents. */
export async function desiredKeys(db: Database, self: string, nowMs: number, withAgents = true): Promise<Map<string, KeyContent>> {
  const keys = new Map<string, KeyContent>();
  const room = (key: string) => keys.size < MAX_OWN_KEYS || keys.has(key);
  const add = (key: string, tool: IndexedTool) => {
    if (!room(key)) return;
    const held = keys.get(key) ?? { tools: [] };
    if (held.tools.length < MAX_RECORD_TOOLS) held.tools.push(tool);
    keys.set(key, held);
  };
  const own = await publicOwn(db, self, nowMs);
  const { tools } = own;
  const agents = withAgents ? own.agents : [];
  for (const { key, body } of tools) {
    const description = body.tool.description?.slice(0, 512);
    const tool: IndexedTool = { key, name: body.tool.name, fingerprint: body.fingerprint, ...(description ? { description } : {}) };
    add(`node:${self}`, tool);
    add(`fp:${body.fingerprint}`, tool);
    for (const w of keywordsOf([body.tool.name, body.tool.title ?? "", body.tool.description ?? "", ...body.tags], KEYWORDS_PER_TOOL)) add(`kw:${w}`, tool);
  }
  // Sorted so that the same agents give the same content, and an unchanged record is not re-signed.
  for (const agent of agents.sort((a, b) => (a.id < b.id ? -1 : 1))) {
    for (const tag of agent.tags) {
      const key = `tag:${tag}`;
      if (!room(key)) continue;
      const held = keys.get(key) ?? { tools: [], agents: [] };
      if (held.agents!.length < MAX_RECORD_AGENTS) held.agents!.push(agent);
      keys.set(key, held);
    }
  }
  return keys;
}

/**
 * Signs what changed or is half expired, and sends each record to those of its key's responsible
 * nodes, as the directory now places it, that do not hold its version: a failed send is retried on
 * the next tick, and a node that became responsible is sent what it lacks.
 */
export async function republish(s: PublisherPort, directory: NodePositions<IndexNode>): Promise<PublishReport> {
  const report: PublishReport = { keys: 0, signed: 0, sent: 0, stored: 0, failed: 0 };
  if (!s.config.publicNode || !s.config.publicUrl || directory.size < s.config.index.minNodes) return report;
  const url = s.config.publicUrl.origin;
  const now = s.now();
  const ttl = s.config.index.ttlSeconds;
  const desired = await desiredKeys(s.db, s.nodeId, now * 1000, s.agents);
  report.keys = desired.size;
  const held = new Map((await ownIndexRecords(s.db, s.nodeId)).map((r) => [r.key, r]));
  await dropOwnIndexRecords(s.db, s.nodeId, [...held.keys()].filter((k) => !desired.has(k)));
  const current = new Map<string, IndexRecord>();
  const fresh: IndexRecord[] = [];
  for (const [key, listed] of desired) {
    const content = await contentOf({ origin: s.nodeId, key, url, ...listed });
    const h = held.get(key);
    const kept = h && h.content === content && h.expires - now > ttl / 2 ? indexRecord.safeParse(JSON.parse(h.record)) : undefined;
    if (kept?.success) {
      current.set(key, kept.data);
      continue;
    }
    const record = await signIndexRecord({ v: 1, origin: s.nodeId, key, url, seq: Date.now(), exp: now + ttl, ...listed }, s.signer);
    fresh.push(record);
    current.set(key, record);
  }
  report.signed = fresh.length;
  // Kept here as published: the next tick compares against them, and a lookup that reaches this node answers them.
  for (const r of fresh) await putIndexRecord(s.db, { key: r.key, origin: r.origin, seq: r.seq, expires: r.exp, record: canonicalJson(r), content: await contentOf(r) }, { ...INDEX_CAPS, perOrigin: MAX_OWN_KEYS }, now);

  const deliveries = await indexDeliveriesHeld(s.db);
  const delivered = new Map(deliveries.map((d) => [`${d.key} ${d.owner}`, d]));
  const nodes = new Map(directory.all().map((n) => [n.id, n]));
  const owners = await ownersNow(s, directory, current, new Set(fresh.map((r) => r.key)), deliveries, nodes);
  const byOwner = new Map<string, IndexRecord[]>();
  const stillOwed = new Set<string>();
  for (const [key, r] of current) {
    for (const owner of owners(key)) {
      if (owner === s.nodeId) continue;
      stillOwed.add(`${key} ${owner}`);
      if (delivered.get(`${key} ${owner}`)?.seq !== r.seq) byOwner.set(owner, [...(byOwner.get(owner) ?? []), r]);
    }
  }
  await forgetDeliveries(s.db, [...delivered.values()].filter((d) => !stillOwed.has(`${d.key} ${d.owner}`)));
  const done: IndexDelivery[] = [];
  await Promise.all(
    [...byOwner].map(async ([owner, all]) => {
      // A holder without index-agents would refuse tag: records as malformed: it is not sent them.
      const records = (await s.takesAgents(nodes.get(owner)!)) ? all : all.filter((r) => !r.key.startsWith("tag:"));
      for (let i = 0; i < records.length; i += MAX_PUBLISHED_RECORDS) {
        const page = records.slice(i, i + MAX_PUBLISHED_RECORDS);
        report.sent += page.length;
        try {
          report.stored += await s.publish(nodes.get(owner)!, page);
          // Stored, or refused as stale or over quota there: either way, sending it again would not change the answer.
          done.push(...page.map((r) => ({ key: r.key, owner, seq: r.seq })));
        } catch {
          report.failed += page.length;
        }
      }
    }),
  );
  await markDelivered(s.db, done);
  return report;
}

/**
 * Each key's responsible nodes now. Rendezvous and XOR: from the directory, every tick. Iterative: found by
 * a lookup for a key whose record was signed this tick or that fewer than k owners hold; the
 * others stay with the owners they were delivered to (located again when next re-signed).
 */
async function ownersNow(
  s: PublisherPort,
  directory: NodePositions<IndexNode>,
  current: Map<string, IndexRecord>,
  signedNow: Set<string>,
  deliveries: IndexDelivery[],
  nodes: Map<string, IndexNode>,
): Promise<(key: string) => string[]> {
  const k = s.config.index.replicas;
  if (s.structure !== "kademlia") return (key) => ownersOf(key, directory, k, s.structure);
  const held = new Map<string, string[]>();
  for (const d of deliveries) held.set(d.key, [...(held.get(d.key) ?? []), d.owner]);
  const wanted = [...current.keys()].filter((key) => signedNow.has(key) || (held.get(key)?.length ?? 0) < k);
  const located = wanted.length > 0 ? await s.locate(wanted) : new Map<string, IndexNode[]>();
  for (const list of located.values()) for (const n of list) if (!nodes.has(n.id)) nodes.set(n.id, n);
  return (key) => located.get(key)?.map((n) => n.id) ?? (held.get(key) ?? []).filter((id) => nodes.has(id));
}
