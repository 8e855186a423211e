// The agent and intent tools and resources on /mcp (protocol §17.4): any MCP client registers
// agents, discovers them across the federation, declares intents, reads offers and accepts one.
// A refusal is a tool result with isError and a typed code; nothing is stored on one. An accepted
// offer the caller's budget cannot pay is the MCP error −32014, as a relayed call's is.
import { ProtocolError, ProtocolErrorCode, type CallToolResult, type ReadResourceResult, type Tool } from "@modelcontextprotocol/server";
import { z } from "zod";
import { capabilityTag, MAX_LEASE_MS, MAX_INTENT_LIFETIME_MS, MAX_OFFER_LIFETIME_MS } from "../../protocol/registry/agent-entries.ts";
import type { Caller } from "../access/principals/caller.ts";
import type { Services } from "../services.ts";
import { acceptableOffer, declareIntent, offerIntent, offersFor, withdrawIntent } from "./intents.ts";
import { buyOffer } from "./offer-purchase.ts";
import { AgentRefusal } from "./refusal.ts";
import { BudgetRefused } from "../budgets/call-charges.ts";
import { FedErrorCode } from "../calls/errors.ts";
import { deregister, discover, heartbeat, registerAgent } from "./registration.ts";
import { searchAgentIndex } from "../discovery/agent-search.ts";
import { liveAgentCount } from "../../store/agent-index.ts";

const name = z.string().min(1).max(64);
const visibility = z.enum(["peers", "public"]).optional();
const ttl = z.number().int().min(1).max(MAX_LEASE_MS / 1000);
const entryId = z.string().regex(/^[0-9a-f]{64}$/);
const intentRef = z.union([entryId, z.string().regex(/^intent\/[0-9a-f]{32}$/)]);
const amount = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

const args = {
  agent_register: z.strictObject({
    name,
    tags: z.array(z.string().max(64)).max(32),
    descriptors: z.array(z.unknown()).max(32).optional(),
    endpoint: z.string().max(2048).nullable().optional(),
    key: z.unknown().optional(),
    ttl_seconds: ttl,
    visibility,
  }),
  agent_heartbeat: z.strictObject({ name, ttl_seconds: ttl }),
  agent_deregister: z.strictObject({ name }),
  agent_discover: z.strictObject({
    capabilities: z.array(capabilityTag).min(1).max(8),
    all: z.boolean().optional(),
    min_trust: z.number().int().min(0).max(100).optional(),
    node: z.string().max(64).optional(),
    limit: z.number().int().min(1).max(100).default(20),
  }),
  intent_declare: z.strictObject({
    need: z.string().min(1).max(4096),
    capabilities: z.array(z.string().max(64)).max(32),
    budget: z.strictObject({ amount, unit: z.string().max(32) }).optional(),
    deadline: z.number().int().min(0).optional(),
    expires_in_seconds: z.number().int().min(1).max(MAX_INTENT_LIFETIME_MS / 1000).default(3600),
    visibility,
  }),
  intent_withdraw: z.strictObject({ intent: intentRef }),
  intent_offer: z.strictObject({
    intent: entryId,
    amount,
    unit: z.string().max(32),
    period_seconds: z.number().int().min(1).max(366 * 86_400),
    expires_in_seconds: z.number().int().min(1).max(MAX_OFFER_LIFETIME_MS / 1000).default(3600),
    agent: entryId.optional(),
  }),
  intent_accept: z.strictObject({ intent: intentRef, offer: entryId }),
} as const;
type AgentToolName = keyof typeof args;

const obj = (properties: Record<string, unknown>, required: string[]): Tool["inputSchema"] => ({ type: "object", properties, required, additionalProperties: false }) as Tool["inputSchema"];
const tagList = { type: "array", items: { type: "string" }, description: "Capability tags, lowercase: [a-z0-9][a-z0-9._:-]{0,63}." };

