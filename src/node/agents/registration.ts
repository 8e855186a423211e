// Agents this node registers (protocol §17.2): each is an entry the node signs, renewed by a
// heartbeat (the same entry with a later lease) and withdrawn by a tombstone. Only the principal
// that registered an agent may beat or deregister it. Discovery reads the local index.
import { agentBody, agentId, type AgentBody, MAX_LEASE_MS } from "../../protocol/registry/agent-entries.ts";
import type { Entry, Visibility } from "../../protocol/registry/entry.ts";
import { discoverAgents, type FoundAgent } from "../../store/agent-index.ts";
import { agentRegistrant, claimAgent, liveEntriesAt, registeredAgentList } from "../../store/agents.ts";
import type { Database } from "../../store/database.ts";
import type { Registry } from "../registry/registry.ts";
import { AgentRefusal } from "./refusal.ts";

export interface AgentPort {
  nodeId: string;
  db: Database;
  registry: Pick<Registry, "publishAgentEntry" | "withdraw">;
  gossip: { changed(): void };
}

/** The trust a node gives an agent a client registered over MCP; the operator may set another. */
export const DEFAULT_AGENT_TRUST = 50;

export interface Registration {
  name: string;
  tags: string[];
  descriptors?: AgentBody["capabilities"]["descriptors"];
  endpoint?: string | null;
  key?: AgentBody["key"];
  trust?: number;
  ttlSeconds: number;
  visibility?: Visibility;
}

function parseBody(raw: unknown): AgentBody {
  const parsed = agentBody.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AgentRefusal("invalid_request", `agent: ${issue ? `${issue.path.join(".") || "body"}: ${issue.message}` : "invalid"}`);
  }
  return parsed.data;
}

function leaseUntil(ttlSeconds: number, now: number): number {
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds * 1000 > MAX_LEASE_MS) throw new AgentRefusal("invalid_request", `ttl_seconds must be a whole number from 1 to ${MAX_LEASE_MS / 1000}`);
  // The registry stamps the HLC at now, or just after when a peer's clock ran ahead: a lease of a
  // second or more stays after it unless that peer ran ahead by as much.
  return now + ttlSeconds * 1000;
}

async function holdsAgent(s: AgentPort, principal: string, name: string): Promise<string> {
  const id = agentId(s.nodeId, name);
  const holder = await agentRegistrant(s.db, id);
  if (holder === undefined) throw new AgentRefusal("not_found", `no agent ${name} is registered here`);
  if (holder !== principal) throw new AgentRefusal("forbidden", `agent ${name} was registered by another principal`);
  return id;
}

async function publish(s: AgentPort, id: string, body: AgentBody, visibility: Visibility): Promise<Entry[]> {
  const stored = await s.registry.publishAgentEntry("agent", `agent/${id}`, body, visibility);
  if (stored.length > 0) s.gossip.changed();
  return stored;
}

export async function registerAgent(s: AgentPort, principal: string, r: Registration, now = Date.now()): Promise<{ id: string; leaseUntil: number }> {
  const body = parseBody({
    name: r.name,
    capabilities: { tags: r.tags, descriptors: r.descriptors ?? [] },
    endpoint: r.endpoint ?? null,
    ...(r.key ? { key: r.key } : {}),
    trust: r.trust ?? DEFAULT_AGENT_TRUST,
    leaseUntil: leaseUntil(r.ttlSeconds, now),
  });
  const id = agentId(s.nodeId, body.name);
  if ((await claimAgent(s.db, { agentId: id, name: body.name, principal })) !== principal) throw new AgentRefusal("forbidden", `agent ${body.name} was registered by another principal`);
  await publish(s, id, body, r.visibility ?? "peers");
  return { id, leaseUntil: body.leaseUntil };
}

/** Renews the lease: the same body with a later `leaseUntil`, which the HLC rule makes the one kept. */
export async function heartbeat(s: AgentPort, principal: string, name: string, ttlSeconds: number, now = Date.now()): Promise<{ id: string; leaseUntil: number }> {
  const id = await holdsAgent(s, principal, name);
  const [held] = await liveEntriesAt(s.db, "agent", `agent/${id}`, s.nodeId);
  if (!held || held.signed.kind !== "agent" || held.signed.tombstone) throw new AgentRefusal("not_found", `agent ${name} is deregistered`);
  const body = { ...held.signed.body, leaseUntil: leaseUntil(ttlSeconds, now) };
  await publish(s, id, body, held.signed.visibility);
  return { id, leaseUntil: body.leaseUntil };
}

export async function deregister(s: AgentPort, principal: string, name: string): Promise<{ id: string }> {
  const id = await holdsAgent(s, principal, name);
  const stored = await s.registry.withdraw(`agent/${id}`, "agent");
  if (stored.length > 0) s.gossip.changed();
  return { id };
}

export interface Discovery {
  tags: string[];
  all?: boolean;
  minTrust?: number;
  origin?: string;
  limit?: number;
}

export interface DiscoveredAgent {
  id: string;
  name: string;
  /** The node that registered it, which reaches it when it has no endpoint. */
  node: string;
  trust: number;
  leaseUntil: number;
  matched: number;
  score: number;
  tags: string[];
  descriptors: AgentBody["capabilities"]["descriptors"];
  endpoint: string | null;
}

function shown(f: FoundAgent): DiscoveredAgent {
  const body = (JSON.parse(f.entry) as { body: AgentBody }).body;
  return { id: f.agentId, name: f.name, node: f.origin, trust: f.trust, leaseUntil: f.leaseUntil, matched: f.matched, score: f.score, tags: body.capabilities.tags, descriptors: body.capabilities.descriptors, endpoint: body.endpoint };
}

/** Live agents of the whole federation as this node holds them, ranked (src/store/agent-index.ts says how). */
export async function discover(s: Pick<AgentPort, "db">, q: Discovery, now = Date.now()): Promise<DiscoveredAgent[]> {
  const found = await discoverAgents(s.db, { tags: q.tags, now, limit: q.limit ?? 20, ...(q.all ? { all: true } : {}), ...(q.minTrust !== undefined ? { minTrust: q.minTrust } : {}), ...(q.origin ? { origin: q.origin } : {}) });
  return found.map(shown);
}

export interface RegisteredAgentView {
  agentId: string;
  name: string;
  principal: string;
  trust: number | null;
  leaseUntil: number | null;
  /** Its lease still runs: it is discoverable. */
  live: boolean;
}

/** The agents registered on this node, by whom, and whether each lease still runs. */
export async function registeredAgents(s: Pick<AgentPort, "db">, now = Date.now()): Promise<RegisteredAgentView[]> {
  return (await registeredAgentList(s.db)).map((a) => ({ ...a, live: a.leaseUntil !== null && a.leaseUntil > now }));
}
