// Commands for who may call what: API tokens, OAuth clients, policy rules, rate limits, grants
// and the audit trail. Each is a thin client of the admin API.
import { UsageError } from "./api.ts";
import type { Rule } from "../node/access/policy/engine.ts";
import { show, type Command, type Context, type OptionValues } from "./commands.ts";
import { clip, fields, table } from "./format.ts";

const seg = encodeURIComponent;

interface TokenView {
  id: string;
  name: string;
  scopes: string[];
  roles: string[];
  status: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
}

interface ClientView {
  clientId: string;
  kind: string;
  name: string;
  redirectUris: string[];
  roles: string[];
  preApproved: boolean;
}

/** A rule as the admin API returns it: the engine's rule and the operator's note. */
type RuleView = Rule & { note: string | null };

interface LimitView {
  id: string;
  subjectKind: string | null;
  subjectId: string | null;
  tool: string | null;
  windowSeconds: number;
  maxRequests: number | null;
  maxConcurrent: number | null;
}

interface GrantView {
  id: string;
  status: string;
  holder: string;
  agentId: string;
  resource: string;
  scope: string;
  justification: string;
  expiresAt: string | null;
  reason: string | null;
}

interface AuditView {
  seq: number;
  at: string;
  actor: string;
  action: string;
  target: string | null;
  decision: string;
  reason: string | null;
}

type Verification = { ok: true; entries: number; head: string } | { ok: false; entries: number; brokenAt: number; reason: string };

function list(v: unknown): string[] | undefined {
  if (typeof v !== "string") return undefined;
  return v.split(",").map((s) => s.trim()).filter((s) => s.length > 0);
}

