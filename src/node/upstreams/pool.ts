// One MCP client session per upstream (per upstream and principal for a per-principal upstream),
// kept for the life of the process or isolate, so that steady-state calls never pay an initialize
// handshake. A session that fails is dropped and opened afresh on next use.
import { Client, SdkHttpError, StreamableHTTPClientTransport, type ClientCapabilities, type Transport } from "@modelcontextprotocol/client";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/client/validators/cf-worker";
import type { Outbound } from "../outbound/outbound.ts";
import type { StdioConnector } from "../settings/platform.ts";
import { assertSafeUrl } from "../outbound/ssrf.ts";
import type { UpstreamTarget } from "../../store/upstream-spec.ts";
import type { InputRequest, Interaction } from "../interactive/input-requests.ts";
import { ListChangeListens } from "./list-change-listens.ts";
import type { ListKind } from "../catalog/list-changed-streams.ts";

/** The SDK buffers a JSON answer, or one event of a stream, whole before it parses it. */
const UPSTREAM_CAPS = { bodyBytes: 16 * 1024 * 1024, eventBytes: 16 * 1024 * 1024 };


export class UpstreamUnsupportedError extends Error {
  override name = "UpstreamUnsupportedError";
}

/** Every stdio process this pool may run is busy: a call waits for none, it is refused. */
export class TooManyProcessesError extends Error {
  override name = "TooManyProcessesError";
  readonly code = "too_many_processes";
}

export interface PoolOptions {
  clientInfo: { name: string; version: string };
  outbound: Outbound;
  connectTimeoutMs: number;
  stdio?: StdioConnector | undefined;
  /** Called when an upstream says its tools, resources or prompts changed. */
  onListChanged?: ((upstream: string, kind: ListKind) => void) | undefined;
  /** Called when an upstream says a resource it was subscribed to changed; `principal`: on that principal's own session. */
  onResourceUpdated?: ((upstream: string, uri: string, principal: string | undefined) => void) | undefined;
  /** Called when a session of the upstream (the principal's own, if given) is open: a new one holds none of an old one's subscriptions. */
  onSessionOpened?: ((upstream: string, principal: string | undefined) => void) | undefined;
  /** At most this many principals' own sessions are kept; the least recently used is closed first. */
  maxPrincipalSessions: number;
  /** I/O belongs to the request that made it (Workers): a session outlives its requests there. */
  requestScopedIo?: boolean | undefined;
  /**
   * stdio upstreams' processes (packages'): at most `max` run at once, the least recently used
   * idle one stopped to make room; one unused for `idleMs` is stopped (PACKAGE_MAX_PROCESSES,
   * PACKAGE_IDLE_SECONDS). Absent, a process lives as long as its session.
   */
  processes?: { max: number; idleMs: number } | undefined;
}

/**
 * The shared sessions declare elicitation and sampling, so that an upstream lists the tools that
 * need them; they have no handler, so an ask on them is refused: it comes from a call whose caller
 * cannot answer (callers that can are given a session of their own, below).
 */
const SHARED_CAPABILITIES = { elicitation: { form: {}, url: {} }, sampling: {} };

/** Whose session: the upstream's shared one, or one principal's own. */
export interface SessionOwner {
  principal?: string | undefined;
}

interface Session {
  key: string;
  client: Promise<Client>;
  /** A principal's own session, counted against maxPrincipalSessions. */
  own: boolean;
  /** A child process (a stdio upstream), counted against `processes.max`. */
  process: boolean;
  /** Uses running on it now: a busy process is never stopped to make room or for idleness. */
  busy: number;
  lastUsed: number;
}

/** Upstream names cannot hold a NUL, so no principal's slot can be another upstream's. */
function slotOf(upstream: string, principal: string | undefined): string {
  return principal === undefined ? upstream : `${upstream}\u0000${principal}`;
}

/** Errors after which the request cannot have reached the upstream, so one retry is safe. */
function neverDelivered(err: unknown): boolean {
  // A lost upstream session answers 404 (SDK servers) or 400 (server-everything), unprocessed.
  if (err instanceof SdkHttpError) return err.status === 404 || err.status === 400;
  return err instanceof TypeError; // fetch could not connect
}

