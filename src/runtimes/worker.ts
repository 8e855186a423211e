// Cloudflare Workers entry point: fetch, and scheduled for the cron trigger. The store is the
// D1 binding `DB`, or a libSQL URL (Turso) when LIBSQL_URL is set. A strong blackboard key's home
// queue is the Durable Object class StrongKeyHome (binding `STRONG_HOMES`).
import type { D1Database, DurableObjectNamespace, DurableObjectState, ExecutionContext, ScheduledController } from "@cloudflare/workers-types";
import { drizzle } from "drizzle-orm/d1";
import { getConnInfo } from "hono/cloudflare-workers";
import { createApp, type NodeApp } from "../http/app.ts";
import { setupApp } from "../http/setup/routes.tsx";
import { ConfigError, loadConfig, type Env } from "../node/settings/config.ts";
import type { Platform } from "../node/settings/platform.ts";
import { unsetSecrets } from "../node/settings/setup-check.ts";
import { migrate, type Database } from "../store/database.ts";
import * as schema from "../store/schema/index.ts";
import { nodeRawRsa } from "./node-raw-rsa.ts";
import { openRemote } from "./remote.ts";
import { durableObjectHome, serveKeyHome } from "./strong-key-home.ts";
import { workerPdfFonts, type AssetsBinding } from "./worker-pdf-fonts.ts";
import { workerRequestDefer } from "./worker-request-defer.ts";

interface WorkerEnv {
  DB?: D1Database;
  STRONG_HOMES?: DurableObjectNamespace;
  /** Static assets: the invoice PDFs' CJK and Hangul fonts (wrangler.toml `[assets]`). */
  FONT_ASSETS?: AssetsBinding;
  [key: string]: unknown;
}

let started: Promise<NodeApp> | undefined;
/**
 * Request-scoped I/O, no standing streams, no processes; egress cannot reach private addresses.
 * Raw RSA from node:crypto (BoringSSL, with the nodejs_compat flag) keeps blind signing well inside
 * the CPU budget. DejaVu is bundled (no file system to read it from); CJK and Hangul fonts come
 * from the assets binding, where there is one.
 */
const WORKERS: Platform = { requestScopedIo: true, standingStreams: false, rawRsa: nodeRawRsa, requestDefer: workerRequestDefer };

/** Without the STRONG_HOMES binding (an older wrangler.toml) each isolate queues its own, and the store's conditional commit refuses the loser of a race. */
function platformFor(env: WorkerEnv): Platform {
  const platform = { ...WORKERS, pdfFonts: workerPdfFonts(env.FONT_ASSETS) };
  return env.STRONG_HOMES ? { ...platform, strongHome: durableObjectHome(env.STRONG_HOMES) } : platform;
}

function strings(env: WorkerEnv): Env {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => typeof e[1] === "string"));
}

/** One app per isolate, built on first use; a failed start is retried on the next request. */
function nodeFor(env: WorkerEnv): Promise<NodeApp> {
  started ??= (async () => {
    const config = loadConfig(strings(env), { edge: true });
    let db: Database;
    if (config.libsqlUrl) {
      if (config.libsqlUrl.startsWith("file:")) {
        throw new ConfigError("invalid configuration:\n  LIBSQL_URL: Workers have no disk; use a libsql:, https: or wss: URL, or the D1 binding");
      }
      db = await openRemote({ ...config, libsqlUrl: config.libsqlUrl });
    } else if (env.DB) {
      // The D1 driver's run-result type differs; the queries the node makes do not.
      db = drizzle(env.DB, { schema }) as unknown as Database;
      await migrate(db);
    } else {
      throw new ConfigError("invalid configuration:\n  DB: bind a D1 database as DB, or set LIBSQL_URL");
    }
    return createApp({ config, db, connInfo: getConnInfo, platform: platformFor(env) }); // a NODE_SEED that does not fit the stored identity: misconfigured
  })().catch((err: unknown) => {
    started = undefined;
    throw err;
  });
  return started;
}

export default {
  async fetch(request: Request, env: WorkerEnv, ctx: ExecutionContext): Promise<Response> {
    // A fresh deploy has no secrets yet: it explains how to set them and serves nothing else.
    // Checked on every request, as a secret put by the operator reaches the next request's env.
    const unset = unsetSecrets(strings(env));
    if (unset.length > 0) return setupApp(unset, "workers").fetch(request);
    let node: NodeApp;
    try {
      node = await nodeFor(env);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      return Response.json({ error: { code: "misconfigured", message: err.message } }, { status: 500 });
    }
    return node.app.fetch(request, env, ctx);
  },

  // Awaited rather than handed to waitUntil, so that a failed tick shows as a failed cron event.
  async scheduled(_event: ScheduledController, env: WorkerEnv): Promise<void> {
    if (unsetSecrets(strings(env)).length > 0) return; // nothing to tick before the setup is done
    const node = await nodeFor(env);
    await node.tick();
    // Behind mailboxes (§20.6): what they hold is taken and served once per tick.
    if (node.mailboxes) await (await node.mailboxes.pollOnce(0, AbortSignal.timeout(25_000))).served;
  },
};

/**
 * One strong key's home queue: the isolate that took an operation on a key this node is home of
 * hands it here, and the object runs the key's operations one at a time on its own copy of the node.
 */
export class StrongKeyHome {
  constructor(
    _state: DurableObjectState,
    private readonly env: WorkerEnv,
  ) {}

  async fetch(request: Request): Promise<Response> {
    const node = await nodeFor(this.env);
    return serveKeyHome(request, node.services.strong.board);
  }
}
