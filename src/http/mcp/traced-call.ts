// A tools/call inside its routing span (`catalog.route`), when tracing is on: under the /mcp
// request's span, naming the tool and whether it went to a local upstream or a peer; what
// happens next (the upstream call, the hop to a peer) goes under it.
import type { CallToolResult } from "@modelcontextprotocol/server";
import type { Caller } from "../../node/access/principals/caller.ts";
import type { Services } from "../../node/services.ts";
import type { Span } from "../../node/tracing/tracer.ts";
import { outcomeOf } from "../../node/tracing/outcome.ts";

/** How many tools/call spans a session keeps waiting for their dispatch (ids never dispatched give way). */
const WAITING_SPANS = 64;

/** Notes `span` as the parent of the tools/call requests among `messages` (a session's POST). */
export function awaitDispatch(caller: Caller, messages: unknown[], span: Span): void {
  const spans = (caller.spans ??= new Map());
  for (const m of messages as { method?: unknown; id?: unknown }[]) {
    if (m.method !== "tools/call" || (typeof m.id !== "string" && typeof m.id !== "number")) continue;
    spans.delete(m.id);
    spans.set(m.id, span);
    if (spans.size > WAITING_SPANS) spans.delete(spans.keys().next().value!);
  }
}

/** The parent of a call's spans: its own request's span in a session, else the caller's. */
function parentOf(caller: Caller, id: string | number): Span | undefined {
  const own = caller.spans?.get(id);
  if (own) caller.spans!.delete(id);
  return own ?? caller.span;
}

export function tracedToolCall<Req extends { params: { name: string } }, Ctx extends { mcpReq: { id: string | number } }>(
  s: Pick<Services, "tracer">,
  caller: Caller,
  handler: (req: Req, ctx: Ctx, span: Span | undefined) => Promise<CallToolResult>,
): (req: Req, ctx: Ctx) => Promise<CallToolResult> {
  const tracer = s.tracer;
  if (!tracer) return (req, ctx) => handler(req, ctx, undefined);
  return async (req, ctx) => {
    const span = tracer.start("catalog.route", "internal", parentOf(caller, ctx.mcpReq.id), { "mcpfed.tool": req.params.name.slice(0, 256) });
    try {
      const result = await handler(req, ctx, span);
      span.end(outcomeOf(result));
      return result;
    } catch (err) {
      span.end(outcomeOf(err));
      throw err;
    } finally {
      caller.defer(tracer.afterRequest());
    }
  };
}
