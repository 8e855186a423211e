// createApp: the whole node as one Hono app, built from Web standards only. The runtime entry
// points (src/runtimes/) open the database and describe their platform, then hand both here.
import { Hono, type Context } from "hono";
import type { GetConnInfo } from "hono/conninfo";
import { HTTPException } from "hono/http-exception";
import { assembleNode, type NodeOptions } from "../node/assemble.ts";
import { log } from "../node/logging/log.ts";
import type { Services } from "../node/services.ts";
import type { Ticks } from "../node/tick.ts";
import { VERSION } from "../node/settings/version.ts";
import { adminRoutes } from "./admin/routes.ts";
import type { AppEnv } from "./request/app-env.ts";
import { cardRoutes } from "./card-route.ts";
import { tokenDirectoryRoutes } from "./token-directory-route.ts";
import { connectRoutes } from "./connect/routes.ts";
import { federationRoutes } from "./federation/routes.ts";
import { mcpRoutes } from "./mcp/endpoint.ts";
import { MailboxPoller } from "../node/mailbox/poller.ts";
import { serveFromMailbox } from "./federation/mailbox-route.ts";
import { oauthRoutes } from "./oauth/routes.ts";
import { metricsRoutes } from "./metrics-route.ts";
import { adminBridge } from "./console/admin-bridge.ts";
import { consoleRoutes } from "./console/routes.tsx";
import { landingRoutes } from "./landing/routes.tsx";

export interface AppOptions extends NodeOptions {
  /** How this runtime tells a request's remote address (Hono's conninfo helper of its adapter). */
  connInfo?: GetConnInfo;
}

export interface NodeApp {
  app: Hono<AppEnv>;
  services: Services;
  /** The runtime's scheduled tick: once per period across the node's instances (src/node/tick-lease.ts). */
  tick: Ticks["scheduled"];
  /** A process's first tick, at start (src/node/tick.ts). */
  tickAtStart: Ticks["atStart"];
  /** With MAILBOXES: the polling of this node's mailboxes (§20.6), a loop on Node, once per tick elsewhere. */
  mailboxes: MailboxPoller | undefined;
  /** Waits for deferred work, then closes upstream sessions. */
  close(): Promise<void>;
}

export async function createApp(opts: AppOptions): Promise<NodeApp> {
  const node = await assembleNode(opts);
  const { services, tick } = node;
  const requestScoped = services.platform.requestScopedIo;
  const requestDefer = services.platform.requestDefer;
  const remoteAddress = (c: Context<AppEnv>): string => {
    try {
      return opts.connInfo?.(c).remote.address ?? "unknown";
    } catch {
      return "unknown"; // a request that did not come through the runtime's server (app.request in tests)
    }
  };

  // A peer message a mailbox held goes through this app's own federation routes, work outliving it deferred.
  const own = { waitUntil: (work: Promise<unknown>) => services.defer(work), passThroughOnException: () => {}, props: {} };

  const app = new Hono<AppEnv>();
  app.use("*", async (c, next) => {
    c.set("clientAddress", remoteAddress(c));
    // Elsewhere the process outlives the response, so the node's tracked promises are enough.
    // A message a mailbox handed over runs inside the request or tick that polled: that one keeps its
    // work (making `own` this request's defer would have services.defer call itself).
    if (!requestScoped || c.executionCtx === own) {
      c.set("defer", services.defer);
      return next();
    }
    const defer = (p: Promise<unknown>) => c.executionCtx.waitUntil(p);
    c.set("defer", defer);
    // Work the services defer while this request is handled (gossip's pushes after a change, a
    // round's proposal after the submission that completed it) is this request's too.
    return requestDefer ? requestDefer.run(defer, next) : next();
  });
  app.onError((err, c) => {
    if (err instanceof HTTPException) return err.getResponse();
    log.error("request.failed", { method: c.req.method, path: c.req.path, error: err.name, message: err.message });
    return c.json({ error: { code: "internal", message: "internal error" } }, 500);
  });
  app.notFound((c) => c.json({ error: { code: "not_found", message: `no route for ${c.req.method} ${c.req.path}` } }, 404));

  app.get("/healthz", (c) => c.json({ ok: true, name: opts.config.nodeName, version: VERSION }));
  app.route("/", oauthRoutes(services));
  app.route("/", mcpRoutes(services));
  app.route("/", cardRoutes(services));
  app.route("/", tokenDirectoryRoutes(services));
  app.route("/", federationRoutes(services));
  app.route("/", connectRoutes(services));
  app.route("/", metricsRoutes(services));
  app.route("/admin", adminRoutes(services, tick.now));
  const admin = adminBridge(app, opts.config.adminToken, requestScoped);
  app.route("/console", consoleRoutes(services, admin));
  app.route("/", landingRoutes(services, admin));

  const dispatch = async (request: Request) => app.fetch(request, undefined, own);
  const mailboxes = opts.config.mailboxes.length > 0 ? new MailboxPoller(services, serveFromMailbox(services, dispatch)) : undefined;
  return { app, services, tick: tick.scheduled, tickAtStart: tick.atStart, mailboxes, close: () => node.close() };
}
