// Trace context across the federated hop (docs/protocol.md §5.7): W3C Trace Context level 1,
// version 00, carried in a relayed call's sealed and signed plaintext. It parents spans and is
// trusted for nothing else; a value that does not parse is dropped, never a reason to refuse.
import { z } from "zod";

/** The feature (§2, since issue 19) under which a call may carry `traceparent` and `tracestate`. */
export const TRACE_CONTEXT_FEATURE = "trace-context";
/** W3C's `tracestate` may hold 32 list members; this protocol also bounds its text. */
export const MAX_TRACESTATE_MEMBERS = 32;
export const MAX_TRACESTATE_CHARS = 512;

/** version 00, a 16-byte trace id, an 8-byte parent id, the flags; all lowercase hex. */
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ZERO_TRACE = "0".repeat(32);
const ZERO_SPAN = "0".repeat(16);

export const traceparent = z
  .string()
  .regex(TRACEPARENT, "a W3C traceparent of version 00")
  .refine((t) => t.slice(3, 35) !== ZERO_TRACE && t.slice(36, 52) !== ZERO_SPAN, "a trace id and a parent id that are not all zeros");

// A key: simple (lowercase) or multi-tenant (tenant@system); a value: printable ASCII without , or =.
const MEMBER = /^(?:[a-z][a-z0-9_*/-]{0,255}|[a-z0-9][a-z0-9_*/-]{0,240}@[a-z][a-z0-9_*/-]{0,13})=[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/;

export const tracestate = z
  .string()
  .min(1)
  .max(MAX_TRACESTATE_CHARS)
  .refine((s) => {
    const members = s.split(",").map((m) => m.trim());
    return members.length <= MAX_TRACESTATE_MEMBERS && members.every((m) => MEMBER.test(m)) && new Set(members.map((m) => m.split("=")[0])).size === members.length;
  }, `at most ${MAX_TRACESTATE_MEMBERS} distinct key=value members`);

/** The fields a message carries: each optional, and a malformed one read as absent. */
export const traceFields = {
  traceparent: traceparent.optional().catch(undefined),
  tracestate: tracestate.optional().catch(undefined),
};

export interface TraceParent {
  traceId: string;
  parentId: string;
  sampled: boolean;
  /** The vendors' `tracestate` that came with it, passed on unchanged. */
  tracestate?: string;
}

/**
 * A traceparent's parts, or undefined when it is not a valid one; with the `tracestate` that came
 * beside it when that is valid (W3C: a tracestate without a valid traceparent is dropped).
 */
export function parseTraceparent(value: unknown, state?: unknown): TraceParent | undefined {
  const parsed = traceparent.safeParse(value);
  if (!parsed.success) return undefined;
  const [, traceId, parentId, flags] = TRACEPARENT.exec(parsed.data)!;
  const vendors = tracestate.safeParse(state);
  return { traceId: traceId!, parentId: parentId!, sampled: (parseInt(flags!, 16) & 1) === 1, ...(vendors.success ? { tracestate: vendors.data } : {}) };
}

export function formatTraceparent(traceId: string, spanId: string, sampled: boolean): string {
  return `00-${traceId}-${spanId}-${sampled ? "01" : "00"}`;
}
