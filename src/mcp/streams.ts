// Standing SSE streams (GET /mcp) that carry list_changed to clients that hold one. They live in
// the process or isolate that opened them, so a change is announced to the streams of the process
// where it happened; on Workers no stream is served, as an isolate cannot keep one usefully.

export type ListKind = "tools" | "resources" | "prompts";

const encoder = new TextEncoder();
/** Comments keep idle connections (and the proxies between) from timing out. */
const KEEPALIVE_MS = 25_000;

export class ListChangedStreams {
  readonly #open = new Set<ReadableStreamDefaultController<Uint8Array>>();

  get size(): number {
    return this.#open.size;
  }

  /** A stream that stays open until the client leaves, receiving only list_changed notifications. */
  open(signal: AbortSignal): Response {
    let controller: ReadableStreamDefaultController<Uint8Array>;
    let keepalive: ReturnType<typeof setInterval>;
    const close = () => {
      clearInterval(keepalive);
      if (this.#open.delete(controller)) {
        try {
          controller.close();
        } catch {
          // already closed by the client
        }
      }
    };
    const body = new ReadableStream<Uint8Array>({
      start: (c) => {
        controller = c;
        this.#open.add(c);
        c.enqueue(encoder.encode(": mcpfed list_changed stream\n\n"));
        keepalive = setInterval(() => this.#send(c, ": keepalive\n\n"), KEEPALIVE_MS);
        signal.addEventListener("abort", close, { once: true });
      },
      cancel: close,
    });
    return new Response(body, {
      headers: { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" },
    });
  }

  notify(kinds: readonly ListKind[]): void {
    if (this.#open.size === 0) return;
    const events = kinds
      .map((k) => `event: message\ndata: ${JSON.stringify({ jsonrpc: "2.0", method: `notifications/${k}/list_changed` })}\n\n`)
      .join("");
    for (const c of this.#open) this.#send(c, events);
  }

  #send(c: ReadableStreamDefaultController<Uint8Array>, text: string): void {
    try {
      c.enqueue(encoder.encode(text));
    } catch {
      this.#open.delete(c); // the client went away
    }
  }
}
