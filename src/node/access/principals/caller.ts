// Who is on the other end of one /mcp request, and what the request may defer past its response.
import type { Span } from "../../tracing/tracer.ts";
import type { Principal } from "./principal.ts";

/** Who is on the other end of one /mcp request. */
export interface Caller {
  /** The principal's id, as the invocation log records it. */
  id: string;
  principal: Principal;
  defer: (work: Promise<unknown>) => void;
  /** The node's origin as this caller addressed it, for links sent back to it. */
  origin?: string;
  /** The span of this /mcp request, when tracing is on: the parent of the call's spans. */
  span?: Span | undefined;
  /**
   * In a 2025-11-25 session, whose requests may overlap: the span of the /mcp request that carried
   * each tools/call still to be dispatched, by its JSON-RPC id (taken when the call starts).
   */
  spans?: Map<string | number, Span>;
}
