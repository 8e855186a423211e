// API tokens for Claude Code's --header or for scripts.
import { seg } from "../framework/admin-api.ts";
import { show, type Command } from "../framework/command.ts";
import { table } from "../framework/format.ts";
import { list, whole } from "../framework/option-values.ts";

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

export const tokenCommands: Command[] = [
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
];
