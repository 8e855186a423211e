// Spans of a call through this node (docs/observability.md): the MCP request, the catalog's
// routing, the hop to a peer and, at the provider, the inbound hop and the upstream call. Sampling
// is parent-based: a parent's sampled flag is followed, a root is sampled. Ids come from WebCrypto.
import { formatTraceparent, type TraceParent } from "../../protocol/tracing/trace-context.ts";

export type SpanKind = "internal" | "server" | "client";
export type AttributeValue = string | number | boolean;

/** A span as it ended: what the exporter encodes. */
export interface FinishedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  traceState: string | undefined;
  name: string;
  kind: SpanKind;
  startNanos: bigint;
  endNanos: bigint;
  attributes: Record<string, AttributeValue>;
  error: boolean;
}

export interface SpanSink {
  add(span: FinishedSpan): void;
  /** Sends what is held; resolves when it is sent or dropped. */
  flush(): Promise<void>;
  /** Sends what is held once a request is answered, perhaps with later requests' spans. */
  afterRequest(): Promise<void>;
}

function randomHex(bytes: number): string {
  const b = crypto.getRandomValues(new Uint8Array(bytes));
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

/** Wall-clock nanoseconds, with performance.now()'s resolution where the runtime gives it. */
function nowNanos(): bigint {
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n;
}

export class Span {
  readonly spanId = randomHex(8);
  readonly #start = nowNanos();
  readonly #attributes: Record<string, AttributeValue>;
  #error = false;
  #ended = false;

  constructor(
    readonly traceId: string,
    readonly sampled: boolean,
    /** The parent's vendors' state, passed on to the next hop unchanged. */
    readonly tracestate: string | undefined,
    readonly parentSpanId: string | undefined,
    readonly name: string,
    readonly kind: SpanKind,
    attributes: Record<string, AttributeValue>,
    private readonly sink: SpanSink,
  ) {
    this.#attributes = { ...attributes };
  }

  /** This span as the parent of the next hop's. */
  get traceparent(): string {
    return formatTraceparent(this.traceId, this.spanId, this.sampled);
  }

  get context(): TraceParent {
    return { traceId: this.traceId, parentId: this.spanId, sampled: this.sampled, ...(this.tracestate ? { tracestate: this.tracestate } : {}) };
  }

  set(attributes: Record<string, AttributeValue | undefined>): this {
    for (const [k, v] of Object.entries(attributes)) if (v !== undefined) this.#attributes[k] = v;
    return this;
  }

  /** Ends the span with its outcome (`mcpfed.outcome`); an unsampled span is dropped here. Only the first end counts. */
  end(outcome: string, error = outcome !== "ok"): void {
    if (this.#ended) return;
    this.#ended = true;
    if (!this.sampled) return;
    this.#attributes["mcpfed.outcome"] = outcome;
    this.#error = error;
    this.sink.add({
      traceId: this.traceId,
      spanId: this.spanId,
      parentSpanId: this.parentSpanId,
      traceState: this.tracestate,
      name: this.name,
      kind: this.kind,
      startNanos: this.#start,
      endNanos: nowNanos(),
      attributes: this.#attributes,
      error: this.#error,
    });
  }
}

export class Tracer {
  constructor(private readonly sink: SpanSink) {}

  /** Sends the spans a request ended: called by the work that ended them, on its defer. */
  afterRequest(): Promise<void> {
    return this.sink.afterRequest();
  }

  /** Sends every span held now (the node is closing). */
  flush(): Promise<void> {
    return this.sink.flush();
  }

  /** A span under `parent` (a span of this node, or a context from a client or a peer), or the root of a new trace. */
  start(name: string, kind: SpanKind, parent: Span | TraceParent | undefined, attributes: Record<string, AttributeValue> = {}): Span {
    const context = parent instanceof Span ? parent.context : parent;
    return new Span(context?.traceId ?? randomHex(16), context?.sampled ?? true, context?.tracestate, context?.parentId, name, kind, attributes, this.sink);
  }
}
