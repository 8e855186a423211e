// Upstream calls held open in this process's memory while a 2026-07-28 client answers what the
// upstream asked. The node is stateless, but an old-era upstream is not: its call can only go on
// where it waits. So the first request starts the call and returns its questions; each retry
// (found by the id in its sealed requestState) hands over the answers and returns the next turn.
// Limits: a retry must reach this process (one Node or Deno process, or sticky routing), and a
// call waits at most `ttlMs` between turns.
import type { Ask, InputRequest, InputResponse } from "./input-requests.ts";

export type Turn<R> =
  | { kind: "done"; result: R }
  | { kind: "input"; call: string; round: number; requests: Record<string, InputRequest> };

export type HeldCallFailure = "unknown" | "stale" | "too_many";

export class HeldCallError extends Error {
  override name = "HeldCallError";
  constructor(readonly reason: HeldCallFailure) {
    super(
      reason === "unknown"
        ? "this node holds no such call (it finished, expired, or another process started it)"
        : reason === "stale"
          ? "this requestState was already answered"
          : "too many calls are waiting for your input; answer or abandon one first",
    );
  }
}

interface Pending {
  request: InputRequest;
  resolve: (r: InputResponse) => void;
  reject: (e: Error) => void;
}

interface Held {
  id: string;
  principal: string;
  round: number;
  pending: Map<string, Pending>;
  asked: number;
  /** Settles when the call finishes; never rejects (the failure is in the value). */
  finished: Promise<{ ok: true; value: unknown } | { ok: false; error: unknown }>;
  /** Wakes the turn that waits for a question or the end. */
  wake: () => void;
  controller: AbortController;
  timer?: ReturnType<typeof setTimeout>;
}

export interface HeldCallLimits {
  /** How long a call waits for the client's next retry. */
  ttlMs: number;
  perPrincipal: number;
  total: number;
}

export class SuspendedCalls {
  readonly #calls = new Map<string, Held>();

  constructor(private readonly limits: HeldCallLimits) {}

  get size(): number {
    return this.#calls.size;
  }

  /** Starts `run`; answers with its result, or with its first questions while it waits. */
  async start<R>(principal: string, run: (ask: Ask, signal: AbortSignal) => Promise<R>): Promise<Turn<R>> {
    const mine = [...this.#calls.values()].filter((c) => c.principal === principal).length;
    if (mine >= this.limits.perPrincipal || this.#calls.size >= this.limits.total) throw new HeldCallError("too_many");
    const controller = new AbortController();
    const held: Held = {
      id: crypto.randomUUID(),
      principal,
      round: 0,
      pending: new Map(),
      asked: 0,
      finished: undefined as never,
      wake: () => {},
      controller,
    };
    const ask: Ask = (request, signal) =>
      new Promise<InputResponse>((resolve, reject) => {
        const key = `q${++held.asked}`;
        held.pending.set(key, { request, resolve, reject });
        signal.addEventListener("abort", () => {
          held.pending.delete(key);
          reject(signal.reason instanceof Error ? signal.reason : new Error("aborted"));
        }, { once: true });
        held.wake();
      });
    held.finished = run(ask, controller.signal).then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    this.#calls.set(held.id, held);
    return this.#turn<R>(held);
  }

  /** Hands over the answers of one round and returns the next turn. */
  async resume<R>(id: string, round: number, principal: string, responses: Record<string, InputResponse>): Promise<Turn<R>> {
    const held = this.#calls.get(id);
    if (!held || held.principal !== principal) throw new HeldCallError("unknown");
    // Checked and advanced before any await, so two retries of one round cannot both pass.
    if (held.round !== round) throw new HeldCallError("stale");
    held.round++;
    for (const [key, answer] of Object.entries(responses)) {
      const p = held.pending.get(key);
      if (!p) continue; // an answer to a question not asked (or already answered) is ignored
      held.pending.delete(key);
      p.resolve(answer);
    }
    return this.#turn<R>(held);
  }

  /** Abandons every held call (the process is closing). */
  closeAll(): void {
    for (const held of this.#calls.values()) this.#end(held, new Error("the node is closing"));
  }

  async #turn<R>(held: Held): Promise<Turn<R>> {
    clearTimeout(held.timer);
    if (held.pending.size === 0) {
      const asked = new Promise<void>((resolve) => (held.wake = resolve));
      const outcome = await Promise.race([held.finished, asked.then(() => undefined)]);
      if (outcome) {
        this.#calls.delete(held.id);
        if (!outcome.ok) throw outcome.error;
        return { kind: "done", result: outcome.value as R };
      }
    }
    held.timer = setTimeout(() => this.#end(held, new Error("the client did not answer in time")), this.limits.ttlMs);
    // A waiting call must not keep a Node process alive.
    (held.timer as { unref?: () => void }).unref?.();
    const requests = Object.fromEntries([...held.pending].map(([k, p]) => [k, p.request]));
    return { kind: "input", call: held.id, round: held.round, requests };
  }

  #end(held: Held, reason: Error): void {
    clearTimeout(held.timer);
    this.#calls.delete(held.id);
    for (const p of held.pending.values()) p.reject(reason);
    held.pending.clear();
    held.controller.abort(reason);
  }
}
