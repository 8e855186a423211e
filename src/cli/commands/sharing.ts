// What this node offers the federation (shares) and buys from it (subscriptions).
import { seg } from "../framework/admin-api.ts";
import { show, type Command } from "../framework/command.ts";
import { UsageError } from "../framework/errors.ts";
import { table } from "../framework/format.ts";
import { str } from "../framework/option-values.ts";
import { entryRows, type EntryView } from "./registry.ts";

interface SubscriptionView {
  grantId: string;
  provider: string;
  tool: string;
  until: number;
  recordId: string;
}

/** `--price`: free, <n>/call, <n>/second, <n>/ms or <n>/<days>d, each optionally :<unit> (default "credit"). */
function parsePrice(text: string): Record<string, unknown> {
  if (text === "free") return { model: "free" };
  const m = /^(\d+)\/(call|second|ms|(\d+)d)(?::([A-Za-z0-9._-]{1,32}))?$/.exec(text);
  if (!m) throw new UsageError(`--price wants free, <amount>/call, <amount>/second, <amount>/ms or <amount>/<days>d, optionally :<unit>; got "${text}"`);
  const amount = Number(m[1]);
  const unit = m[4] ?? "credit";
  if (m[2] === "call") return { model: "per_call", amount, unit };
  if (m[2] === "second" || m[2] === "ms") return { model: "per_time", amount, per: m[2], unit };
  return { model: "subscription", amount, periodSeconds: Number(m[3]) * 86_400, unit };
}