export const agentTools: Tool[] = [
  {
    name: "agent_register",
    title: "Register an agent",
    description: "Registers an agent under this node with capability tags and descriptors, published to the federation with a lease of ttl_seconds; renew it with agent_heartbeat before it ends or it disappears everywhere.",
    inputSchema: obj(
      {
        name: { type: "string", description: "The agent's name, unique on this node: [A-Za-z0-9][A-Za-z0-9._-]{0,63}." },
        tags: tagList,
        descriptors: { type: "array", items: { type: "object" }, description: "Structured capabilities: {name, version?, inputs?, outputs?}." },
        endpoint: { type: ["string", "null"], description: "The agent's own MCP server (https), or null: reached through this node." },
        key: { type: "object", description: "The agent's own public key {alg: composite|ed25519, key: base64url}, vouched for by this node." },
        ttl_seconds: { type: "integer", minimum: 1, maximum: MAX_LEASE_MS / 1000 },
        visibility: { type: "string", enum: ["peers", "public"] },
      },
      ["name", "tags", "ttl_seconds"],
    ),
  },
  {
    name: "agent_heartbeat",
    title: "Renew an agent's lease",
    description: "Renews the lease of an agent you registered for ttl_seconds from now.",
    inputSchema: obj({ name: { type: "string" }, ttl_seconds: { type: "integer", minimum: 1, maximum: MAX_LEASE_MS / 1000 } }, ["name", "ttl_seconds"]),
  },
  {
    name: "agent_deregister",
    title: "Deregister an agent",
    description: "Withdraws an agent you registered, everywhere the federation carried it.",
    inputSchema: obj({ name: { type: "string" } }, ["name"]),
  },
  {
    name: "agent_discover",
    title: "Discover agents",
    description: "Finds live agents across the federation with any (or all) of the given capability tags, ranked by match × trust × liveness; when this node holds none, from the federation's index (hits then carry via: \"index\" and their node's URL).",
    inputSchema: obj(
      { capabilities: { ...tagList, minItems: 1, maxItems: 8 }, all: { type: "boolean" }, min_trust: { type: "integer", minimum: 0, maximum: 100 }, node: { type: "string", description: "Only agents of this node id." }, limit: { type: "integer", minimum: 1, maximum: 100, default: 20 } },
      ["capabilities"],
    ),
    annotations: { readOnlyHint: true },
  },
  {
    name: "intent_declare",
    title: "Declare an intent",
    description: "Publishes what you need (e.g. 'translate 40 pages EN→DE by Friday, budget 200 credit') to the federation; nodes that can serve it answer with offers, read at mcpfed://intents/<id>/offers.",
    inputSchema: obj(
      {
        need: { type: "string", description: "What is needed, at most 2 KiB." },
        capabilities: tagList,
        budget: { type: "object", properties: { amount: { type: "integer" }, unit: { type: "string" } }, required: ["amount", "unit"] },
        deadline: { type: "integer", description: "When the work must be done, ms since the epoch; default: when the intent expires." },
        expires_in_seconds: { type: "integer", minimum: 1, default: 3600 },
        visibility: { type: "string", enum: ["peers", "public"] },
      },
      ["need", "capabilities"],
    ),
  },
  {
    name: "intent_withdraw",
    title: "Withdraw an intent",
    description: "Withdraws an intent you declared, everywhere it went.",
    inputSchema: obj({ intent: { type: "string", description: "The intent's id or key." } }, ["intent"]),
  },
  {
    name: "intent_offer",
    title: "Offer to serve an intent",
    description: "This node offers to serve an intent it received: accepting the offer buys a grant for amount unit over period_seconds.",
    inputSchema: obj(
      { intent: { type: "string" }, amount: { type: "integer", minimum: 0 }, unit: { type: "string" }, period_seconds: { type: "integer", minimum: 1 }, expires_in_seconds: { type: "integer", minimum: 1, default: 3600 }, agent: { type: "string", description: "The agent id of this node that would do the work." } },
      ["intent", "amount", "unit", "period_seconds"],
    ),
  },
  {
    name: "intent_accept",
    title: "Accept an offer",
    description: "Accepts an offer for an intent you declared: this node buys the offered grant from the offering node, and both record it in their ledgers. If the operator charged your calls to a budget, the budget pays the offer's price, or the purchase is refused (error −32014) before anything is bought.",
    inputSchema: obj({ intent: { type: "string" }, offer: { type: "string" } }, ["intent", "offer"]),
  },
];

export const agentTemplates: { uriTemplate: string; name: string; title: string; description: string; mimeType: string }[] = [
  { uriTemplate: "mcpfed://intents/{id}/offers", name: "intent-offers", title: "Offers for an intent", description: "The open offers for an intent you declared.", mimeType: "application/json" },
];
export const agentResources = [{ uri: "mcpfed://agents", name: "agents", title: "Agents", description: "This node's registered agents and how many live agents it knows.", mimeType: "application/json" }];

export function isAgentTool(toolName: string): toolName is AgentToolName {
  return Object.hasOwn(args, toolName);
}

function result(body: Record<string, unknown>, isError = false): CallToolResult {
  return { content: [{ type: "text", text: JSON.stringify(body) }], structuredContent: body, ...(isError ? { isError: true } : {}) };
}

