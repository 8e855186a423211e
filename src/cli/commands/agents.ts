// Agents and intents (protocol §17.2–17.4) from the operator's side: the agents registered here,
// discovery across the federation, registering and deregistering agents, and intents declared,
// withdrawn and accepted as the principal "operator" (clients do the same over MCP).
import { seg } from "../framework/admin-api.ts";
import { show, type Command } from "../framework/command.ts";
import { UsageError } from "../framework/errors.ts";
import { table } from "../framework/format.ts";
import { list, str, whole } from "../framework/option-values.ts";
import type { DeclaredIntentView, OfferView } from "../../node/agents/intents.ts";
import type { DiscoveredAgent, RegisteredAgentView } from "../../node/agents/registration.ts";

/** The admin API sends expiry times as ISO text. */
type Intent = Omit<DeclaredIntentView, "expires"> & { expires: string };

const iso = (ms: number | null) => (ms === null ? "-" : new Date(ms).toISOString());
/** An intent as the admin API names it: its entry id (64 hex), or the 32 hex of `intent/<hex>`. */
function intentArg(text: string): string {
  const m = /^(?:intent\/)?([0-9a-f]{32}|[0-9a-f]{64})$/.exec(text);
  if (!m) throw new UsageError("an intent is its entry id (64 hex) or its key (intent/<32 hex>)");
  return m[1]!;
}

