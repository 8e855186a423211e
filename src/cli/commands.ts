// What each command asks of the admin API, and how its answer reads as text.
import { UsageError, type AdminApi } from "./api.ts";
import { clip, fields, masked, table } from "./format.ts";

/** `--price`: free, <n>/call, <n>/second, <n>/ms or <n>/<days>d, each optionally :<unit> (default "credit"). */
interface SubscriptionView {
  grantId: string;
  provider: string;
  tool: string;
  until: number;
  recordId: string;
}

export function parsePrice(text: string): Record<string, unknown> {
  if (text === "free") return { model: "free" };
  const m = /^(\d+)\/(call|second|ms|(\d+)d)(?::([A-Za-z0-9._-]{1,32}))?$/.exec(text);
  if (!m) throw new UsageError(`--price wants free, <amount>/call, <amount>/second, <amount>/ms or <amount>/<days>d, optionally :<unit>; got "${text}"`);
  const amount = Number(m[1]);
  const unit = m[4] ?? "credit";
  if (m[2] === "call") return { model: "per_call", amount, unit };
  if (m[2] === "second" || m[2] === "ms") return { model: "per_time", amount, per: m[2], unit };
  return { model: "subscription", amount, periodSeconds: Number(m[3]) * 86_400, unit };
}

export type OptionValues = Record<string, string | boolean | string[] | undefined>;

export interface Context {
  api: AdminApi;
  json: boolean;
  out: (text: string) => void;
  warn: (text: string) => void;
}

export interface OptionSpec {
  type: "string" | "boolean";
  multiple?: boolean;
  /** The value's placeholder in help, for string options. */
  value?: string;
  help: string;
}

export interface Command {
  /** The command words, e.g. "upstream add". */
  name: string;
  /** What follows the words in the usage line. */
  usage?: string;
  summary: string;
  details?: string;
  options?: Record<string, OptionSpec>;
  /** Positional arguments after the command words. */
  min: number;
  max: number;
  /** Whether words after `--` mean something to this command. */
  rest?: boolean;
  run: (ctx: Context, args: string[], opts: OptionValues, rest: string[]) => Promise<void>;
}

interface UpstreamView {
  name: string;
  kind: "http" | "stdio";
  url?: string;
  headers?: Record<string, string>;
  command?: string;
  args?: string[];
  env?: Record<string, string>;
  prefix: string;
  /** Set when each caller brings its own credential, e.g. "header:Authorization". */
  perPrincipal?: string;
  status: string;
  lastError: string | null;
  refreshedAt: string | null;
  server: { name: string; version: string | null } | null;
  tools: number;
}

interface PinView {
  origin: string;
  tool: string;
  version: string;
}

interface ToolView {
  name: string;
  id: string;
  upstream: string;
  upstreamName: string;
  description: string | null;
  hidden: boolean;
  pinned: boolean;
  available: boolean;
}

type RefreshResult = { name: string; ok: true; changed: boolean } | { name: string; ok: false; error: string };

interface Invocation {
  at: number;
  caller: string;
  toolName: string;
  upstream: string | null;
  durationMs: number;
  outcome: string;
  error: string | null;
}

interface PeerView {
  id: string;
  name: string;
  url: string;
  mcp: string;
  state: string;
  theirState: string;
  version: string;
  features: string[];
  signingKeyId: string;
  createdAt: string;
  lastSeenAt: string | null;
}

const seg = encodeURIComponent;

/** `K=V` pairs from repeated options; the first `=` splits. */
function pairs(values: string[] | undefined, option: string): Record<string, string> | undefined {
  if (!values?.length) return undefined;
  const out: Record<string, string> = {};
  for (const v of values) {
    const at = v.indexOf("=");
    if (at <= 0) throw new UsageError(`--${option} wants KEY=VALUE, got "${v}"`);
    out[v.slice(0, at)] = v.slice(at + 1);
  }
  return out;
}

