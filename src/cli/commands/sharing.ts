// What this node offers the federation (shares) and buys from it (subscriptions).
import { seg } from "../framework/admin-api.ts";
import { show, type Command } from "../framework/command.ts";
import { UsageError } from "../framework/errors.ts";
import { table } from "../framework/format.ts";
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
    usage: "<tool> | --upstream <name>",
    summary: "share a local tool with the federation, by its short name, or every tool of an upstream",
    details:
      "peers: direct peers see it; public: it spreads through the whole federation; private: withdraws it. Sharing again with another visibility or version replaces the share. " +
      "With --upstream, every tool of that upstream not hidden is shared with the same options; if any one cannot be, none is.",
    options: {
      upstream: { type: "string", value: "name", help: "share every (not hidden) tool of this upstream instead of one tool" },
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
      if ((tool === undefined) === (upstream === undefined)) throw new UsageError("share takes a tool name or --upstream <name>, not both");
      const visibility = (o.visibility as string | undefined) ?? "peers";
      if (!["peers", "public", "private"].includes(visibility)) throw new UsageError("--visibility is peers, public or private");
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
        const body = await ctx.api.request<{ shares: { key: string; stored: EntryView[] }[] }>("POST", "/shares", { upstream, ...options });
        show(ctx, body, (b) => b.shares.map((x) => said(x.key, x.stored)).join("\n"));
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
    min: 1,
    max: 1,
    run: async (ctx, [key]) => {
      const body = await ctx.api.request<{ key: string }>("DELETE", `/shares/${key!.split("/").map(seg).join("/")}`);
      show(ctx, body, (b) => `withdrew ${b.key}`);
    },
  },
  {
    name: "subscribe",
    usage: "<tool>",
    summary: "buy a peer's subscription to a tool priced by subscription (its catalog name, or <origin>/<key>)",
    min: 1,
    max: 1,
    run: async (ctx, [tool]) => {
      const body = await ctx.api.request<{ subscription: SubscriptionView }>("POST", "/subscriptions", { tool });
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
