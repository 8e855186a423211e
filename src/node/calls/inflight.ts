// Calls under way in this process or isolate, so that a notifications/cancelled, which arrives
// on a request of its own in stateless HTTP, can abort the call it names.
export class Inflight {
  readonly #calls = new Map<string, AbortController>();

  /** Registers a call; the returned signal fires on cancel or when `parent` aborts. */
  start(caller: string, requestId: string | number, parent: AbortSignal): { signal: AbortSignal; done: () => void } {
    const key = `${caller}\u0000${requestId}`;
    const controller = new AbortController();
    const onAbort = () => controller.abort(parent.reason);
    parent.addEventListener("abort", onAbort, { once: true });
    this.#calls.set(key, controller);
    return {
      signal: controller.signal,
      done: () => {
        parent.removeEventListener("abort", onAbort);
        if (this.#calls.get(key) === controller) this.#calls.delete(key);
      },
    };
  }

  cancel(caller: string, requestId: string | number, reason: string | undefined): boolean {
    const controller = this.#calls.get(`${caller}\u0000${requestId}`);
    controller?.abort(new Error(reason ?? "cancelled by the client"));
    return controller !== undefined;
  }

  get size(): number {
    return this.#calls.size;
  }
}
