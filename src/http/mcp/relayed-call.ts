// A tools/call on a peer's tool, with what the client can do in its era: a 2026-07-28 client's
// capabilities, log level and retry go to the provider, and the provider's input_required comes
// back as it is; a 2025-11-25 client in a session is asked each question on its stream while
// this node relays the retries; any other client gets a result or a clear error.
import { LOG_LEVEL_META_KEY, type CallToolResult, type ServerContext } from "@modelcontextprotocol/server";
import type { Caller } from "../../node/access/principals/caller.ts";
import { canAnswer, type InputRequest } from "../../node/interactive/input-requests.ts";
import { guardedAsk } from "../../node/interactive/input-rounds.ts";
import { answerRounds } from "../../node/relay/client-rounds.ts";
import { completedOnly, relayToolCall, type RelayedCall, type RelayedInputRequired } from "../../node/relay/consumer.ts";
import type { LogEntry } from "../../node/relay/upstream-logs.ts";
import type { Services } from "../../node/services.ts";
import { logLevel } from "../../protocol/messages/relay.ts";
import type { SessionClient } from "./interaction.ts";
import { relayedClientInput } from "./relayed-input.ts";

export async function relayedInteractiveCall(s: Services, caller: Caller, session: SessionClient | undefined, ctx: ServerContext, call: RelayedCall): Promise<CallToolResult | RelayedInputRequired> {
  // The SDK applies the client's level (setLevel, or the request's envelope) to what it sends.
  const onlog = (entry: LogEntry) => void ctx.mcpReq.log(entry.level, entry.data, entry.logger).catch(() => {});
  const modern = relayedClientInput(ctx);
  if (modern) {
    const level = logLevel.safeParse((ctx.mcpReq.envelope as Record<string, unknown>)[LOG_LEVEL_META_KEY]);
    return relayToolCall(s, caller, { ...call, ...modern, ...(level.success ? { logLevel: level.data, onlog } : {}) });
  }
  const caps = session?.capabilities();
  // The provider filters by the session's level; none set, none asked for.
  const level = session?.logLevel();
  const logs = level ? { logLevel: level, onlog } : {};
  if (!caps || !canAnswer(caps)) return completedOnly(await relayToolCall(s, caller, { ...call, ...logs }));
  const ask = guardedAsk(caps, (request: InputRequest, signal) => ctx.mcpReq.send(request as never, { signal }) as Promise<Record<string, unknown>>);
  return answerRounds((input) => relayToolCall(s, caller, { ...call, capabilities: caps, input, ...logs }), ask, call.signal ?? ctx.mcpReq.signal);
}
