// OAuth clients: their roles and whether they skip the consent page.
import { seg } from "../framework/admin-api.ts";
import { show, type Command, type Context } from "../framework/command.ts";
import { clip, table } from "../framework/format.ts";
import { list } from "../framework/option-values.ts";

interface ClientView {
  clientId: string;
  kind: string;
  name: string;
  redirectUris: string[];
  roles: string[];
  preApproved: boolean;
}

async function patchClient(ctx: Context, id: string, patch: Record<string, unknown>, done: string) {
  const body = await ctx.api.request<{ client: ClientView }>("PATCH", `/clients/${seg(id)}`, patch);
  show(ctx, body, (b) => `${done} ${b.client.name} (${b.client.clientId})`);
}

export const clientCommands: Command[] = [
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
];
