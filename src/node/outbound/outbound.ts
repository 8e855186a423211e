// The one path of every request this node makes to another server: the URL guard, no redirects,
// a deadline that covers the body, reads that stop at their cap while streaming, one fetch shared
// by concurrent readers of the same document, and the runtime's fetch, which checks the address
// each connection resolves to where the runtime lets it (Node, Deno; see docs/security.md).
import { cappedResponse, readCapped, type StreamCaps } from "./limited-body.ts";
import { assertSafeUrl, UnsafeUrlError } from "./ssrf.ts";

export class HttpStatusError extends Error {
  override name = "HttpStatusError";
  constructor(readonly status: number) {
    super(`HTTP ${status}`);
  }
}

export interface OutboundOptions {
  allowPrivate: boolean;
  /** One request's I/O may not serve another (src/node/settings/platform.ts). */
  requestScopedIo?: boolean;
  /**
   * The runtime's fetch, refusing connections to special-purpose addresses unless allowPrivate.
   * Without one, the global fetch: on Workers, whose egress never reaches private addresses.
   */
  fetch?: typeof fetch | undefined;
}

export interface DocumentRead {
  maxBytes: number;
  timeoutMs: number;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export class Outbound {
  readonly allowPrivate: boolean;
  readonly #fetch: typeof fetch;
  readonly #requestScopedIo: boolean;
  readonly #documents = new Map<string, Promise<unknown>>();

  constructor(o: OutboundOptions) {
    this.allowPrivate = o.allowPrivate;
    this.#fetch = o.fetch ?? ((input, init) => fetch(input, init));
    this.#requestScopedIo = o.requestScopedIo ?? false;
  }

  /** fetch with the URL guard, refusing redirects, so a vetted URL cannot bounce to an unvetted one. */
  readonly fetch: typeof fetch = async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    assertSafeUrl(url, this.allowPrivate);
    let res: Response;
    try {
      // "manual", not "error": Workers reject redirect: "error".
      res = await this.#fetch(input, { ...init, redirect: "manual" });
    } catch (err) {
      // A connection refused by the runtime's address check surfaces as fetch's TypeError.
      if (err instanceof Error && err.cause instanceof UnsafeUrlError) throw err.cause;
      throw err;
    }
    if (res.type === "opaqueredirect" || REDIRECTS.has(res.status)) {
      void res.body?.cancel().catch(() => {});
      throw new UnsafeUrlError(`${new URL(url).origin} answered with a redirect (${res.status}), which is not followed`);
    }
    return res;
  };

  /** One request whose deadline covers reading its body too. */
  request(url: string, init: RequestInit, timeoutMs: number): Promise<Response> {
    const deadline = AbortSignal.timeout(timeoutMs);
    return this.fetch(url, { ...init, signal: init.signal ? AbortSignal.any([init.signal, deadline]) : deadline });
  }

  /**
   * The fetch of a long-lived session (an upstream's): every answer, or each event of a stream,
   * capped. Each request gets a signal of its own: the SDK passes one session-wide signal to every
   * request, and Node's fetch leaves a listener on it per request until collected, which grows
   * without bound on a long-lived session. Where I/O is request-scoped (Workers) a signal is bound to the request that made
   * it while a session outlives that request, so there it is dropped: closing a session then
   * aborts nothing, and the platform cancels a request's leftover fetches anyway.
   */
  sessionFetch(caps: StreamCaps): typeof fetch {
    return async (input, init) => {
      const signal = this.#requestScopedIo || !init?.signal ? undefined : AbortSignal.any([init.signal]);
      return cappedResponse(await this.fetch(input, { ...init, signal }), caps);
    };
  }

  /**
   * A JSON document (a card, a client's metadata): GET, read up to its cap, parsed. Concurrent
   * reads of the same URL share one fetch and one result, except where one request's I/O may not
   * serve another (Workers).
   */
  getJson(url: string, read: DocumentRead): Promise<unknown> {
    if (this.#requestScopedIo) return this.#getJson(url, read);
    const key = `${read.maxBytes} ${url}`;
    let shared = this.#documents.get(key);
    if (!shared) {
      shared = this.#getJson(url, read).finally(() => this.#documents.delete(key));
      this.#documents.set(key, shared);
    }
    return shared;
  }

  async #getJson(url: string, read: DocumentRead): Promise<unknown> {
    const res = await this.request(url, { headers: { accept: "application/json" } }, read.timeoutMs);
    if (!res.ok) {
      void res.body?.cancel().catch(() => {});
      throw new HttpStatusError(res.status);
    }
    const bytes = await readCapped(res, read.maxBytes, "the document");
    return JSON.parse(new TextDecoder().decode(bytes)) as unknown;
  }
}