export const agentCommands: Command[] = [
  {
    name: "agents list",
    summary: "the agents registered on this node, by whom, and whether their lease runs",
    min: 0,
    max: 0,
    run: async (ctx) => {
      const body = await ctx.api.request<{ agents: RegisteredAgentView[] }>("GET", "/agents");
      show(ctx, body, (b) => (b.agents.length === 0 ? "no agents registered here" : table(["NAME", "ID", "BY", "TRUST", "LEASE UNTIL", "LIVE"], b.agents.map((a) => [a.name, a.agentId.slice(0, 16), a.principal, a.trust === null ? "-" : String(a.trust), iso(a.leaseUntil), a.live ? "yes" : "no"]))));
    },
  },
  {
    name: "agents discover",
    usage: "<tag,...>",
    summary: "live agents with these capability tags across the federation, best first",
    options: {
      all: { type: "boolean", help: "only agents with every tag (default: any)" },
      "min-trust": { type: "string", value: "percent", help: "only agents their node trusts at least this much" },
      node: { type: "string", value: "node id", help: "only agents of this node" },
      limit: { type: "string", value: "n", help: "at most n agents (1–100, default 20)" },
    },
    min: 1,
    max: 1,
    run: async (ctx, [tags], opts) => {
      const q = new URLSearchParams({ tags: (list(tags) ?? []).join(",") });
      if (opts.all) q.set("all", "true");
      const minTrust = whole(opts["min-trust"], "min-trust", 0, 100);
      if (minTrust !== undefined) q.set("min_trust", String(minTrust));
      if (str(opts.node)) q.set("node", str(opts.node)!);
      const limit = whole(opts.limit, "limit", 1, 100);
      if (limit !== undefined) q.set("limit", String(limit));
      const body = await ctx.api.request<{ agents: DiscoveredAgent[] }>("GET", `/agents/discover?${q}`);
      show(ctx, body, (b) => (b.agents.length === 0 ? "no live agent matches" : table(["SCORE", "NAME", "NODE", "TAGS", "TRUST", "LEASE UNTIL"], b.agents.map((a) => [a.score.toFixed(3), a.name, a.node, a.tags.join(","), String(a.trust), iso(a.leaseUntil)]))));
    },
  },
  {
    name: "agents register",
    usage: "<name> <tag,...>",
    summary: "register (or renew) an agent under this node, published with a lease",
    options: {
      ttl: { type: "string", value: "seconds", help: "the lease (default 3600, at most 86400); register again before it ends" },
      trust: { type: "string", value: "percent", help: "how far this node trusts the agent (default 50)" },
      endpoint: { type: "string", value: "url", help: "the agent's own MCP server (https); default: reached through this node" },
      descriptors: { type: "string", value: "json", help: "capability descriptors, a JSON array of {name, version?, inputs?, outputs?}" },
      public: { type: "boolean", help: "publish to every node (default: peers)" },
    },
    min: 2,
    max: 2,
    run: async (ctx, [name, tags], opts) => {
      let descriptors: unknown;
      if (str(opts.descriptors)) {
        try {
          descriptors = JSON.parse(str(opts.descriptors)!);
        } catch {
          throw new UsageError("--descriptors wants a JSON array");
        }
      }
      const trust = whole(opts.trust, "trust", 0, 100);
      const body = await ctx.api.request<{ id: string; leaseUntil: number }>("POST", "/agents", {
        name,
        tags: list(tags) ?? [],
        ttlSeconds: whole(opts.ttl, "ttl", 1, 86_400) ?? 3600,
        ...(trust !== undefined ? { trust } : {}),
        ...(str(opts.endpoint) ? { endpoint: str(opts.endpoint) } : {}),
        ...(descriptors !== undefined ? { descriptors } : {}),
        ...(opts.public ? { visibility: "public" } : {}),
      });
      show(ctx, body, (b) => `registered ${name} (${b.id}) until ${iso(b.leaseUntil)}`);
    },
  },
  {
    name: "agents deregister",
    usage: "<name>",
    summary: "withdraw an agent the operator registered: it disappears from discovery everywhere",
    min: 1,
    max: 1,
    run: async (ctx, [name]) => {
      const body = await ctx.api.request<{ id: string }>("DELETE", `/agents/${seg(name!)}`);
      show(ctx, body, (b) => `deregistered ${name} (${b.id})`);
    },
  },
  {
    name: "intents list",
    summary: "the intents declared through this node, by whom, newest deadline first",
    options: { limit: { type: "string", value: "n", help: "at most n (1–500, default 100)" } },
    min: 0,
    max: 0,
    run: async (ctx, _args, opts) => {
      const limit = whole(opts.limit, "limit", 1, 500);
      const body = await ctx.api.request<{ intents: Intent[] }>("GET", `/agents/intents${limit === undefined ? "" : `?limit=${limit}`}`);
      show(ctx, body, (b) => (b.intents.length === 0 ? "no intents declared here" : table(["KEY", "BY", "EXPIRES", "STATE", "NEED"], b.intents.map((i) => [i.key, i.principal, i.expires, i.state, i.need ?? "-"]))));
    },
  },
  {
    name: "intents publish",
    usage: "<need> <tag,...>",
    summary: "declare an intent as the operator: signed and published for nodes that can serve it to offer",
    options: {
      budget: { type: "string", value: "amount:unit", help: "what it may cost, e.g. 200:credit" },
      expires: { type: "string", value: "seconds", help: "how long it stays open (default 3600, at most 30 days)" },
      public: { type: "boolean", help: "publish to every node (default: peers)" },
    },
    min: 2,
    max: 2,
    run: async (ctx, [need, tags], opts) => {
      let budget: { amount: number; unit: string } | undefined;
      if (str(opts.budget)) {
        const m = /^(\d+):(\S{1,32})$/.exec(str(opts.budget)!);
        if (!m) throw new UsageError("--budget is <amount>:<unit>, e.g. 200:credit");
        budget = { amount: Number(m[1]), unit: m[2]! };
      }
      const body = await ctx.api.request<{ id: string; key: string; expires: number }>("POST", "/agents/intents", {
        need,
        capabilities: list(tags) ?? [],
        expiresInSeconds: whole(opts.expires, "expires", 1, 30 * 86_400) ?? 3600,
        ...(budget ? { budget } : {}),
        ...(opts.public ? { visibility: "public" } : {}),
      });
      show(ctx, body, (b) => `published ${b.key} (${b.id}), open until ${iso(b.expires)}`);
    },
  },
  {
    name: "intents withdraw",
    usage: "<intent>",
    summary: "withdraw an intent the operator declared (a tombstone, gossiped)",
    min: 1,
    max: 1,
    run: async (ctx, [intent]) => {
      const body = await ctx.api.request<{ key: string }>("DELETE", `/agents/intents/${seg(intentArg(intent!))}`);
      show(ctx, body, (b) => `withdrew ${b.key}`);
    },
  },
  {
    name: "intents offers",
    usage: "<intent>",
    summary: "the open offers for an intent the operator declared",
    min: 1,
    max: 1,
    run: async (ctx, [intent]) => {
      const body = await ctx.api.request<{ offers: OfferView[] }>("GET", `/agents/intents/${seg(intentArg(intent!))}/offers`);
      show(ctx, body, (b) => (b.offers.length === 0 ? "no offers yet" : table(["OFFER", "FROM", "PRICE", "EXPIRES"], b.offers.map((o) => [o.id, o.node, `${o.terms.amount} ${o.terms.unit} / ${o.terms.periodSeconds} s`, iso(o.expires)]))));
    },
  },
  {
    name: "intents accept",
    usage: "<intent> <offer id>",
    summary: "accept an offer: buys its subscription grant through the ledger",
    options: { principal: { type: "string", value: "id", help: "the principal it is bought for: paid from the budget that principal is charged to (mcpfed budget charge)" } },
    min: 2,
    max: 2,
    run: async (ctx, [intent, offer], o) => {
      const principal = str(o.principal);
      const body = await ctx.api.request<{ subscription: unknown }>("POST", `/agents/intents/${seg(intentArg(intent!))}/accept`, { offer, ...(principal ? { principal } : {}) });
      show(ctx, body, (b) => `accepted: ${JSON.stringify(b.subscription)}`);
    },
  },
];
