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

interface RoutesView {
  origin: string;
  cardHeld: boolean;
  direct: boolean;
  forwarded: { via: string; name: string; cardCameThrough: boolean; claimsOrigin?: true; fee?: { amount: number; unit: string }; overCap?: true }[];
  private: { gateway: boolean; relays: { via: string; name: string }[] };
  anonymous: { hops: number; exits: number; enough: boolean };
}

function describeRoutes(r: RoutesView): string {
  const rows: string[][] = [
    ["direct", r.direct ? "yes: an active peer" : "no: not an active peer"],
    [
      "forwarded",
      !r.cardHeld
        ? "no: this node holds no card of it"
        : r.forwarded.length === 0
          ? "no: no active peer offers route-forward"
          : r.forwarded.map((f) => `via ${f.name} (${f.via})${f.claimsOrigin ? ", claims to reach it" : ""}${f.cardCameThrough ? ", its card came through it" : ""}${f.fee ? `, fee ${f.fee.amount} ${f.fee.unit}${f.overCap ? " (over FORWARD_FEE_MAX: not used)" : ""}` : ""}`).join("; "),
    ],
    ["private", !r.private.gateway ? "no: it offers no ohttp-gateway" : r.private.relays.length === 0 ? "no: no active peer offers ohttp-relay" : r.private.relays.map((p) => `via ${p.name} (${p.via})`).join("; ")],
    ["anonymous", `${r.anonymous.enough ? "yes" : "no"}: cards of ${r.anonymous.hops} onion-hop nodes (${r.anonymous.exits} exits) held; 3 hops needed`],
  ];
  return table(["ROUTE", "TO " + r.origin], rows);
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
    summary: "the route a principal's calls take when they name none: auto, direct, forwarded, private, anonymous or anonymous-surb",
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
  {
    name: "route",
    usage: "<origin>",
    summary: "the ways this node can reach an origin (a node id): direct, forwarded via which peers, private, anonymous",
    min: 1,
    max: 1,
    run: async (ctx, [origin]) => {
      const body = await ctx.api.request<{ routes: RoutesView }>("GET", `/routes/${seg(origin!)}`);
      show(ctx, body, (b) => describeRoutes(b.routes));
    },
  },
];
