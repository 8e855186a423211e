// A tools/call inside its routing span (`catalog.route`), when tracing is on: under the /mcp
// request's span, naming the tool and whether it went to a local upstream or a peer; what
// happens next (the upstream call, the hop to a peer) goes under it.
import type { CallToolResult } from "@modelcontextprotocol/server";
import type { Caller } from "../../node/access/principals/caller.ts";
import type { Services } from "../../node/services.ts";
import type { Span } from "../../node/tracing/tracer.ts";
import { outcomeOf } from "../../node/tracing/outcome.ts";

export function tracedToolCall<Req extends { params: { name: string } }, Ctx>(
  s: Pick<Services, "tracer">,
  caller: Caller,
  handler: (req: Req, ctx: Ctx, span: Span | undefined) => Promise<CallToolResult>,
): (req: Req, ctx: Ctx) => Promise<CallToolResult> {
  const tracer = s.tracer;
  if (!tracer) return (req, ctx) => handler(req, ctx, undefined);
  return async (req, ctx) => {
    const span = tracer.start("catalog.route", "internal", caller.span, { "mcpfed.tool": req.params.name.slice(0, 256) });
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