export const sharingCommands: Command[] = [
  {
    name: "share",
    usage: "<tool> | --resource <uri> | --template <uri-template> | --prompt <name> | --upstream <name>",
    summary: "share a local tool (by its short name), resource, resource template or prompt with the federation, or everything of an upstream",
    details:
      "peers: direct peers see it; public: it spreads through the whole federation; private: withdraws it. Sharing again with another visibility or version replaces the share. " +
      "A resource, template or prompt takes --visibility and --price. With --upstream alone, every tool, resource, template and prompt of that upstream not hidden is shared with the same options; if any one cannot be, none is.",
    options: {
      resource: { type: "string", value: "uri", help: "share a local resource, by its URI" },
      template: { type: "string", value: "uri-template", help: "share a local resource template, by its URI template" },
      prompt: { type: "string", value: "name", help: "share a local prompt, by its name on this node" },
      upstream: { type: "string", value: "name", help: "alone: share everything of this upstream; with --resource or --template: the upstream, when two offer the same" },
      visibility: { type: "string", value: "v", help: "peers (default), public or private" },
      version: { type: "string", value: "x", help: "the semantic version peers see (default 1.0.0)" },
      label: { type: "string", value: "l", help: "share this version beside the unlabelled one, under <upstream>/<tool>@<label>" },
      tag: { type: "string", multiple: true, value: "t", help: "a tag (repeatable; default: the tool's own tags)" },
      price: { type: "string", value: "p", help: "free (default), <amount>/call, <amount>/second, <amount>/ms or <amount>/<days>d, each with :<unit>, e.g. 5/call:credit" },
      "cache-ttl": { type: "string", value: "s", help: "let consumers cache results this many seconds (read-only, idempotent tools only)" },
      replicable: { type: "boolean", help: "let consumers send its calls to any provider of the same tool that says so too (default: this node only)" },
    },
    min: 0,
    max: 1,
    run: async (ctx, [tool], o) => {
      const upstream = o.upstream as string | undefined;
      const named = [tool, o.resource, o.template, o.prompt].filter((x) => x !== undefined).length;
      if (named > 1 || (named === 0 && upstream === undefined) || (tool !== undefined && upstream !== undefined)) {
        throw new UsageError("name one tool, or one of --resource, --template, --prompt; or --upstream <name> alone to share everything of an upstream");
      }
      const visibility = (o.visibility as string | undefined) ?? "peers";
      if (!["peers", "public", "private"].includes(visibility)) throw new UsageError("--visibility is peers, public or private");
      const item = o.resource !== undefined ? { resource: o.resource } : o.template !== undefined ? { resourceTemplate: o.template } : o.prompt !== undefined ? { prompt: o.prompt } : undefined;
      if (item) {
        const body = await ctx.api.request<{ kind: string; key: string; stored: EntryView[] }>("POST", "/shares", {
          ...item,
          visibility,
          ...(o.upstream !== undefined ? { upstream: o.upstream } : {}),
          ...(o.price !== undefined ? { pricing: parsePrice(o.price as string) } : {}),
        });
        show(ctx, body, (b) =>
          b.stored.length === 0 ? `${b.kind} ${b.key} is already shared that way` : visibility === "private" ? `withdrew ${b.kind} ${b.key}` : `shared ${b.kind} ${b.key} (${visibility})`,
        );
        return;
      }
      const ttl = o["cache-ttl"] === undefined ? undefined : Number(o["cache-ttl"]);
      if (ttl !== undefined && !(Number.isInteger(ttl) && ttl > 0)) throw new UsageError("--cache-ttl is a whole number of seconds");
      const options = {
        visibility,
        ...(o.version !== undefined ? { version: o.version } : {}),
        ...(o.label !== undefined ? { label: o.label } : {}),
        ...(o.tag !== undefined ? { tags: o.tag } : {}),
        ...(o.price !== undefined ? { pricing: parsePrice(o.price as string) } : {}),
        ...(ttl !== undefined ? { cacheTtlSeconds: ttl } : {}),
        ...(o.replicable === true ? { replicable: true } : {}),
      };
      const said = (key: string, stored: unknown[]) =>
        stored.length === 0 ? `${key} is already shared that way` : visibility === "private" ? `withdrew ${key}` : `shared ${key} (${visibility}${o.replicable === true ? ", replicable" : ""})`;
      if (upstream !== undefined) {
        const body = await ctx.api.request<{ shares: { kind?: string; key: string; stored: EntryView[] }[] }>("POST", "/shares", { upstream, ...options });
        show(ctx, body, (b) => b.shares.map((x) => said(x.kind && x.kind !== "tool" ? `${x.kind} ${x.key}` : x.key, x.stored)).join("\n"));
        return;
      }
      const body = await ctx.api.request<{ key: string; stored: EntryView[] }>("POST", "/shares", { tool, ...options });
      show(ctx, body, (b) => said(b.key, b.stored));
    },
  },
  {
    name: "unshare",
    usage: "<key>",
    summary: "withdraw a shared tool everywhere it went (<upstream>/<tool>, as `shares` lists it)",
    options: { kind: { type: "string", value: "k", help: "resource, resource-template or prompt: the key is that kind's (default tool)" } },
    min: 1,
    max: 1,
    run: async (ctx, [key], o) => {
      const kind = o.kind === undefined ? "" : `?kind=${encodeURIComponent(o.kind as string)}`;
      const body = await ctx.api.request<{ key: string }>("DELETE", `/shares/${key!.split("/").map(seg).join("/")}${kind}`);
      show(ctx, body, (b) => `withdrew ${b.key}`);
    },
  },
  {
    name: "subscribe",
    usage: "<tool>",
    summary: "buy a peer's subscription to a tool priced by subscription (its catalog name, or <origin>/<key>)",
    options: { principal: { type: "string", value: "id", help: "the principal it is bought for: paid from the budget that principal is charged to (mcpfed budget charge)" } },
    min: 1,
    max: 1,
    run: async (ctx, [tool], o) => {
      const principal = str(o.principal);
      const body = await ctx.api.request<{ subscription: SubscriptionView }>("POST", "/subscriptions", { tool, ...(principal ? { principal } : {}) });
      show(ctx, body, (b) => `subscribed to ${b.subscription.tool} until ${new Date(b.subscription.until).toISOString()} (record ${b.subscription.recordId})`);
    },
  },
  {
    name: "subscriptions",
    summary: "list the subscription grants this node bought",
    min: 0,
    max: 0,
    run: async (ctx) => {
      const body = await ctx.api.request<{ subscriptions: SubscriptionView[] }>("GET", "/subscriptions");
      show(ctx, body, (b) =>
        table(
          ["TOOL", "PROVIDER", "UNTIL", "GRANT"],
          b.subscriptions.map((x) => [x.tool, x.provider, new Date(x.until).toISOString(), x.grantId.slice(0, 16)]),
        ),
      );
    },
  },
  {
    name: "shares",
    summary: "list this node's shared tools, withdrawn ones included",
    min: 0,
    max: 0,
    run: async (ctx) => {
      const body = await ctx.api.request<{ shares: EntryView[] }>("GET", "/shares");
      show(ctx, body, (b) => entryRows(b.shares, false));
    },
  },
];