function target(u: UpstreamView): string {
  return u.kind === "http" ? (u.url ?? "") : [u.command, ...(u.args ?? [])].join(" ");
}

function upstreamRows(list: UpstreamView[]): string {
  return table(
    ["NAME", "KIND", "STATUS", "TOOLS", "PREFIX", "TARGET", "SECRETS"],
    list.map((u) => [
      u.name,
      u.kind,
      u.status,
      String(u.tools),
      u.prefix === "" ? '""' : u.prefix,
      clip(target(u), 70),
      masked(u.kind === "http" ? u.headers : u.env),
    ]),
  );
}

function toolRows(list: ToolView[], withUpstream = true): string {
  const flags = (t: ToolView) =>
    [t.hidden && "hidden", t.pinned && "pinned", !t.available && "unavailable"].filter(Boolean).join(",") || "-";
  return table(
    ["NAME", ...(withUpstream ? ["UPSTREAM"] : []), "UPSTREAM TOOL", "FLAGS", "DESCRIPTION"],
    list.map((t) => [t.name, ...(withUpstream ? [t.upstream] : []), t.upstreamName, flags(t), clip(t.description)]),
  );
}

function peerRows(list: PeerView[]): string {
  return table(
    ["ID", "NAME", "STATE", "THEY HAVE US", "VERSION", "URL"],
    list.map((p) => [p.id, clip(p.name, 30), p.state, p.theirState, p.version, p.url]),
  );
}

function peerAction(name: string, summary: string, done: string): Command {
  return {
    name: `peer ${name}`,
    usage: "<id>",
    summary,
    min: 1,
    max: 1,
    run: async (ctx, [id]) => {
      const body = await ctx.api.request<{ peer: PeerView; hello?: { ok: boolean; error?: string } }>("POST", `/peers/${seg(id!)}/${name}`);
      if (body.hello && !body.hello.ok) ctx.warn(`warning: the peer could not be told: ${body.hello.error}`);
      show(ctx, body, (b) => `${done} ${b.peer.id} (${b.peer.name}), now ${b.peer.state}`);
    },
  };
}

function refreshLine(r: RefreshResult): string {
  return r.ok ? (r.changed ? "ok, catalog updated" : "ok, unchanged") : `failed: ${r.error}`;
}

/** Prints the raw answer under --json, otherwise the text `render` makes of it. */
interface GossipTick {
  sync?: { peer: string; mode: string; sent: number; stored: number };
  error?: string;
}

interface LedgerTick {
  peer: string | null;
  reconciled?: { rounds: number; sent: number; received: number; refused: number };
  error?: string;
}

function ledgerLine(l: LedgerTick): string {
  if (l.reconciled) return `ledger: reconciled with ${l.peer}, sent ${l.reconciled.sent}, received ${l.reconciled.received}, refused ${l.reconciled.refused}`;
  return l.error ? `ledger reconciliation with ${l.peer ?? "a peer"} failed: ${l.error}` : "ledger: no peers";
}

function gossipLine(g: GossipTick): string {
  if (g.sync) return `gossip: ${g.sync.mode} with ${g.sync.peer}, sent ${g.sync.sent}, stored ${g.sync.stored}`;
  return g.error ? `gossip failed: ${g.error}` : "gossip: no peers";
}

interface EntryView {
  origin: string;
  key: string;
  visibility: string;
  tombstone: boolean;
  version?: string;
  hlc: string;
}

function entryRows(entries: EntryView[], withOrigin: boolean): string {
  return table(
    [...(withOrigin ? ["ORIGIN"] : []), "KEY", "VISIBILITY", "VERSION", "STATE"],
    entries.map((e) => [...(withOrigin ? [e.origin] : []), e.key, e.visibility, e.version ?? "-", e.tombstone ? "withdrawn" : "live"]),
  );
}

export function show<T>(ctx: Context, body: T, render: (b: T) => string): void {
  ctx.out(ctx.json ? JSON.stringify(body ?? {}, null, 2) : render(body));
}

