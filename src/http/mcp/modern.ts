// The 2026-07-28 era on POST /mcp: every request carries its own _meta envelope (protocol version,
// client info and capabilities), so no request depends on another. The SDK's handler checks the
// envelope, the Mcp-Method/Mcp-Name headers against the body and the protocol version, answers
// server/discover, adds cache hints to list results and serves subscriptions/listen.
import { createMcpHandler, type AuthInfo, type McpHttpHandler } from "@modelcontextprotocol/server";
import type { Caller } from "../../node/access/principals/caller.ts";
import type { Services } from "../../node/services.ts";
import { buildServer } from "./server.ts";
import { withResourceSubscriptions } from "./listen-subscriptions.ts";
import { paramHeaderRefusal } from "./param-header-check.ts";

/** The caller rides to the per-request server factory in the auth info, which the SDK passes through untouched. */
interface CallerAuth extends AuthInfo {
  extra: { caller: Caller };
}

export interface ModernEndpoint {
  serve(caller: Caller, request: Request, body: unknown): Promise<Response>;
}

export function modernEndpoint(s: Services): ModernEndpoint {
  const handler: McpHttpHandler = createMcpHandler(
    (ctx) => {
      const caller = (ctx.authInfo as CallerAuth | undefined)?.extra.caller;
      // Only serve() reaches the handler, and it always passes a caller.
      if (!caller) throw new Error("a modern request reached the MCP handler without its caller");
      return buildServer(s, caller);
    },
    {
      // Requests without the envelope are served by the legacy path before they get here.
      legacy: "reject",
      maxSubscriptions: s.config.maxStreams,
    },
  );
  // One delivery for every listen stream: the SDK sends an update only on the streams that asked for its URI.
  const resourceUpdated = (uri: string) => handler.notify.resourceUpdated(uri);
  // A listen stream is held open like a GET stream: only where the platform keeps one.
  if (s.platform.standingStreams) {
    s.streams.onNotify((kinds) => {
      for (const kind of kinds) {
        if (kind === "tools") handler.notify.toolsChanged();
        else if (kind === "resources") handler.notify.resourcesChanged();
        else handler.notify.promptsChanged();
      }
    });
  }
  return {
    async serve(caller, request, body) {
      const refused = await paramHeaderRefusal(s, caller, request, body);
      if (refused) return refused;
      const authInfo: CallerAuth = { token: "", clientId: caller.id, scopes: [], extra: { caller } };
      return withResourceSubscriptions(s, caller, request, body, resourceUpdated, () => handler.fetch(request, { parsedBody: body, authInfo }));
    },
  };
}
