// 2025-11-25 sessions, one per client that initializes: a server that outlives one POST, so that
// a server-initiated request's answer (a later POST with the Mcp-Session-Id) finds the request it
// answers, a log level holds, and a lost stream can be resumed (session-events.ts). Kept in this
// process's memory: on Node and Deno only (a Workers isolate cannot hold a stream nor be found
// again by the next request; there every request is stateless). Bound to the principal that
// opened them, bounded per principal (the coldest gives way) and in all (a new one is refused),
// closed when idle and on DELETE.
import type { Server, WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/server";
import type { Caller } from "../../node/access/principals/caller.ts";

export interface LegacySession {
  principal: string;
  /** The caller the session's server was built with; each request sets its span (tracing). */
  caller: Caller;
  server: Server;
  transport: WebStandardStreamableHTTPServerTransport;
}

interface Entry extends LegacySession {
  timer?: ReturnType<typeof setTimeout>;
}

export interface LegacySessionLimits {
  perPrincipal: number;
  total: number;
  idleMs: number;
}

export class LegacySessions {
  readonly #sessions = new Map<string, Entry>();

  constructor(private readonly limits: LegacySessionLimits) {}

  get size(): number {
    return this.#sessions.size;
  }

  /** The session, if it exists and the principal opened it (another's is as good as unknown). */
  use(id: string, principal: string): LegacySession | undefined {
    const entry = this.#sessions.get(id);
    if (!entry || entry.principal !== principal) return undefined;
    // Most recently used last, so that the bound closes the coldest first.
    this.#sessions.delete(id);
    this.#sessions.set(id, entry);
    this.#idle(id, entry);
    return entry;
  }

  /** Whether one more session may open: the principal's coldest is closed to make room. */
  admit(principal: string): boolean {
    const mine = [...this.#sessions].filter(([, e]) => e.principal === principal);
    if (mine.length >= this.limits.perPrincipal) void this.close(mine[0]![0]);
    return this.#sessions.size < this.limits.total;
  }

  add(id: string, session: LegacySession): void {
    const entry: Entry = { ...session };
    this.#sessions.set(id, entry);
    this.#idle(id, entry);
  }

  /** Ends a session; its open requests are aborted. */
  async close(id: string): Promise<void> {
    const entry = this.#sessions.get(id);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.#sessions.delete(id);
    await entry.server.close().catch(() => {});
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.#sessions.keys()].map((id) => this.close(id)));
  }

  #idle(id: string, entry: Entry): void {
    clearTimeout(entry.timer);
    entry.timer = setTimeout(() => void this.close(id), this.limits.idleMs);
    // An idle session must not keep a Node process alive.
    (entry.timer as { unref?: () => void }).unref?.();
  }
}
