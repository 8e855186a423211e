// Where a relayed call held across rounds sends its upstream's log messages. Each round of a relayed
// call has its own answer stream, and the one that started the upstream call is closed once it
// answers input_required; the retry that resumes the call points its log messages at its own
// stream. Looked up by the state the provider gave out and the peer it gave it to, so only that
// peer's retry with that very state moves them. In this process's memory, as the held calls are.
import type { LogLevel } from "../../protocol/messages/relay.ts";
import type { LogEntry } from "./upstream-logs.ts";

/** Held calls waiting for a retry are bounded (src/node/interactive/suspended-calls.ts); so are these. */
const MAX_WAITING = 1024;

export interface LogSink {
  onlog: ((entry: LogEntry) => void) | undefined;
  level: LogLevel | undefined;
}

export class HeldCallLogs {
  readonly #waiting = new Map<string, LogSink>();

  /** The sink of the call a state names, given out to `peer`; it is the caller's until it answers again. */
  take(peer: string, state: string): LogSink | undefined {
    const key = `${peer} ${state}`;
    const sink = this.#waiting.get(key);
    this.#waiting.delete(key);
    return sink;
  }

  put(peer: string, state: string, sink: LogSink): void {
    this.#waiting.set(`${peer} ${state}`, sink);
    // The oldest first: a call whose retry never came has expired long before it is dropped.
    for (const key of this.#waiting.keys()) {
      if (this.#waiting.size <= MAX_WAITING) break;
      this.#waiting.delete(key);
    }
  }
}

const byNode = new WeakMap<object, HeldCallLogs>();

/** The sinks of one node's held calls (keyed by its held-calls store, so two nodes in one process never share). */
export function logSinksOf(heldCalls: object): HeldCallLogs {
  let sinks = byNode.get(heldCalls);
  if (!sinks) byNode.set(heldCalls, (sinks = new HeldCallLogs()));
  return sinks;
}
