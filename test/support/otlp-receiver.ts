// A small OTLP/HTTP receiver on loopback: it takes `POST /v1/traces` in the OTLP JSON encoding and
// keeps every span with its service's name. No OpenTelemetry collector can be installed here
// (docs/testing.md); this reads the same requests one would, checking their shape as it goes.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  traceState: string | undefined;
  name: string;
  kind: number;
  attributes: Record<string, string | number | boolean>;
  status: number;
}

interface AnyValue {
  stringValue?: string;
  intValue?: string;
  doubleValue?: number;
  boolValue?: boolean;
}

export interface OtlpReceiver {
  url: string;
  spans: ReceivedSpan[];
  /** Requests that were not a valid ExportTraceServiceRequest. */
  malformed: string[];
  headers: Record<string, string | string[] | undefined>[];
  close(): Promise<void>;
}

const HEX = (n: number) => new RegExp(`^[0-9a-f]{${n}}$`);

function readSpans(body: unknown, into: ReceivedSpan[]): void {
  const resourceSpans = (body as { resourceSpans?: unknown }).resourceSpans;
  if (!Array.isArray(resourceSpans)) throw new Error("no resourceSpans");
  for (const rs of resourceSpans as { resource: { attributes: { key: string; value: AnyValue }[] }; scopeSpans: { spans: Record<string, unknown>[] }[] }[]) {
    const service = rs.resource.attributes.find((a) => a.key === "service.name")?.value.stringValue;
    if (!service) throw new Error("no service.name");
    for (const ss of rs.scopeSpans) {
      for (const s of ss.spans) {
        const { traceId, spanId, parentSpanId, traceState, name, kind, startTimeUnixNano, endTimeUnixNano } = s as Record<string, string | number | undefined>;
        if (!HEX(32).test(String(traceId)) || !HEX(16).test(String(spanId))) throw new Error(`bad ids ${traceId} ${spanId}`);
        if (parentSpanId !== undefined && !HEX(16).test(String(parentSpanId))) throw new Error(`bad parent ${parentSpanId}`);
        if (!/^\d+$/.test(String(startTimeUnixNano)) || !/^\d+$/.test(String(endTimeUnixNano)) || BigInt(endTimeUnixNano!) < BigInt(startTimeUnixNano!)) throw new Error("bad times");
        const attributes: ReceivedSpan["attributes"] = {};
        for (const a of s.attributes as { key: string; value: AnyValue }[]) {
          const v = a.value;
          attributes[a.key] = v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : (v.doubleValue ?? v.boolValue!));
        }
        into.push({ service, traceId: String(traceId), spanId: String(spanId), parentSpanId: parentSpanId as string | undefined, traceState: traceState as string | undefined, name: String(name), kind: Number(kind), attributes, status: (s.status as { code: number }).code });
      }
    }
  }
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const malformed: string[] = [];
  const headers: OtlpReceiver["headers"] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.method !== "POST" || req.url !== "/v1/traces" || req.headers["content-type"] !== "application/json") {
        malformed.push(`${req.method} ${req.url} ${req.headers["content-type"]}`);
        res.writeHead(404).end();
        return;
      }
      headers.push(req.headers);
      try {
        readSpans(JSON.parse(Buffer.concat(chunks).toString("utf8")), spans);
        res.writeHead(200, { "content-type": "application/json" }).end("{}");
      } catch (err) {
        malformed.push(String(err));
        res.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, spans, malformed, headers, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