export class UpstreamPool {
  readonly #sessions = new Map<string, Session>();
  readonly #listens: ListChangeListens;
  /** Processes of interactive calls' own sessions, running now. */
  #interactiveProcesses = 0;
  #idleTimer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly opts: PoolOptions) {
    this.#listens = new ListChangeListens(opts.connectTimeoutMs);
  }

  /**
   * Whether some client listens for list changes: while one does, each 2026-07-28 upstream's shared
   * session listens for its changes (resolved once each listen is acknowledged or refused).
   */
  listenForChanges(wanted: boolean): Promise<void> {
    const shared = [...this.#sessions.values()].filter((s) => !s.own).map((s) => s.client);
    return this.#listens.want(wanted, shared);
  }

  get stdioSupported(): boolean {
    return this.opts.stdio !== undefined;
  }

  /**
   * Runs `fn` with the upstream's session, reopening it once if the old one had gone stale. With a
   * principal, the session is that principal's own: no other caller's request travels on it.
   */
  async use<T>(target: UpstreamTarget, fn: (client: Client) => Promise<T>, owner: SessionOwner = {}): Promise<T> {
    const slot = slotOf(target.name, owner.principal);
    const session = this.#session(slot, target, owner.principal);
    return this.#busy(session, async (client) => {
      try {
        return await fn(client);
      } catch (err) {
        if (!neverDelivered(err)) throw err;
        this.#drop(slot, session);
        return this.#busy(this.#session(slot, target, owner.principal), fn);
      }
    });
  }

  async #busy<T>(session: Session, fn: (client: Client) => Promise<T>): Promise<T> {
    session.busy++;
    session.lastUsed = Date.now();
    try {
      return await fn(await session.client);
    } finally {
      session.busy--;
      session.lastUsed = Date.now();
    }
  }

  /** How many child processes run now: stdio sessions kept, and interactive calls' own. */
  get runningProcesses(): number {
    return [...this.#sessions.values()].filter((s) => s.process).length + this.#interactiveProcesses;
  }

  /** Makes room for one more process: stops the least recently used idle one, or refuses. */
  #roomForProcess(): void {
    const limits = this.opts.processes;
    if (!limits || this.runningProcesses < limits.max) return;
    const idle = [...this.#sessions].filter(([, s]) => s.process && s.busy === 0).sort(([, a], [, b]) => a.lastUsed - b.lastUsed)[0];
    if (!idle) throw new TooManyProcessesError(`all ${limits.max} upstream processes this node may run are busy; try again shortly`);
    void this.#drop(idle[0], idle[1]);
  }

  /** Stops the processes unused for longer than `idleMs`; the next use starts them again. */
  #sweepIdle(): void {
    const limits = this.opts.processes;
    if (!limits) return;
    const before = Date.now() - limits.idleMs;
    for (const [slot, s] of this.#sessions) if (s.process && s.busy === 0 && s.lastUsed < before) void this.#drop(slot, s);
  }

  #watchIdle(): void {
    const limits = this.opts.processes;
    if (!limits || this.#idleTimer) return;
    this.#idleTimer = setInterval(() => this.#sweepIdle(), Math.max(100, Math.min(limits.idleMs / 2, 30_000)));
    // A waiting sweep never keeps the process alive.
    (this.#idleTimer as { unref?: () => void }).unref?.();
  }

  /**
   * Runs `fn` on a session of its own that declares the caller's capabilities and passes what the
   * upstream asks to the caller. An old-era upstream's request names no call, so only a session
   * that carries one call tells whose question it is; the price is an initialize per such call.
   * A 2026-07-28 upstream's input_required is answered through the same handlers by the SDK
   * client, which retries the upstream with the answers.
   */
  async useInteractive<T>(target: UpstreamTarget, interaction: Interaction, fn: (client: Client) => Promise<T>): Promise<T> {
    const spawns = target.kind === "stdio";
    if (spawns) {
      this.#roomForProcess();
      this.#interactiveProcesses++;
    }
    try {
      const client = await this.#connect(target, interaction);
      try {
        return await fn(client);
      } finally {
        void client.close().catch(() => {});
      }
    } finally {
      if (spawns) this.#interactiveProcesses--;
    }
  }

  /** Closes the upstream's sessions (or only the principal's own), if any; the next use opens a new one. */
  async close(name: string, principal?: string): Promise<void> {
    const slots = [...this.#sessions.keys()].filter((k) =>
      principal === undefined ? k === name || k.startsWith(slotOf(name, "")) : k === slotOf(name, principal),
    );
    await Promise.all(slots.map((k) => this.#drop(k, this.#sessions.get(k)!)));
  }

  async closeAll(): Promise<void> {
    clearInterval(this.#idleTimer);
    this.#idleTimer = undefined;
    await Promise.all([...this.#sessions].map(([k, s]) => this.#drop(k, s)));
  }

  #session(slot: string, target: UpstreamTarget, principal: string | undefined): Session {
    const own = principal !== undefined;
    const key = JSON.stringify(target);
    const existing = this.#sessions.get(slot);
    if (existing?.key === key) {
      // Most recently used last, so that the bound below closes the coldest session.
      this.#sessions.delete(slot);
      this.#sessions.set(slot, existing);
      if (!own && this.#listens.wanted) void existing.client.then((c) => this.#listens.follow(c), () => {});
      return existing;
    }
    if (existing) void this.#drop(slot, existing);
    const spawns = target.kind === "stdio";
    if (spawns) {
      this.#roomForProcess();
      this.#watchIdle();
    }
    const session: Session = { key, client: this.#connect(target, undefined, principal), own, process: spawns, busy: 0, lastUsed: Date.now() };
    this.#sessions.set(slot, session);
    session.client.then(
      (c) => {
        c.onclose = () => {
          this.#listens.forget(c);
          this.#forget(slot, session);
        };
        if (!own) void this.#listens.follow(c);
        this.opts.onSessionOpened?.(target.name, principal);
      },
      () => this.#forget(slot, session),
    );
    const owned = [...this.#sessions].filter(([, s]) => s.own);
    for (const [k, s] of owned.slice(0, Math.max(0, owned.length - this.opts.maxPrincipalSessions))) void this.#drop(k, s);
    return session;
  }

  #forget(slot: string, session: Session): void {
    if (this.#sessions.get(slot) === session) this.#sessions.delete(slot);
  }

  async #drop(slot: string, session: Session): Promise<void> {
    this.#forget(slot, session);
    try {
      await (await session.client).close();
    } catch {
      // It never opened, or is gone already.
    }
  }

  async #connect(target: UpstreamTarget, interaction?: Interaction, principal?: string): Promise<Client> {
    // Log messages belong to 2025-11-25 (2026-07-28 deprecates them, and a server may declare
    // logging only in the older era): a call whose client asked for them speaks that era, unless
    // the upstream speaks only the newer one.
    if (interaction?.logLevel) {
      try {
        return await this.#open(target, interaction, "legacy", principal);
      } catch {
        // Refused, or unreachable: the newest revision tells which.
      }
    }
    return this.#open(target, interaction, "auto", principal);
  }

  async #open(target: UpstreamTarget, interaction: Interaction | undefined, mode: "legacy" | "auto", principal: string | undefined): Promise<Client> {
    const client = new Client(this.opts.clientInfo, {
      capabilities: (interaction ? interaction.capabilities : SHARED_CAPABILITIES) as ClientCapabilities,
      jsonSchemaValidator: new CfWorkerJsonSchemaValidator(),
      // Auto: the newest revision the upstream speaks, server/discover first, initialize where it is refused.
      versionNegotiation: { mode },
    });
    if (interaction) {
      const { capabilities: caps, ask } = interaction;
      const pass = (request: InputRequest, signal: AbortSignal) => ask(request, signal) as Promise<never>;
      if (caps.elicitation) client.setRequestHandler("elicitation/create", (r, ctx) => pass({ method: r.method, params: r.params }, ctx.mcpReq.signal));
      if (caps.sampling) client.setRequestHandler("sampling/createMessage", (r, ctx) => pass({ method: r.method, params: r.params }, ctx.mcpReq.signal));
      if (caps.roots) client.setRequestHandler("roots/list", (r, ctx) => pass({ method: r.method, params: r.params }, ctx.mcpReq.signal));
      const onlog = interaction.onlog;
      if (onlog) client.setNotificationHandler("notifications/message", (n) => onlog(n.params as Record<string, unknown>));
    }
    const changed = (kind: ListKind) => () => this.opts.onListChanged?.(target.name, kind);
    client.setNotificationHandler("notifications/tools/list_changed", changed("tools"));
    client.setNotificationHandler("notifications/resources/list_changed", changed("resources"));
    client.setNotificationHandler("notifications/prompts/list_changed", changed("prompts"));
    client.setNotificationHandler("notifications/resources/updated", (n) => this.opts.onResourceUpdated?.(target.name, n.params.uri, principal));
    await client.connect(this.#transport(target), { timeout: this.opts.connectTimeoutMs });
    // The session is this call's own: the upstream learns the level before the call runs.
    if (interaction?.logLevel && client.getServerCapabilities()?.logging) await client.setLoggingLevel(interaction.logLevel, { timeout: this.opts.connectTimeoutMs });
    return client;
  }

  #transport(target: UpstreamTarget): Transport {
    if (target.kind === "stdio") {
      if (!this.opts.stdio) throw new UpstreamUnsupportedError("stdio upstreams run only on the Node runtime");
      return this.opts.stdio(target);
    }
    assertSafeUrl(target.url, this.opts.outbound.allowPrivate);
    const transport = new StreamableHTTPClientTransport(new URL(target.url), {
      requestInit: { headers: target.headers },
      fetch: this.opts.outbound.sessionFetch(UPSTREAM_CAPS),
      // Redirects are the outbound fetch's to judge (it checks each hop), as with the v1 SDK.
      redirectPolicy: "follow",
    });
    if (this.opts.requestScopedIo) {
      // On 2026-07-28 the SDK ties each request's signal to the session's, made in another request,
      // which Workers refuse; there the platform ends a request's leftover I/O itself.
      const send = transport.send.bind(transport);
      transport.send = (message, options) => send(message, options && { ...options, requestSignal: undefined });
    }
    return transport;
  }
}
