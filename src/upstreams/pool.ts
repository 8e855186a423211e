// One MCP client session per upstream, kept for the life of the process or isolate, so that
// steady-state calls never pay an initialize handshake. A session that fails is dropped and
// opened afresh on next use.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport, StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import {
  PromptListChangedNotificationSchema,
  ResourceListChangedNotificationSchema,
  ToolListChangedNotificationSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/cfworker-provider.js";
import type { Outbound } from "../guards/outbound.ts";
import { assertSafeUrl } from "../guards/ssrf.ts";
import type { UpstreamTarget } from "./spec.ts";

/** The SDK buffers a JSON answer, or one event of a stream, whole before it parses it. */
const UPSTREAM_CAPS = { bodyBytes: 16 * 1024 * 1024, eventBytes: 16 * 1024 * 1024 };

export type StdioTarget = Extract<UpstreamTarget, { kind: "stdio" }>;
/** Supplied by runtimes that can spawn processes (Node); elsewhere stdio upstreams are refused. */
export type StdioConnector = (target: StdioTarget) => Transport;

export class UpstreamUnsupportedError extends Error {
  override name = "UpstreamUnsupportedError";
}

export interface PoolOptions {
  clientInfo: { name: string; version: string };
  outbound: Outbound;
  connectTimeoutMs: number;
  stdio?: StdioConnector | undefined;
  /** Called when an upstream says its tools, resources or prompts changed. */
  onListChanged?: ((upstream: string) => void) | undefined;
}

interface Session {
  key: string;
  client: Promise<Client>;
}

/** Errors after which the request cannot have reached the upstream, so one retry is safe. */
function neverDelivered(err: unknown): boolean {
  // A lost upstream session answers 404 (SDK servers) or 400 (server-everything), unprocessed.
  if (err instanceof StreamableHTTPError) return err.code === 404 || err.code === 400;
  return err instanceof TypeError; // fetch could not connect
}

export class UpstreamPool {
  readonly #sessions = new Map<string, Session>();

  constructor(private readonly opts: PoolOptions) {}

  get stdioSupported(): boolean {
    return this.opts.stdio !== undefined;
  }

  /** Runs `fn` with the upstream's session, reopening it once if the old one had gone stale. */
  async use<T>(target: UpstreamTarget, fn: (client: Client) => Promise<T>): Promise<T> {
    const session = this.#session(target);
    const client = await session.client;
    try {
      return await fn(client);
    } catch (err) {
      if (!neverDelivered(err)) throw err;
      this.#drop(target.name, session);
      return fn(await this.#session(target).client);
    }
  }

  /** Closes the upstream's session, if any; the next use opens a new one. */
  async close(name: string): Promise<void> {
    const s = this.#sessions.get(name);
    if (s) await this.#drop(name, s);
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.#sessions.keys()].map((n) => this.close(n)));
  }

  #session(target: UpstreamTarget): Session {
    const key = JSON.stringify(target);
    const existing = this.#sessions.get(target.name);
    if (existing?.key === key) return existing;
    if (existing) void this.#drop(target.name, existing);
    const session: Session = { key, client: this.#connect(target) };
    this.#sessions.set(target.name, session);
    session.client.then(
      (c) => {
        c.onclose = () => this.#forget(target.name, session);
      },
      () => this.#forget(target.name, session),
    );
    return session;
  }

  #forget(name: string, session: Session): void {
    if (this.#sessions.get(name) === session) this.#sessions.delete(name);
  }

  async #drop(name: string, session: Session): Promise<void> {
    this.#forget(name, session);
    try {
      await (await session.client).close();
    } catch {
      // It never opened, or is gone already.
    }
  }

  async #connect(target: UpstreamTarget): Promise<Client> {
    const client = new Client(this.opts.clientInfo, {
      capabilities: {},
      jsonSchemaValidator: new CfWorkerJsonSchemaValidator(),
    });
    const changed = () => this.opts.onListChanged?.(target.name);
    client.setNotificationHandler(ToolListChangedNotificationSchema, changed);
    client.setNotificationHandler(ResourceListChangedNotificationSchema, changed);
    client.setNotificationHandler(PromptListChangedNotificationSchema, changed);
    await client.connect(this.#transport(target), { timeout: this.opts.connectTimeoutMs });
    return client;
  }

  #transport(target: UpstreamTarget): Transport {
    if (target.kind === "stdio") {
      if (!this.opts.stdio) throw new UpstreamUnsupportedError("stdio upstreams run only on the Node runtime");
      return this.opts.stdio(target);
    }
    assertSafeUrl(target.url, this.opts.outbound.allowPrivate);
    return new StreamableHTTPClientTransport(new URL(target.url), {
      requestInit: { headers: target.headers },
      fetch: this.opts.outbound.sessionFetch(UPSTREAM_CAPS),
    });
  }
}
