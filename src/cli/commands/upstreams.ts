// Commands on upstream MCP servers: add, inspect, refresh, rename and remove them, and the
// credentials callers keep for them.
import { seg } from "../framework/admin-api.ts";
import { show, type Command } from "../framework/command.ts";
import { UsageError } from "../framework/errors.ts";
import { clip, fields, masked, table } from "../framework/format.ts";
import { toolRows, type ToolView } from "./tools.ts";

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

export type RefreshResult = { name: string; ok: true; changed: boolean } | { name: string; ok: false; error: string };

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

export function refreshLine(r: RefreshResult): string {
  return r.ok ? (r.changed ? "ok, catalog updated" : "ok, unchanged") : `failed: ${r.error}`;
}

export const upstreamCommands: Command[] = [
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
      "strict-pins": { type: "boolean", help: "hold even its first tools until approved (mcpfed tool changes), not only changed ones" },
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
      if (o["strict-pins"]) input.pins = "strict";
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
];
