// Routes (docs/protocol.md §12): each principal's default route, and the ways to reach an origin.
import { routeRequest } from "../../protocol/routes/roles.ts";
import { seg } from "../framework/admin-api.ts";
import { show, type Command } from "../framework/command.ts";
import { UsageError } from "../framework/errors.ts";
import { table } from "../framework/format.ts";

interface RouteDefaultView {
  principal: string;
  route: string;
  updatedAt: number;
}

export const routeCommands: Command[] = [
  {
    name: "route default list",
    summary: "list the principals with a default route, and the node's (ROUTE_DEFAULT)",
    min: 0,
    max: 0,
    run: async (ctx) => {
      const body = await ctx.api.request<{ defaults: RouteDefaultView[]; node: string }>("GET", "/routes/defaults");
      show(ctx, body, (b) => `${table(["PRINCIPAL", "ROUTE"], b.defaults.map((d) => [d.principal, d.route]))}\nanyone else: ${b.node} (ROUTE_DEFAULT)`);
    },
  },
  {
    name: "route default set",
    usage: "<principal> <route>",
    summary: "the route a principal's calls take when they name none: auto, direct, forwarded, private or anonymous",
    details: "The principal is client:<client id>, token:<token id> or anonymous. A call names its own route with _meta[\"mcpfed/route\"].",
    min: 2,
    max: 2,
    run: async (ctx, [principal, route]) => {
      const parsed = routeRequest.safeParse(route);
      if (!parsed.success) throw new UsageError(`the route is one of ${routeRequest.options.join(", ")}`);
      const body = await ctx.api.request<{ principal: string; route: string }>("PUT", `/routes/defaults/${seg(principal!)}`, { route: parsed.data });
      show(ctx, body, (b) => `${b.principal}: ${b.route}`);
    },
  },
  {
    name: "route default clear",
    usage: "<principal>",
    summary: "remove a principal's default route (ROUTE_DEFAULT applies again)",
    min: 1,
    max: 1,
    run: async (ctx, [principal]) => {
      await ctx.api.request("DELETE", `/routes/defaults/${seg(principal!)}`);
      show(ctx, {}, () => `${principal}: ROUTE_DEFAULT`);
    },
  },
];
