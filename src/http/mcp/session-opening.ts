// Which requests open a 2025-11-25 session, and what the session's client declared.
import type { Server } from "@modelcontextprotocol/server";
import { canAnswer, interactiveCapabilities, type InteractiveCapabilities } from "../../node/interactive/input-requests.ts";

interface Message {
  id?: unknown;
  method?: unknown;
  params?: unknown;
}

/** An initialize from a client that can be asked something: only it gains from a session. */
export function opensSession(messages: unknown[]): boolean {
  return messages.some((m) => {
    const msg = m as Message;
    if (msg.method !== "initialize") return false;
    const caps = interactiveCapabilities.safeParse((msg.params as { capabilities?: unknown } | undefined)?.capabilities ?? {});
    return caps.success && canAnswer(caps.data);
  });
}

export function sessionCapabilities(server: Server): InteractiveCapabilities | undefined {
  const caps = interactiveCapabilities.safeParse(server.getClientCapabilities() ?? {});
  return caps.success ? caps.data : undefined;
}