export async function callAgentTool(s: Services, caller: Caller, toolName: AgentToolName, raw: unknown): Promise<CallToolResult> {
  const parsed = args[toolName].safeParse(raw ?? {});
  if (!parsed.success) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `invalid arguments: ${parsed.error.issues[0]?.path.join(".")}: ${parsed.error.issues[0]?.message}`);
  const a = parsed.data as never;
  const who = caller.principal.id;
  try {
    return result(await run(s, caller, who, toolName, a));
  } catch (err) {
    if (err instanceof AgentRefusal) return result({ error: { code: err.code, message: err.message } }, true);
    // As a relayed call its budget cannot pay is refused.
    if (err instanceof BudgetRefused) throw new ProtocolError(FedErrorCode.BudgetRefused, err.message, { type: err.code, budget: err.budget });
    throw err;
  }
}

async function run(s: Services, caller: Caller, who: string, toolName: AgentToolName, a: Record<string, never>): Promise<Record<string, unknown>> {
  switch (toolName) {
    case "agent_register": {
      const r = a as unknown as z.infer<(typeof args)["agent_register"]>;
      return registerAgent(s, who, { name: r.name, tags: r.tags, descriptors: r.descriptors as never, endpoint: r.endpoint ?? null, key: r.key as never, ttlSeconds: r.ttl_seconds, ...(r.visibility ? { visibility: r.visibility } : {}) });
    }
    case "agent_heartbeat": {
      const r = a as unknown as z.infer<(typeof args)["agent_heartbeat"]>;
      return heartbeat(s, who, r.name, r.ttl_seconds);
    }
    case "agent_deregister":
      return deregister(s, who, (a as unknown as { name: string }).name);
    case "agent_discover": {
      const r = a as unknown as z.infer<(typeof args)["agent_discover"]>;
      const q = { tags: r.capabilities, limit: r.limit, ...(r.all ? { all: true } : {}), ...(r.min_trust !== undefined ? { minTrust: r.min_trust } : {}), ...(r.node ? { origin: r.node } : {}) };
      const held = await discover(s, q);
      // The index only when nothing held matches: small federations stay on gossip alone.
      return { agents: held.length > 0 ? held : await searchAgentIndex(s.discovery, s.nodeId, q) };
    }
    case "intent_declare": {
      const r = a as unknown as z.infer<(typeof args)["intent_declare"]>;
      return declareIntent(s, who, { need: r.need, capabilities: r.capabilities, expiresInSeconds: r.expires_in_seconds, ...(r.budget ? { budget: r.budget } : {}), ...(r.deadline !== undefined ? { deadline: r.deadline } : {}), ...(r.visibility ? { visibility: r.visibility } : {}) });
    }
    case "intent_withdraw":
      return withdrawIntent(s, who, (a as unknown as { intent: string }).intent);
    case "intent_offer": {
      const r = a as unknown as z.infer<(typeof args)["intent_offer"]>;
      return offerIntent(s, { intent: r.intent, terms: { model: "subscription", amount: r.amount, unit: r.unit, periodSeconds: r.period_seconds }, expiresInSeconds: r.expires_in_seconds, ...(r.agent ? { agent: r.agent } : {}) });
    }
    case "intent_accept": {
      const r = a as unknown as z.infer<(typeof args)["intent_accept"]>;
      const { offer } = await acceptableOffer(s, who, r.intent, r.offer);
      // Bought for the caller: the budget the operator charged it to, if any, pays (§17.9).
      const { charged, ...subscription } = await buyOffer(s, offer, caller.defer, caller.id);
      return { subscription, ...(charged ? { charged } : {}) };
    }
  }
}

const OFFERS = /^mcpfed:\/\/intents\/([0-9a-f]{64}|intent\/[0-9a-f]{32})\/offers$/;

/** mcpfed://agents and mcpfed://intents/<id>/offers; undefined for any other URI. */
export async function readAgentResource(s: Services, caller: Caller, uri: string): Promise<ReadResourceResult | undefined> {
  const json = (body: unknown): ReadResourceResult => ({ contents: [{ uri, mimeType: "application/json", text: JSON.stringify(body) }] });
  if (uri === "mcpfed://agents") return json({ live: await liveAgentCount(s.db, Date.now()) });
  const m = OFFERS.exec(uri);
  if (!m) return undefined;
  try {
    return json({ offers: await offersFor(s, caller.principal.id, m[1]!) });
  } catch (err) {
    if (err instanceof AgentRefusal) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `${err.code}: ${err.message}`);
    throw err;
  }
}
