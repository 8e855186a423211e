// The OTLP/JSON encoding of an ExportTraceServiceRequest (opentelemetry-proto, trace/v1): ids as
// lowercase hex, 64-bit times as decimal strings, enums as their numbers.
import { VERSION } from "../settings/version.ts";
import type { AttributeValue, FinishedSpan, SpanKind } from "./tracer.ts";

const KIND: Record<SpanKind, number> = { internal: 1, server: 2, client: 3 };
const STATUS_OK = 1;
const STATUS_ERROR = 2;

type AnyValue = { stringValue: string } | { intValue: string } | { doubleValue: number } | { boolValue: boolean };

function anyValue(v: AttributeValue): AnyValue {
  if (typeof v === "string") return { stringValue: v };
  if (typeof v === "boolean") return { boolValue: v };
  return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
}

const attributes = (a: Record<string, AttributeValue>) => Object.entries(a).map(([key, v]) => ({ key, value: anyValue(v) }));

export function exportTraceRequest(serviceName: string, spans: readonly FinishedSpan[]): unknown {
  return {
    resourceSpans: [
      {
        resource: { attributes: attributes({ "service.name": serviceName, "service.version": VERSION }) },
        scopeSpans: [
          {
            scope: { name: "mcpfed", version: VERSION },
            spans: spans.map((s) => ({
              traceId: s.traceId,
              spanId: s.spanId,
              ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
              ...(s.traceState ? { traceState: s.traceState } : {}),
              name: s.name,
              kind: KIND[s.kind],
              startTimeUnixNano: String(s.startNanos),
              endTimeUnixNano: String(s.endNanos),
              attributes: attributes(s.attributes),
              status: { code: s.error ? STATUS_ERROR : STATUS_OK },
            })),
          },
        ],
      },
    ],
  };
}