function toolFlag(name: string, summary: string, patch: Record<string, boolean>, done: string): Command {
  return {
    name: `tool ${name}`,
    usage: "<name>",
    summary,
    min: 1,
    max: 1,
    run: async (ctx, [tool]) => {
      const body = await ctx.api.request<{ tool: ToolView }>("PATCH", `/tools/${seg(tool!)}`, patch);
      show(ctx, body, (b) => `${done} ${b.tool.name}`);
    },
  };
}

export const commands: Command[] = [
  {
    name: "upstream add",
    usage: "<name> (--url <url> | --stdio [--env K=V ...] -- <command> [args...])",
    summary: "register an upstream MCP server and import its catalog",
    details: [
      "Over HTTP: --url names the upstream's streamable HTTP endpoint (after the command words;",
      "give the node's own URL before them, or in MCPFED_URL). On Node, --stdio runs a command.",
      "The upstream is kept even when its first refresh fails; the failure is printed as a warning.",
    ].join("\n"),
    options: {
      url: { type: "string", value: "url", help: "the upstream's MCP endpoint (http or https)" },
      header: { type: "string", multiple: true, value: "K=V", help: "a header sent to the upstream (repeatable)" },
      bearer: { type: "string", value: "token", help: "sent to the upstream as Authorization: Bearer <token>" },
      stdio: { type: "boolean", help: "run the command after -- as a stdio upstream" },
      env: { type: "string", multiple: true, value: "K=V", help: "an environment variable for the stdio command (repeatable)" },
      prefix: { type: "string", value: "prefix", help: 'prefix for its tool names (default: the upstream name; "" for none)' },
      "per-principal": {
        type: "string",
        value: "header:<Name>",
        help: "each caller brings its own value of that header; --header/--bearer then serve listing only",
      },
    },
    min: 1,
    max: Infinity,
    rest: true,
    run: async (ctx, [name, ...more], o, rest) => {
      const url = o.url as string | undefined;
      const prefix = o.prefix as string | undefined;
      let input: Record<string, unknown>;
      if (o.stdio) {
        if (url || o.header || o.bearer) throw new UsageError("--stdio does not take --url, --header or --bearer");
        const argv = [...more, ...rest];
        if (argv.length === 0) throw new UsageError("--stdio wants the command after --, e.g. -- npx -y some-mcp-server");
        input = { name, kind: "stdio", command: argv[0], args: argv.slice(1), env: pairs(o.env as string[], "env") };
      } else {
        if (!url) throw new UsageError("give --url <url>, or --stdio -- <command> [args...]");
        if (o.env) throw new UsageError("--env is for --stdio upstreams; use --header for HTTP");
        if (more.length || rest.length) throw new UsageError(`unexpected arguments: ${[...more, ...rest].join(" ")}`);
        input = { name, kind: "http", url, headers: pairs(o.header as string[], "header"), bearerToken: o.bearer };
        if (o["per-principal"] !== undefined) input.perPrincipal = o["per-principal"];
      }
      if (prefix !== undefined) input.prefix = prefix;
      const body = await ctx.api.request<{ upstream: UpstreamView; refresh: RefreshResult }>("POST", "/upstreams", input);
      if (!body.refresh.ok) ctx.warn(`warning: upstream "${body.upstream.name}" was added but its first refresh failed: ${body.refresh.error}`);
      show(ctx, body, (b) => `added upstream ${b.upstream.name} (${b.upstream.kind}, ${b.upstream.tools} tools, status ${b.upstream.status})`);
    },
  },
  {
    name: "upstream list",
    summary: "list the registered upstreams (header and env values masked)",
    min: 0,
    max: 0,
    run: async (ctx) => {
      const body = await ctx.api.request<{ upstreams: UpstreamView[] }>("GET", "/upstreams");
      show(ctx, body, (b) => upstreamRows(b.upstreams));
    },
  },
  {
    name: "upstream show",
    usage: "<name>",
    summary: "show one upstream and its tools",
    min: 1,
    max: 1,
    run: async (ctx, [name]) => {
      const body = await ctx.api.request<{ upstream: UpstreamView; tools: ToolView[] }>("GET", `/upstreams/${seg(name!)}`);
      show(ctx, body, ({ upstream: u, tools }) =>
        [
          fields([
            ["name", u.name],
            ["kind", u.kind],
            [u.kind === "http" ? "url" : "command", target(u)],
            [u.kind === "http" ? "headers" : "env", masked(u.kind === "http" ? u.headers : u.env)],
            ["prefix", u.prefix === "" ? '"" (none)' : u.prefix],
            ["per-principal", u.perPrincipal ?? null],
            ["status", u.status],
            ["last error", u.lastError],
            ["server", u.server ? `${u.server.name} ${u.server.version ?? ""}`.trim() : null],
            ["refreshed", u.refreshedAt],
            ["tools", u.tools],
          ]),
          "",
          toolRows(tools, false),
        ].join("\n"),
      );
    },
  },
  {
    name: "upstream refresh",
    usage: "<name>",
    summary: "re-import an upstream's catalog now (exit 1 if it cannot be reached)",
    min: 1,
    max: 1,
    run: async (ctx, [name]) => {
      const body = await ctx.api.request<{ refresh: RefreshResult }>("POST", `/upstreams/${seg(name!)}/refresh`);
      show(ctx, body, (b) => `${b.refresh.name}: ${refreshLine(b.refresh)}`);
      if (!body.refresh.ok) process.exitCode = 1;
    },
  },
  {
    name: "upstream remove",
    usage: "<name>",
    summary: "remove an upstream with its catalog and tool names",
    min: 1,
    max: 1,
    run: async (ctx, [name]) => {
      await ctx.api.request("DELETE", `/upstreams/${seg(name!)}`);
      show(ctx, {}, () => `removed upstream ${name}`);
    },
  },
  {
    name: "upstream credentials",
    usage: "<name>",
    summary: "list the principals holding their own credential for a per-principal upstream (never the values)",
    min: 1,
    max: 1,
    run: async (ctx, [name]) => {
      const body = await ctx.api.request<{ credentials: { principal: string; kind: string; updatedAt: string }[] }>(
        "GET",
        `/upstreams/${seg(name!)}/credentials`,
      );
      show(ctx, body, (b) => table(["PRINCIPAL", "KIND", "UPDATED"], b.credentials.map((c) => [c.principal, c.kind, c.updatedAt])));
    },
  },
  {
    name: "upstream revoke-credential",
    usage: "<name> <principal>",
    summary: "delete a principal's own credential for an upstream; its next call is asked to connect again",
    min: 2,
    max: 2,
    run: async (ctx, [name, principal]) => {
      await ctx.api.request("DELETE", `/upstreams/${seg(name!)}/credentials/${seg(principal!)}`);
      show(ctx, {}, () => `revoked ${principal}'s credential for ${name}`);
    },
  },
  {
    name: "upstream prefix",
    usage: "<name> (<prefix> | --default)",
    summary: "rename an upstream's tools under a new prefix (\"\" for none)",
    details: "Tools renamed by hand keep their names. --default goes back to the upstream's name.",
    options: { default: { type: "boolean", help: "use the upstream's name as the prefix" } },
    min: 1,
    max: 2,
    run: async (ctx, [name, prefix], o) => {
      if ((prefix === undefined) === !o.default) throw new UsageError("give either a prefix or --default");
      const body = await ctx.api.request<{ upstream: UpstreamView; tools: ToolView[] }>("PATCH", `/upstreams/${seg(name!)}`, {
        prefix: o.default ? null : prefix,
      });
      show(ctx, body, (b) =>
        [`upstream ${b.upstream.name} now uses prefix ${b.upstream.prefix === "" ? '"" (none)' : b.upstream.prefix}`, "", toolRows(b.tools, false)].join("\n"),
      );
    },
  },
  {
    name: "tool list",
    summary: "list the catalog's tools, hidden ones included",
    options: { upstream: { type: "string", value: "name", help: "only this upstream's tools" } },
    min: 0,
    max: 0,
    run: async (ctx, _args, o) => {
      const q = o.upstream ? `?upstream=${seg(o.upstream as string)}` : "";
      const body = await ctx.api.request<{ tools: ToolView[] }>("GET", `/tools${q}`);
      show(ctx, body, (b) => toolRows(b.tools));
    },
  },
  {
    name: "tool rename",
    usage: "<name> <new-name>",
    summary: "give a tool a new name (it keeps it across refreshes and prefix changes)",
    min: 2,
    max: 2,
    run: async (ctx, [from, to]) => {
      const body = await ctx.api.request<{ tool: ToolView }>("PATCH", `/tools/${seg(from!)}`, { name: to });
      show(ctx, body, (b) => `renamed ${from} to ${b.tool.name}`);
    },
  },
  toolFlag("hide", "hide a tool from tools/list and calls", { hidden: true }, "hid"),
  toolFlag("unhide", "show a hidden tool again", { hidden: false }, "unhid"),
  toolFlag("pin", "pin a tool (listed even in search catalog mode)", { pinned: true }, "pinned"),
  toolFlag("unpin", "unpin a tool", { pinned: false }, "unpinned"),
  {
    name: "identity",
    summary: "show this node's id and keys (give the id to operators who allowlist it)",
    min: 0,
    max: 0,
    run: async (ctx) => {
      const body = await ctx.api.request<{
        id: string;
        card: { name: string; url: string; keys: { sig: { kid: string }; kem: { kid: string }[] }; exp: number };
        crypto: string;
      }>("GET", "/identity");
      show(ctx, body, ({ id, card, crypto }) =>
        fields([
          ["node id", id],
          ["name", card.name],
          ["url", card.url],
          ["signing key", card.keys.sig.kid],
          ["encryption keys", card.keys.kem.map((k) => k.kid).join(", ")],
          ["card expires", new Date(card.exp * 1000).toISOString()],
          ["crypto", crypto],
        ]),
      );
    },
  },
  {
    name: "peer add",
    usage: "<url>",
    summary: "peer with the node at <url>: verify its card, then introduce this node to it",
    details: "The peer's own acceptance policy decides whether this node is active there at once or pending its operator's approval.",
    min: 1,
    max: 1,
    run: async (ctx, [url]) => {
      const body = await ctx.api.request<{ peer: PeerView }>("POST", "/peers", { url });
      show(ctx, body, ({ peer: p }) =>
        `added peer ${p.id} (${p.name}, ${p.version}); it has this node as ${p.theirState}${p.theirState === "pending" ? " until its operator approves" : ""}`,
      );
    },
  },
  {
    name: "peer list",
    summary: "list the peers, their state here and this node's state there",
    min: 0,
    max: 0,
    run: async (ctx) => {
      const body = await ctx.api.request<{ peers: PeerView[] }>("GET", "/peers");
      show(ctx, body, (b) => peerRows(b.peers));
    },
  },
  peerAction("approve", "let a pending peer in, and tell it so", "approved"),
  peerAction("block", "refuse all traffic from a peer from now on", "blocked"),
  peerAction("unblock", "let a blocked peer back in (as active)", "unblocked"),
  {
    name: "peer remove",
    usage: "<id>",
    summary: "forget a peer (it can say hello again, under the acceptance policy)",
    min: 1,
    max: 1,
    run: async (ctx, [id]) => {
      await ctx.api.request("DELETE", `/peers/${seg(id!)}`);
      show(ctx, {}, () => `removed peer ${id}`);
    },
  },
  {
    name: "peer alias",
    usage: "<id> [alias]",
    summary: "name a peer's shared tools <alias>_<upstream>_<tool>; without an alias, back to its card's name",
    min: 1,
    max: 2,
    run: async (ctx, [id, alias]) => {
      const body = await ctx.api.request<{ peer: PeerView & { alias: string } }>("PATCH", `/peers/${seg(id!)}`, { alias: alias ?? null });
      show(ctx, body, (b) => `${b.peer.id}'s tools now start with ${b.peer.alias}_`);
    },
  },
  {
    name: "peer announce",
    summary: "say hello to every active peer that has not heard this node's current signing key",
    details: "After a signing-key rotation (PREVIOUS_NODE_SEED), peers learn the new key this way. The tick does it when PUBLIC_URL is set.",
    min: 0,
    max: 0,
    run: async (ctx) => {
      const body = await ctx.api.request<{ hellos: { id: string; ok: boolean; error?: string }[] }>("POST", "/peers/announce");
      show(ctx, body, (b) =>
        b.hellos.length === 0 ? "every active peer already has this node's current key" : table(["PEER", "RESULT"], b.hellos.map((h) => [h.id, h.ok ? "ok" : `failed: ${h.error}`])),
      );
      if (body.hellos.some((h) => !h.ok)) process.exitCode = 1;
    },
  },
  {
    name: "peer ping",
    usage: "<id>",
    summary: "send a peer a sealed ping and time the round trip",
    min: 1,
    max: 1,
    run: async (ctx, [id]) => {
      const body = await ctx.api.request<{ pong: { ms: number; at: number } }>("POST", `/peers/${seg(id!)}/ping`);
      show(ctx, body, (b) => `pong from ${id} in ${b.pong.ms} ms (its clock: ${new Date(b.pong.at * 1000).toISOString()})`);
    },
  },
  {
    name: "nodes",
    summary: "list the public nodes this node learned of through the registry (add one with `peer add <url>`)",
    min: 0,
    max: 0,
    run: async (ctx) => {
      const body = await ctx.api.request<{ nodes: { id: string; name: string; url: string; peer: string | null }[] }>("GET", "/nodes");
      show(ctx, body, (b) => table(["ID", "NAME", "URL", "PEER"], b.nodes.map((n) => [n.id, n.name, n.url, n.peer ?? "-"])));
    },
  },
  {
    name: "share",
    usage: "<tool>",
    summary: "share a local tool with the federation, by its short name",
    details: "peers: direct peers see it; public: it spreads through the whole federation; private: withdraws it. Sharing again with another visibility or version replaces the share.",
    options: {
      visibility: { type: "string", value: "v", help: "peers (default), public or private" },
      version: { type: "string", value: "x", help: "the semantic version peers see (default 1.0.0)" },
      label: { type: "string", value: "l", help: "share this version beside the unlabelled one, under <upstream>/<tool>@<label>" },
      tag: { type: "string", multiple: true, value: "t", help: "a tag (repeatable; default: the tool's own tags)" },
      price: { type: "string", value: "p", help: "free (default), <amount>/call, <amount>/second, <amount>/ms or <amount>/<days>d, each with :<unit>, e.g. 5/call:credit" },
      "cache-ttl": { type: "string", value: "s", help: "let consumers cache results this many seconds (read-only, idempotent tools only)" },
    },
    min: 1,
    max: 1,
    run: async (ctx, [tool], o) => {
      const visibility = (o.visibility as string | undefined) ?? "peers";
      if (!["peers", "public", "private"].includes(visibility)) throw new UsageError("--visibility is peers, public or private");
      const ttl = o["cache-ttl"] === undefined ? undefined : Number(o["cache-ttl"]);
      if (ttl !== undefined && !(Number.isInteger(ttl) && ttl > 0)) throw new UsageError("--cache-ttl is a whole number of seconds");
      const body = await ctx.api.request<{ key: string; stored: EntryView[] }>("POST", "/shares", {
        tool,
        visibility,
        ...(o.version !== undefined ? { version: o.version } : {}),
        ...(o.label !== undefined ? { label: o.label } : {}),
        ...(o.tag !== undefined ? { tags: o.tag } : {}),
        ...(o.price !== undefined ? { pricing: parsePrice(o.price as string) } : {}),
        ...(ttl !== undefined ? { cacheTtlSeconds: ttl } : {}),
      });
      show(ctx, body, (b) =>
        b.stored.length === 0 ? `${b.key} is already shared that way` : visibility === "private" ? `withdrew ${b.key}` : `shared ${b.key} (${visibility})`,
      );
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
  {
    name: "registry",
    summary: "list the registry entries this node holds: its own and its peers'",
    min: 0,
    max: 0,
    run: async (ctx) => {
      const body = await ctx.api.request<{ entries: EntryView[] }>("GET", "/registry");
      show(ctx, body, (b) => entryRows(b.entries, true));
    },
  },
  {
    name: "pins",
    summary: "list the versions pinned for peers' tools",
    min: 0,
    max: 0,
    run: async (ctx) => {
      const body = await ctx.api.request<{ pins: PinView[] }>("GET", "/registry/pins");
      show(ctx, body, (b) => table(["ORIGIN", "TOOL", "VERSION"], b.pins.map((p) => [p.origin, p.tool, p.version])));
    },
  },
  {
    name: "pin-version",
    usage: "<origin> <key> <version>",
    summary: "show this version of a peer's tool instead of the newest (the key as `registry` lists it)",
    min: 3,
    max: 3,
    run: async (ctx, [origin, key, version]) => {
      const body = await ctx.api.request<{ pin: PinView }>("PUT", "/registry/pins", { origin, key, version });
      show(ctx, body, (b) => `${b.pin.tool} of ${b.pin.origin} pinned to ${b.pin.version}`);
    },
  },
  {
    name: "unpin-version",
    usage: "<origin> <key>",
    summary: "show the newest version of a peer's tool again",
    min: 2,
    max: 2,
    run: async (ctx, [origin, key]) => {
      await ctx.api.request("DELETE", `/registry/pins/${seg(origin!)}/${key!.split("/").map(seg).join("/")}`);
      show(ctx, {}, () => `${key} of ${origin} shows its newest version`);
    },
  },
  {
    name: "invocations",
    summary: "show the most recent tool calls, newest first",
    options: { limit: { type: "string", value: "n", help: "how many (1-1000, default 100)" } },
    min: 0,
    max: 0,
    run: async (ctx, _args, o) => {
      let q = "";
      if (o.limit !== undefined) {
        const n = Number(o.limit);
        if (!Number.isInteger(n) || n < 1 || n > 1000) throw new UsageError("--limit wants a whole number from 1 to 1000");
        q = `?limit=${n}`;
      }
      const body = await ctx.api.request<{ invocations: Invocation[] }>("GET", `/invocations${q}`);
      show(ctx, body, (b) =>
        table(
          ["AT", "TOOL", "UPSTREAM", "OUTCOME", "MS", "CALLER", "ERROR"],
          b.invocations.map((i) => [
            new Date(i.at).toISOString(),
            i.toolName,
            i.upstream ?? "-",
            i.outcome,
            String(i.durationMs),
            i.caller,
            clip(i.error, 50),
          ]),
        ),
      );
    },
  },
  {
    name: "tick",
    summary: "run the scheduled work now: refresh every upstream, gossip and reconcile the ledger with one peer",
    details: "Exits 0 when the tick ran, even if some upstreams or peers could not be reached; see the table.",
    min: 0,
    max: 0,
    run: async (ctx) => {
      const body = await ctx.api.request<{ at: string; durationMs: number; upstreams: RefreshResult[]; gossip: GossipTick; ledger: LedgerTick }>("POST", "/tick");
      show(ctx, body, (b) =>
        [
          `tick at ${b.at} took ${b.durationMs} ms`,
          table(["UPSTREAM", "RESULT"], b.upstreams.map((r) => [r.name, refreshLine(r)])),
          gossipLine(b.gossip),
          ledgerLine(b.ledger),
        ].join("\n"),
      );
    },
  },
];
