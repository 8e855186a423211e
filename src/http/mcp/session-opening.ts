// Which requests open a 2025-11-25 session, and what the session's client declared and asked for.
import type { Server } from "@modelcontextprotocol/server";
import { interactiveCapabilities, type InteractiveCapabilities } from "../../node/interactive/input-requests.ts";
import { logLevel, type LogLevel } from "../../protocol/messages/relay.ts";
import type { SessionClient } from "./interaction.ts";

/** An initialize: every client that opens with one gets a session (where the runtime keeps one). */
export function opensSession(messages: unknown[]): boolean {
  return messages.some((m) => (m as { method?: unknown }).method === "initialize");
}

/**
 * The session's client, as its server learns it: the capabilities its initialize declared, and
 * the level its logging/setLevel asked for. The node keeps the level itself (rather than the SDK's
 * own handler) because a level is what makes a call open an upstream session of its own to carry
 * the upstream's log messages; with none set, calls share the pooled sessions.
 */
export function sessionClient(server: Server): SessionClient {
  let level: LogLevel | undefined;
  server.setRequestHandler("logging/setLevel", (req) => {
    // The SDK has validated the level against the same eight names.
    const parsed = logLevel.safeParse(req.params.level);
    if (parsed.success) level = parsed.data;
    return {};
  });
  return {
    capabilities: (): InteractiveCapabilities | undefined => {
      const caps = interactiveCapabilities.safeParse(server.getClientCapabilities() ?? {});
      return caps.success ? caps.data : undefined;
    },
    logLevel: () => level,
  };
}
