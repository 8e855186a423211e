// The call to an upstream MCP server (`upstream.call`), a local caller's or a peer's, as a client
// span under the span that routed it; without a tracer the call runs as it is.
import { outcomeOf } from "./outcome.ts";
import type { Span, Tracer } from "./tracer.ts";

export async function upstreamSpan<T>(tracer: Tracer | undefined, parent: Span | undefined, upstream: string, call: () => Promise<T>): Promise<T> {
  if (!tracer) return call();
  const span = tracer.start("upstream.call", "client", parent, { "mcpfed.upstream": upstream });
  try {
    const result = await call();
    span.end(outcomeOf(result));
    return result;
  } catch (err) {
    span.end(outcomeOf(err));
    throw err;
  }
}
