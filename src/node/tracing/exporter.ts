// Finished spans, batched and POSTed to the collector (`<endpoint>/v1/traces`, OTLP/HTTP JSON)
// through the outbound guard. A batch goes when it is full, or after a request: at once where I/O
// is request-scoped (Workers: on that request's waitUntil), elsewhere within BATCH_DELAY_MS, with
// the spans of every request that ended meanwhile (one POST per request would cost the call more).
// Spans beyond the buffer, and batches the collector refuses, are dropped and counted: tracing
// never holds up or fails a call.
import { log } from "../logging/log.ts";
import type { Outbound } from "../outbound/outbound.ts";
import type { Config } from "../settings/config.ts";
import { exportTraceRequest } from "./otlp-json.ts";
import type { FinishedSpan, SpanSink } from "./tracer.ts";

/** Spans per request to the collector, and spans held at most while one is in flight. */
const BATCH = 256;
const MAX_HELD = 2048;
const TIMEOUT_MS = 10_000;
const BATCH_DELAY_MS = 1000;

export class OtlpExporter implements SpanSink {
  #held: FinishedSpan[] = [];
  #sending: Promise<void> = Promise.resolve();
  /** Spans dropped since the last log line about it. */
  #dropped = 0;
  /** The send after requests, while one is scheduled. */
  #soon: Promise<void> | undefined;

  constructor(
    private readonly o: { outbound: Outbound; traces: NonNullable<Config["traces"]>; defer: (work: Promise<unknown>) => void; requestScopedIo: boolean },
  ) {}

  afterRequest(): Promise<void> {
    if (this.o.requestScopedIo) return this.flush();
    return (this.#soon ??= new Promise((resolve) => setTimeout(resolve, BATCH_DELAY_MS)).then(() => {
      this.#soon = undefined;
      return this.flush();
    }));
  }

  add(span: FinishedSpan): void {
    if (this.#held.length >= MAX_HELD) {
      this.#dropped++;
      return;
    }
    this.#held.push(span);
    if (this.#held.length >= BATCH) this.o.defer(this.flush());
  }

  /** Sends what is held, after any send in flight; resolves when it is sent or dropped. */
  flush(): Promise<void> {
    this.#sending = this.#sending.then(async () => {
      while (this.#held.length > 0) await this.#send(this.#held.splice(0, BATCH));
      if (this.#dropped > 0) log.warn("traces.dropped", { spans: this.#dropped });
      this.#dropped = 0;
    });
    return this.#sending;
  }

  async #send(spans: FinishedSpan[]): Promise<void> {
    const { endpoint, headers, serviceName } = this.o.traces;
    try {
      const res = await this.o.outbound.request(
        `${endpoint}/v1/traces`,
        { method: "POST", headers: { ...headers, "content-type": "application/json" }, body: JSON.stringify(exportTraceRequest(serviceName, spans)) },
        TIMEOUT_MS,
      );
      await res.body?.cancel().catch(() => {});
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
    } catch (err) {
      this.#dropped += spans.length;
      // The endpoint's headers may hold a key: they are never logged, only what failed.
      log.warn("traces.export_failed", { error: err instanceof Error ? `${err.name}: ${err.message.slice(0, 120)}` : "error" });
    }
  }
}
