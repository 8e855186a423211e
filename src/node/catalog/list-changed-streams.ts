// Standing SSE streams (GET /mcp) that carry list_changed to clients that hold one, and the
// resources/updated of their holder's 2025-11-25 subscriptions. They live in
// the process or isolate that opened them, so a change is announced to the streams of the process
// where it happened; on Workers no stream is served, as an isolate cannot keep one usefully.
// Each stream holds a connection and a timer, so they are capped per principal and in total.

export type ListKind = "tools" | "resources" | "prompts";

const encoder = new TextEncoder();
/** Comments keep idle connections (and the proxies between) from timing out. */
const KEEPALIVE_MS = 25_000;

/** A stream refused because its holder, or the process, already holds as many as allowed. */
export class StreamCapError extends Error {
  override name = "StreamCapError";
  constructor(
    readonly scope: "principal" | "total",
    readonly max: number,
  ) {
    super(scope === "principal" ? `at most ${max} standing streams per caller` : `this node holds its maximum of ${max} standing streams`);
  }
}

export class ListChangedStreams {
  /** Each open stream, with the principal holding it. */
  readonly #open = new Map<ReadableStreamDefaultController<Uint8Array>, string>();
  readonly #held = new Map<string, number>();
  /** Others told of each change: the 2026-07-28 era's subscriptions/listen streams. */
  readonly #listeners = new Set<(kinds: readonly ListKind[]) => void>();
  /** Told when a principal's last stream closes. */
  readonly #goneListeners = new Set<(holder: string) => void>();
  /** 2026-07-28 listen streams that asked for list changes, counted with the GET streams below. */
  #listens = 0;
  #listening = false;
  /** Told when the first client starts listening for list changes, and when the last stops. */
  readonly #listeningListeners = new Set<(listening: boolean) => Promise<void>>();
  /** Settles when those told of the last change are ready (the upstreams listen in turn). */
  #ready: Promise<void> = Promise.resolve();

  constructor(private readonly caps: { perPrincipal: number; total: number }) {}

  get size(): number {
    return this.#open.size;
  }

  /**
   * A stream that stays open until the client leaves, receiving only list_changed notifications.
   * Throws a StreamCapError when `holder` or the process is at its cap.
   */
  open(signal: AbortSignal, holder: string): Response {
    if (this.#open.size >= this.caps.total) throw new StreamCapError("total", this.caps.total);
    if ((this.#held.get(holder) ?? 0) >= this.caps.perPrincipal) throw new StreamCapError("principal", this.caps.perPrincipal);
    let controller: ReadableStreamDefaultController<Uint8Array>;
    let keepalive: ReturnType<typeof setInterval>;
    const close = () => {
      clearInterval(keepalive);
      if (this.#drop(controller)) {
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
        c.enqueue(encoder.encode(": mcpfed list_changed stream\n\n"));
        keepalive = setInterval(() => this.#send(c, ": keepalive\n\n"), KEEPALIVE_MS);
        signal.addEventListener("abort", close, { once: true });
      },
      cancel: close,
    });
    // Counted now, not in start(), so that a burst of opens cannot all pass the check first.
    this.#open.set(controller!, holder);
    this.#held.set(holder, (this.#held.get(holder) ?? 0) + 1);
    this.#countListeners();
    if (signal.aborted) close(); // gone before we got here: its abort event has already fired
    return new Response(body, {
      headers: { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" },
    });
  }

  /** Calls `listener` with each change announced from now on. */
  onNotify(listener: (kinds: readonly ListKind[]) => void): void {
    this.#listeners.add(listener);
  }

  /**
   * Counts a 2026-07-28 listen stream that asked for list changes, until `release` is called.
   * `ready` settles once the upstreams listen too, so that no change made after it is missed.
   */
  hold(): { ready: Promise<void>; release: () => void } {
    this.#listens++;
    this.#countListeners();
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.#listens--;
      this.#countListeners();
    };
    return { ready: this.#ready, release };
  }

  /** Calls `listener` when the first client starts listening for list changes and when the last stops. */
  onListening(listener: (listening: boolean) => Promise<void>): void {
    this.#listeningListeners.add(listener);
  }

  #countListeners(): void {
    const listening = this.#listens + this.#open.size > 0;
    if (listening === this.#listening) return;
    this.#listening = listening;
    const told = [...this.#listeningListeners].map((l) => l(listening));
    this.#ready = Promise.all(told).then(
      () => {},
      () => {},
    );
  }

  /** Calls `listener` with each principal whose last stream has just closed. */
  onHolderGone(listener: (holder: string) => void): void {
    this.#goneListeners.add(listener);
  }

  /** Sends one notification to the streams `holder` holds, and to no one else's. */
  sendTo(holder: string, method: string, params: Record<string, unknown>): void {
    const event = `event: message\ndata: ${JSON.stringify({ jsonrpc: "2.0", method, params })}\n\n`;
    for (const [c, h] of [...this.#open]) if (h === holder) this.#send(c, event);
  }

  notify(kinds: readonly ListKind[]): void {
    for (const listener of this.#listeners) listener(kinds);
    if (this.#open.size === 0) return;
    const events = kinds
      .map((k) => `event: message\ndata: ${JSON.stringify({ jsonrpc: "2.0", method: `notifications/${k}/list_changed` })}\n\n`)
      .join("");
    for (const c of this.#open.keys()) this.#send(c, events);
  }

  #drop(c: ReadableStreamDefaultController<Uint8Array>): boolean {
    const holder = this.#open.get(c);
    if (holder === undefined) return false;
    this.#open.delete(c);
    this.#countListeners();
    const left = (this.#held.get(holder) ?? 1) - 1;
    if (left > 0) this.#held.set(holder, left);
    else {
      this.#held.delete(holder);
      for (const listener of this.#goneListeners) listener(holder);
    }
    return true;
  }

  #send(c: ReadableStreamDefaultController<Uint8Array>, text: string): void {
    try {
      c.enqueue(encoder.encode(text));
    } catch {
      this.#drop(c); // the client went away
    }
  }
}