function whole(v: unknown, option: string, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${option} wants a whole number from ${min} to ${max}`);
  return n;
}

function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

const SUBJECT_HELP = "client, api-token, anonymous or peer";

function ruleLine(r: RuleView): string[] {
  const who = [r.subjectKind ?? "anyone", r.subjectId && `id=${r.subjectId}`, r.role && `role=${r.role}`].filter(Boolean).join(" ");
  const what = [r.tool && `tool=${r.tool}`, r.upstream && `upstream=${r.upstream}`, r.tag && `tag=${r.tag}`, r.visibility && `visibility=${r.visibility}`]
    .filter(Boolean)
    .join(" ") || "every tool";
  return [r.id, String(r.priority), r.action, r.effect + (r.ttlSeconds ? ` (${r.ttlSeconds} s)` : ""), who, what, clip(r.note, 40)];
}

async function patchClient(ctx: Context, id: string, patch: Record<string, unknown>, done: string) {
  const body = await ctx.api.request<{ client: ClientView }>("PATCH", `/clients/${seg(id)}`, patch);
  show(ctx, body, (b) => `${done} ${b.client.name} (${b.client.clientId})`);
}

function subjectOptions(o: OptionValues) {
  return { subjectKind: str(o.subject), subjectId: str(o.id) };
}

export const accessCommands: Command[] = [
  {
    name: "token create",
    usage: "<name>",
    summary: "create an API token for Claude Code's --header or for scripts (shown once)",
    details: "Scopes: mcp:read, mcp:call, mcp:grants (default: all three). Roles are matched by policy rules.",
    options: {
      scope: { type: "string", value: "a,b", help: "comma-separated scopes" },
      role: { type: "string", value: "a,b", help: "comma-separated roles" },
      "expires-days": { type: "string", value: "n", help: "expire after n days (default: never)" },
    },
    min: 1,
    max: 1,
    run: async (ctx, [name], o) => {
      const body = await ctx.api.request<{ token: TokenView; secret: string }>("POST", "/tokens", {
        name,
        ...(o.scope !== undefined ? { scopes: list(o.scope) } : {}),
        ...(o.role !== undefined ? { roles: list(o.role) } : {}),
        ...(o["expires-days"] !== undefined ? { expiresInDays: whole(o["expires-days"], "expires-days", 1, 3650) } : {}),
      });
      const mcpUrl = `${ctx.api.baseUrl}/mcp`;
      show(ctx, body, (b) =>
        [
          `created API token ${b.token.id} (${b.token.name}), scopes ${b.token.scopes.join(" ")}`,
          "",
          `  ${b.secret}`,
          "",
          "It is shown only now. Claude Code:",
          `  claude mcp add --transport http mcpfed ${mcpUrl} --header "Authorization: Bearer ${b.secret}"`,
        ].join("\n"),
      );
    },
  },
  {
    name: "token list",
    summary: "list API tokens (never their values)",
    min: 0,
    max: 0,
    run: async (ctx) => {
      const body = await ctx.api.request<{ tokens: TokenView[] }>("GET", "/tokens");
      show(ctx, body, (b) =>
        table(
          ["ID", "NAME", "STATUS", "SCOPES", "ROLES", "EXPIRES", "LAST USED"],
          b.tokens.map((t) => [t.id, t.name, t.status, t.scopes.join(","), t.roles.join(",") || "-", t.expiresAt ?? "never", t.lastUsedAt ?? "-"]),
        ),
      );
    },
  },
  {
    name: "token revoke",
    usage: "<id>",
    summary: "revoke an API token at once",
    min: 1,
    max: 1,
    run: async (ctx, [id]) => {
      await ctx.api.request("DELETE", `/tokens/${seg(id!)}`);
      show(ctx, {}, () => `revoked token ${id}`);
    },
  },
  {
    name: "client list",
    summary: "list OAuth clients: registered ones and metadata documents seen",
    min: 0,
    max: 0,
    run: async (ctx) => {
      const body = await ctx.api.request<{ clients: ClientView[] }>("GET", "/clients");
      show(ctx, body, (b) =>
        table(
          ["CLIENT ID", "NAME", "KIND", "ROLES", "CONSENT", "REDIRECT URIS"],
          b.clients.map((c) => [c.clientId, clip(c.name, 30), c.kind, c.roles.join(",") || "-", c.preApproved ? "pre-approved" : "ask", clip(c.redirectUris.join(" "), 60)]),
        ),
      );
    },
  },
  {
    name: "client roles",
    usage: "<client-id> <roles>",
    summary: 'set an OAuth client\'s roles (comma-separated; "" for none)',
    min: 2,
    max: 2,
    run: async (ctx, [id, roles]) => patchClient(ctx, id!, { roles: list(roles) ?? [] }, "set roles of"),
  },
  {
    name: "client approve",
    usage: "<client-id>",
    summary: "let a client skip the consent page from now on",
    details: "Anyone who can start an authorization with this client_id and one of its redirect URIs then gets tokens without you. Use it for clients you run yourself.",
    min: 1,
    max: 1,
    run: async (ctx, [id]) => patchClient(ctx, id!, { preApproved: true }, "pre-approved"),
  },
  {
    name: "client forget",
    usage: "<client-id>",
    summary: "make a pre-approved client go through consent again",
    min: 1,
    max: 1,
    run: async (ctx, [id]) => patchClient(ctx, id!, { preApproved: false }, "consent required again for"),
  },
  {
    name: "client remove",
    usage: "<client-id>",
    summary: "remove a client, ending every session and token it holds",
    min: 1,
    max: 1,
    run: async (ctx, [id]) => {
      await ctx.api.request("DELETE", `/clients/${seg(id!)}`);
      show(ctx, {}, () => `removed client ${id}`);
    },
  },
  {
    name: "policy list",
    summary: "list policy rules in the order they are tried",
    min: 0,
    max: 0,
    run: async (ctx) => {
      const body = await ctx.api.request<{ rules: RuleView[] }>("GET", "/policy/rules");
      show(ctx, body, (b) => table(["ID", "PRIO", "ACTION", "EFFECT", "WHO", "WHAT", "NOTE"], b.rules.map(ruleLine)));
    },
  },
  {
    name: "policy add",
    summary: "add a rule on who may call which tools, or how grant requests are decided",
    details: [
      "Rules are tried by priority (lower first; deny before grant before allow); the first that matches decides.",
      "Without one, local callers may call every tool, peers none, and grant requests wait for you.",
      "  --action call   --effect allow|deny|grant   (grant: callable only with a permission grant)",
      "  --action request --effect allow|deny        (allow: approve requests at once, up to --ttl seconds)",
      "Matches (all optional, all must hold): --subject, --id (glob), --role, --tool (glob over name or global id),",
      "--upstream (glob), --tag, --visibility.",
    ].join("\n"),
    options: {
      effect: { type: "string", value: "effect", help: "allow, deny or grant" },
      action: { type: "string", value: "action", help: "call (default) or request" },
      priority: { type: "string", value: "n", help: "lower is tried first (default 100)" },
      subject: { type: "string", value: "kind", help: SUBJECT_HELP },
      id: { type: "string", value: "glob", help: "the client id, token id or peer id (glob)" },
      role: { type: "string", value: "role", help: "callers with this role" },
      tool: { type: "string", value: "glob", help: "tool name or global id (glob)" },
      upstream: { type: "string", value: "glob", help: "upstream name (glob)" },
      tag: { type: "string", value: "tag", help: "tools with this tag (e.g. read-only, destructive)" },
      visibility: { type: "string", value: "v", help: "listed or pinned" },
      ttl: { type: "string", value: "seconds", help: "for approving request rules: the longest grant" },
      note: { type: "string", value: "text", help: "why the rule exists" },
    },
    min: 0,
    max: 0,
    run: async (ctx, _args, o) => {
      if (!o.effect) throw new UsageError("give --effect allow, deny or grant");
      const body = await ctx.api.request<{ rule: RuleView }>("POST", "/policy/rules", {
        effect: o.effect,
        ...(o.action !== undefined ? { action: o.action } : {}),
        ...(o.priority !== undefined ? { priority: whole(o.priority, "priority", -1_000_000, 1_000_000) } : {}),
        ...subjectOptions(o),
        role: str(o.role),
        tool: str(o.tool),
        upstream: str(o.upstream),
        tag: str(o.tag),
        visibility: str(o.visibility),
        ...(o.ttl !== undefined ? { ttlSeconds: whole(o.ttl, "ttl", 1, 30 * 86_400) } : {}),
        note: str(o.note),
      });
      show(ctx, body, (b) => `added rule ${b.rule.id}\n${table(["ID", "PRIO", "ACTION", "EFFECT", "WHO", "WHAT", "NOTE"], [ruleLine(b.rule)])}`);
    },
  },
  {
    name: "policy remove",
    usage: "<id>",
    summary: "remove a policy rule",
    min: 1,
    max: 1,
    run: async (ctx, [id]) => {
      await ctx.api.request("DELETE", `/policy/rules/${seg(id!)}`);
      show(ctx, {}, () => `removed rule ${id}`);
    },
  },
  {
    name: "limit list",
    summary: "list rate limits",
    min: 0,
    max: 0,
    run: async (ctx) => {
      const body = await ctx.api.request<{ limits: LimitView[] }>("GET", "/limits");
      show(ctx, body, (b) =>
        table(
          ["ID", "WHO", "TOOL", "REQUESTS", "CONCURRENT"],
          b.limits.map((l) => [
            l.id,
            [l.subjectKind ?? "anyone", l.subjectId && `id=${l.subjectId}`].filter(Boolean).join(" "),
            l.tool ?? "every tool",
            l.maxRequests === null ? "-" : `${l.maxRequests} per ${l.windowSeconds} s`,
            l.maxConcurrent === null ? "-" : String(l.maxConcurrent),
          ]),
        ),
      );
    },
  },
  {
    name: "limit add",
    summary: "limit tool calls per caller: a count per window, calls at once, or both",
    details: "Each caller that matches gets the quota on its own. Counts hold across processes and isolates (they are in the store).",
    options: {
      subject: { type: "string", value: "kind", help: SUBJECT_HELP },
      id: { type: "string", value: "glob", help: "the client id, token id or peer id (glob)" },
      tool: { type: "string", value: "glob", help: "only calls to these tools (glob over name or global id)" },
      window: { type: "string", value: "seconds", help: "the counting window (default 60)" },
      max: { type: "string", value: "n", help: "calls allowed per window" },
      concurrent: { type: "string", value: "n", help: "calls allowed at once" },
    },
    min: 0,
    max: 0,
    run: async (ctx, _args, o) => {
      if (o.max === undefined && o.concurrent === undefined) throw new UsageError("give --max, --concurrent, or both");
      const body = await ctx.api.request<{ limit: LimitView }>("POST", "/limits", {
        ...subjectOptions(o),
        tool: str(o.tool),
        ...(o.window !== undefined ? { windowSeconds: whole(o.window, "window", 1, 86_400) } : {}),
        ...(o.max !== undefined ? { maxRequests: whole(o.max, "max", 1, 1_000_000_000) } : {}),
        ...(o.concurrent !== undefined ? { maxConcurrent: whole(o.concurrent, "concurrent", 1, 100_000) } : {}),
      });
      show(ctx, body, (b) => `added limit ${b.limit.id}`);
    },
  },
  {
    name: "limit remove",
    usage: "<id>",
    summary: "remove a rate limit",
    min: 1,
    max: 1,
    run: async (ctx, [id]) => {
      await ctx.api.request("DELETE", `/limits/${seg(id!)}`);
      show(ctx, {}, () => `removed limit ${id}`);
    },
  },
  {
    name: "grant list",
    summary: "list permission grants and requests, newest first",
    options: { status: { type: "string", value: "status", help: "pending, active, denied or revoked" } },
    min: 0,
    max: 0,
    run: async (ctx, _args, o) => {
      const q = o.status ? `?status=${seg(o.status as string)}` : "";
      const body = await ctx.api.request<{ grants: GrantView[] }>("GET", `/grants${q}`);
      show(ctx, body, (b) =>
        table(
          ["ID", "STATUS", "HOLDER", "AGENT", "RESOURCE", "EXPIRES", "JUSTIFICATION"],
          b.grants.map((g) => [g.id, g.status, g.holder, g.agentId, g.resource, g.expiresAt ?? "-", clip(g.justification, 50)]),
        ),
      );
    },
  },
  {
    name: "grant approve",
    usage: "<id>",
    summary: "approve a pending permission request",
    options: { ttl: { type: "string", value: "seconds", help: "how long the grant lasts (default: as requested)" } },
    min: 1,
    max: 1,
    run: async (ctx, [id], o) => {
      const body = await ctx.api.request<{ grant: GrantView }>("POST", `/grants/${seg(id!)}/approve`, {
        ...(o.ttl !== undefined ? { ttlSeconds: whole(o.ttl, "ttl", 1, 30 * 86_400) } : {}),
      });
      show(ctx, body, (b) => `approved ${b.grant.id} for ${b.grant.holder} on ${b.grant.resource}, until ${b.grant.expiresAt}`);
    },
  },
  {
    name: "grant deny",
    usage: "<id>",
    summary: "deny a pending permission request",
    options: { reason: { type: "string", value: "text", help: "told to the agent" } },
    min: 1,
    max: 1,
    run: async (ctx, [id], o) => {
      const body = await ctx.api.request<{ grant: GrantView }>("POST", `/grants/${seg(id!)}/deny`, o.reason ? { reason: o.reason } : {});
      show(ctx, body, (b) => `denied ${b.grant.id}`);
    },
  },
  {
    name: "grant revoke",
    usage: "<id>",
    summary: "revoke a grant before it expires",
    min: 1,
    max: 1,
    run: async (ctx, [id]) => {
      const body = await ctx.api.request<{ grant: GrantView }>("POST", `/grants/${seg(id!)}/revoke`);
      show(ctx, body, (b) => `revoked ${b.grant.id}`);
    },
  },
  {
    name: "audit list",
    summary: "show the audit trail, newest first",
    options: {
      limit: { type: "string", value: "n", help: "how many (1-1000, default 100)" },
      action: { type: "string", value: "prefix", help: "only actions starting so, e.g. grant. or tool.call" },
      actor: { type: "string", value: "id", help: "only this actor, e.g. client:<id> or operator" },
    },
    min: 0,
    max: 0,
    run: async (ctx, _args, o) => {
      const q = new URLSearchParams();
      if (o.limit !== undefined) q.set("limit", String(whole(o.limit, "limit", 1, 1000)));
      if (o.action) q.set("action", o.action as string);
      if (o.actor) q.set("actor", o.actor as string);
      const body = await ctx.api.request<{ entries: AuditView[] }>("GET", `/audit${q.size ? `?${q}` : ""}`);
      show(ctx, body, (b) =>
        table(
          ["SEQ", "AT", "ACTOR", "ACTION", "TARGET", "DECISION", "REASON"],
          b.entries.map((e) => [String(e.seq), e.at, clip(e.actor, 40), e.action, clip(e.target, 40), e.decision, clip(e.reason, 60)]),
        ),
      );
    },
  },
  {
    name: "audit verify",
    summary: "check the audit trail's hash chain (exit 1 if it was tampered with)",
    min: 0,
    max: 0,
    run: async (ctx) => {
      const body = await ctx.api.request<Verification>("GET", "/audit/verify");
      show(ctx, body, (b) =>
        b.ok
          ? fields([["audit trail", "intact"], ["entries", b.entries], ["head", b.head]])
          : fields([["audit trail", "BROKEN"], ["intact entries", b.entries], ["first bad entry", b.brokenAt], ["reason", b.reason]]),
      );
      if (!body.ok) process.exitCode = 1;
    },
  },
];
