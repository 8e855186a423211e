// The route a call asked for, read at the MCP boundary: `_meta["mcpfed/route"]` on tools/call.
import { ProtocolError, ProtocolErrorCode } from "@modelcontextprotocol/server";
import { ROUTE_META, routeRequest, type RouteRequest } from "../../protocol/routes/roles.ts";

export { ROUTE_KINDS, ROUTE_META, type RouteKind, type RouteRequest } from "../../protocol/routes/roles.ts";

/** The route named in a request's `_meta`, if any; an unknown value is the caller's error (InvalidParams). */
export function requestedRoute(meta: Record<string, unknown> | undefined): RouteRequest | undefined {
  const raw = meta?.[ROUTE_META];
  if (raw === undefined) return undefined;
  const parsed = routeRequest.safeParse(raw);
  if (!parsed.success) {
    throw new ProtocolError(ProtocolErrorCode.InvalidParams, `_meta["${ROUTE_META}"] must be one of ${routeRequest.options.join(", ")}`, { type: "bad_route" });
  }
  return parsed.data;
}
