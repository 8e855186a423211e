// The trace settings (OTEL_EXPORTER_OTLP_ENDPOINT, _HEADERS, OTEL_SERVICE_NAME): off unless an
// endpoint is set, OpenTelemetry's header list parsed and percent-decoded, a malformed one refused
// without its value in the message; and the OTLP JSON a batch of spans becomes.
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/node/settings/config.ts";
import { exportTraceRequest } from "../../src/node/tracing/otlp-json.ts";
import { Tracer, type FinishedSpan } from "../../src/node/tracing/tracer.ts";

const base = { ADMIN_TOKEN: "x".repeat(16), NODE_SEED: "A".repeat(43), NODE_NAME: "west" };

describe("trace settings", () => {
  it("are off unless an endpoint is set", () => {
    expect(loadConfig(base).traces).toBeUndefined();
    expect(loadConfig({ ...base, OTEL_EXPORTER_OTLP_HEADERS: "a=b" }).traces).toBeUndefined();
  });

  it("take the endpoint without a trailing slash, the headers decoded, the node's name as the default service", () => {
    const traces = loadConfig({ ...base, OTEL_EXPORTER_OTLP_ENDPOINT: "https://otel.example:4318/", OTEL_EXPORTER_OTLP_HEADERS: "Api-Key=s%3Dcret, x-tenant = ops " }).traces;
    expect(traces).toEqual({ endpoint: "https://otel.example:4318", headers: { "api-key": "s=cret", "x-tenant": "ops" }, serviceName: "west" });
    expect(loadConfig({ ...base, OTEL_EXPORTER_OTLP_ENDPOINT: "https://otel.example", OTEL_SERVICE_NAME: "edge" }).traces?.serviceName).toBe("edge");
  });

  it.each([
    ["a pair without =", "api-key"],
    ["an empty name", "=value"],
    ["a name with a space", "api key=v"],
    ["a bad percent escape", "api-key=%zz-secret"],
    ["an encoded line break", "api-key=a%0D%0Ab"],
  ])("refuse %s, never echoing the value", (_n, headers) => {
    expect(() => loadConfig({ ...base, OTEL_EXPORTER_OTLP_ENDPOINT: "https://otel.example", OTEL_EXPORTER_OTLP_HEADERS: headers })).toThrow(/OTEL_EXPORTER_OTLP_HEADERS/);
    try {
      loadConfig({ ...base, OTEL_EXPORTER_OTLP_ENDPOINT: "https://otel.example", OTEL_EXPORTER_OTLP_HEADERS: headers });
    } catch (err) {
      expect(String(err)).not.toContain("secret");
    }
  });

  it("refuse an endpoint that is not http(s)", () => {
    expect(() => loadConfig({ ...base, OTEL_EXPORTER_OTLP_ENDPOINT: "grpc://otel.example:4317" })).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT/);
  });
});

describe("OTLP JSON", () => {
  it("encodes a parent and a child span with hex ids, nanosecond strings and numeric enums", () => {
    const ended: FinishedSpan[] = [];
    const tracer = new Tracer({ add: (s) => ended.push(s), flush: async () => {}, afterRequest: async () => {} });
    const parent = tracer.start("relay.call", "client", undefined, { "mcpfed.peer": "p" });
    const child = tracer.start("upstream.call", "client", parent, { n: 3, ratio: 0.5, cached: false });
    child.end("tool_error");
    parent.end("ok");
    const body = exportTraceRequest("west", ended) as { resourceSpans: { resource: unknown; scopeSpans: { spans: Record<string, unknown>[] }[] }[] };
    expect(body.resourceSpans[0]!.resource).toMatchObject({ attributes: expect.arrayContaining([{ key: "service.name", value: { stringValue: "west" } }]) });
    const [c, p] = body.resourceSpans[0]!.scopeSpans[0]!.spans;
    expect(p).toMatchObject({ traceId: parent.traceId, spanId: parent.spanId, name: "relay.call", kind: 3, status: { code: 1 } });
    expect(p).not.toHaveProperty("parentSpanId");
    expect(c).toMatchObject({ traceId: parent.traceId, parentSpanId: parent.spanId, kind: 3, status: { code: 2 } });
    expect(c!.attributes).toEqual([
      { key: "n", value: { intValue: "3" } },
      { key: "ratio", value: { doubleValue: 0.5 } },
      { key: "cached", value: { boolValue: false } },
      { key: "mcpfed.outcome", value: { stringValue: "tool_error" } },
    ]);
    expect(String(c!.startTimeUnixNano)).toMatch(/^\d{19}$/);
    expect(BigInt(c!.endTimeUnixNano as string)).toBeGreaterThanOrEqual(BigInt(c!.startTimeUnixNano as string));
    expect(parent.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(parent.spanId).toMatch(/^[0-9a-f]{16}$/);
  });
});
