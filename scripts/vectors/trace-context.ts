// Trace context vectors (docs/protocol.md §5.7, test/vectors/tracing/trace-context.json): traceparent
// and tracestate values with what a receiver makes of them, and relayed calls carrying them: a valid
// value is kept, a malformed one is dropped while the call still parses. Every expectation is
// checked against the code before it is written.
import { callRequest } from "../../src/protocol/messages/relay.ts";
import { MAX_TRACESTATE_CHARS, parseTraceparent, tracestate } from "../../src/protocol/tracing/trace-context.ts";
import { agree, write } from "./common.ts";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT = "00f067aa0ba902b7";
const VALID = `00-${TRACE}-${PARENT}-01`;

const traceparents = [
  { name: "sampled", value: VALID, parsed: { traceId: TRACE, parentId: PARENT, sampled: true } },
  { name: "not sampled", value: `00-${TRACE}-${PARENT}-00`, parsed: { traceId: TRACE, parentId: PARENT, sampled: false } },
  { name: "other flags beside sampled", value: `00-${TRACE}-${PARENT}-03`, parsed: { traceId: TRACE, parentId: PARENT, sampled: true } },
  { name: "an all-zero trace id", value: `00-${"0".repeat(32)}-${PARENT}-01`, parsed: null },
  { name: "an all-zero parent id", value: `00-${TRACE}-${"0".repeat(16)}-01`, parsed: null },
  { name: "upper-case hex", value: VALID.toUpperCase(), parsed: null },
  { name: "version ff", value: `ff-${TRACE}-${PARENT}-01`, parsed: null },
  { name: "a later version (only 00 is read)", value: `01-${TRACE}-${PARENT}-01`, parsed: null },
  { name: "a short trace id", value: `00-${TRACE.slice(1)}-${PARENT}-01`, parsed: null },
  { name: "trailing data", value: `${VALID}-extra`, parsed: null },
  { name: "surrounding spaces", value: ` ${VALID} `, parsed: null },
  { name: "not a string", value: 42, parsed: null },
];
for (const t of traceparents) agree(t.name, t.parsed, parseTraceparent(t.value) ?? null);

const tracestates = [
  { name: "one member", value: "congo=t61rcWkgMzE", valid: true },
  { name: "a multi-tenant key", value: "fw529a3039@dt=b7ad6b7169203331,rojo=00f067aa0ba902b7", valid: true },
  { name: "32 members", value: Array.from({ length: 32 }, (_, i) => `k${i}=v`).join(","), valid: true },
  { name: "33 members", value: Array.from({ length: 33 }, (_, i) => `k${i}=v`).join(","), valid: false },
  { name: "a key twice", value: "congo=a,congo=b", valid: false },
  { name: "an upper-case key", value: "Congo=a", valid: false },
  { name: "a value with =", value: "congo=a=b", valid: false },
  { name: "an empty value", value: "congo=", valid: false },
  { name: `longer than ${MAX_TRACESTATE_CHARS} characters`, value: `k=${"v".repeat(MAX_TRACESTATE_CHARS)}`, valid: false },
  { name: "empty", value: "", valid: false },
];
for (const t of tracestates) agree(t.name, t.valid, tracestate.safeParse(t.value).success);

const call = { type: "call", key: "archive/search", arguments: { q: "x" }, intent: {}, timeoutMs: 30_000, progress: false, countersigned: [] };
const calls = [
  { name: "a call with a traceparent and a tracestate", message: { ...call, traceparent: VALID, tracestate: "congo=t61rcWkgMzE" }, traceparent: VALID, tracestate: "congo=t61rcWkgMzE" },
  { name: "a call without trace context", message: call, traceparent: null, tracestate: null },
  { name: "a malformed traceparent, dropped", message: { ...call, traceparent: `00-${TRACE}-${PARENT}` }, traceparent: null, tracestate: null },
  { name: "a traceparent that is not a string, dropped", message: { ...call, traceparent: { traceId: TRACE } }, traceparent: null, tracestate: null },
  { name: "a malformed tracestate, dropped, the traceparent kept", message: { ...call, traceparent: VALID, tracestate: "a=b,a=c" }, traceparent: VALID, tracestate: null },
];
for (const c of calls) {
  const parsed = callRequest.safeParse(c.message);
  agree(`${c.name}: parses`, true, parsed.success);
  agree(`${c.name}: traceparent`, c.traceparent, parsed.data?.traceparent ?? null);
  agree(`${c.name}: tracestate`, c.tracestate, parsed.data?.tracestate ?? null);
}

write("tracing/trace-context.json", {
  about: "W3C Trace Context level 1 (version 00) in a relayed call (docs/protocol.md §5.7): parsed parts or null, tracestate validity, and what a call keeps of each.",
  traceparents,
  tracestates,
  calls,
});
