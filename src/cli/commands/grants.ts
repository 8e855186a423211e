// Permission grants and the requests for them.
import { seg } from "../framework/admin-api.ts";
import { show, type Command } from "../framework/command.ts";
import { clip, table } from "../framework/format.ts";
import { whole } from "../framework/option-values.ts";

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

export const grantCommands: Command[] = [
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
];
