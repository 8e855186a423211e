// The operator's HTTP API, behind the ADMIN_TOKEN bearer. The CLI is a client of it.
import { Hono } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import { sha256Hex } from "../../protocol/encoding/hash.ts";
import { bodyLimit } from "hono/body-limit";
import { z } from "zod";
import { fail, readJson, redactAnswers } from "./respond.ts";
import { nameRefusal, toolAdminRoutes, toolView } from "./tools.ts";
import { itemAdminRoutes } from "./items.ts";
import { catalogAdminRoutes } from "./catalog.ts";
import { accessAdminRoutes } from "./access.ts";
import { federationViewAdminRoutes } from "./federation-view.ts";
import { currentNames, refuseNewCollisions } from "../../node/catalog/names.ts";
import { republishNames } from "../../node/registry/share-local.ts";
import { peerAdminRoutes } from "./peers.ts";
import { registryAdminRoutes } from "./registry.ts";
import { relayAdminRoutes } from "./relay.ts";
import { providerGroupAdminRoutes } from "./provider-groups.ts";
import type { Services } from "../../node/services.ts";
import type { AppEnv } from "../request/app-env.ts";
import { refreshUpstream } from "../../node/upstreams/refresh.ts";
import {
  findUpstream,
  prefixSchema,
  registerUpstream,
  registration,
  registrations,
  removeUpstream,
  setUpstreamPrefix,
  operatorUpstreamInput,
} from "../../node/upstreams/registration.ts";
import { TickBusy, type Tick } from "../../node/tick.ts";
import { VERSION } from "../../node/settings/version.ts";
import { callsAdminRoutes, windowMinutes } from "./calls-view.ts";
import { adminAudit, auditAdminRoutes } from "./audit.ts";
import { credentialAdminRoutes } from "./tokens.ts";
import { grantAdminRoutes } from "./grants.ts";
import { limitAdminRoutes } from "./limits.ts";
import { budgetAdminRoutes } from "./budgets.ts";
import { policyAdminRoutes } from "./policy.ts";
import { ledgerAdminRoutes } from "./ledger.ts";
import { ledgerViewAdminRoutes } from "./ledger-view.ts";
import { clearingAdminRoutes } from "./clearing.ts";
import { settlementAdminRoutes } from "./settlements.ts";
import { upstreamCredentialAdminRoutes } from "./upstream-credentials.ts";
import { trustAdminRoutes } from "./trust.ts";
import { packageAdminRoutes, packageUploadRoutes } from "./packages.ts";
import { quarantineAdminRoutes } from "./quarantine.ts";
import { routeAdminRoutes } from "./call-routes.ts";
import { blackboardAdminRoutes } from "./blackboard.ts";
import { paymentTokenAdminRoutes } from "./payment-tokens.ts";
import { moneyAdminRoutes } from "./money.ts";
import { strongBlackboardAdminRoutes } from "./blackboard-strong.ts";
import { definitionChangeAdminRoutes } from "./definition-changes.ts";
import { alertAdminRoutes } from "./alerts.ts";
import { alertList, auditBreakOpen } from "../../node/alerts/alerts.ts";
import { describe } from "../../protocol/identity/primitives.ts";

import { backupAdminRoutes } from "./backup.ts";
import { configAdminRoutes } from "./config.ts";
import { agentAdminRoutes } from "./agents.ts";

export function adminRoutes(s: Services, tick: Tick): Hono<AppEnv> {
  const startedAt = Date.now();
  const app = new Hono<AppEnv>();
  app.use("*", redactAnswers);
  app.use("*", adminAudit(s));
  // Peers, aliases, pins, names: most operator changes reach the peers' tools as listed.
  app.use("*", async (c, next) => {
    await next();
    if (c.req.method !== "GET") s.federatedTools.invalidate();
  });
  // Hono's default digest is a WebCrypto job per side, most of a small read's cost; SHA-256 in JS is cheaper for a token.
  app.use("*", bearerAuth({ token: s.config.adminToken, hashFunction: sha256Hex }));
  // Before the body cap: a restore's body is a whole backup, capped by BACKUP_MAX_BYTES instead;
  // a configuration file and a published package's tarball have caps of their own.
  app.route("/", backupAdminRoutes(s));
  app.route("/", configAdminRoutes(s));
  app.route("/", packageUploadRoutes(s));
  app.use("*", bodyLimit({ maxSize: 256 * 1024, onError: (c) => fail(c, "invalid_request", "body too large") }));

  app.get("/upstreams", async (c) => {
    return c.json({ upstreams: await registrations(s) });
  });

  app.post("/upstreams", async (c) => {
    const body = await readJson(c, operatorUpstreamInput);
    if (!body.ok) return body.res;
    const names = await currentNames(s);
    const registered = await registerUpstream(s, body.value);
    if (!registered.ok) return fail(c, registered.code, registered.message);
    // Its tools' names are known once it listed them: one that a peer's tool is listed under undoes the add.
    try {
      await refuseNewCollisions(s, names);
    } catch (err) {
      const refusal = nameRefusal(err);
      if (!refusal) throw err;
      await removeUpstream(s, body.value.name);
      return fail(c, refusal.code, `${body.value.name} was not added: ${refusal.message}; give it another --prefix, or rename the peer's tool`);
    }
    return c.json({ upstream: registered.upstream, refresh: registered.refresh }, 201);
  });

  app.get("/upstreams/:name", async (c) => {
    const found = await registration(s, c.req.param("name"));
    if (!found) return fail(c, "not_found", "no such upstream");
    return c.json({ upstream: found.upstream, tools: found.tools.map(toolView) });
  });

  app.patch("/upstreams/:name", async (c) => {
    const row = await findUpstream(s, c.req.param("name"));
    if (!row) return fail(c, "not_found", "no such upstream");
    const body = await readJson(c, z.object({ prefix: prefixSchema.nullable() }).strict());
    if (!body.ok) return body.res;
    const names = await currentNames(s);
    const renamed = await setUpstreamPrefix(s, row, body.value.prefix);
    try {
      await refuseNewCollisions(s, names);
    } catch (err) {
      const refusal = nameRefusal(err);
      if (!refusal) throw err;
      await setUpstreamPrefix(s, row, row.prefix);
      return fail(c, refusal.code, `the prefix was not changed: ${refusal.message}`);
    }
    if (await republishNames(s)) s.gossip.changed();
    return c.json({ upstream: renamed.upstream, tools: renamed.tools.map(toolView) });
  });

  app.post("/upstreams/:name/refresh", async (c) => {
    const result = await refreshUpstream(s, c.req.param("name"));
    if (!result) return fail(c, "not_found", "no such upstream");
    return c.json({ refresh: result });
  });

  app.delete("/upstreams/:name", async (c) => {
    if (!(await removeUpstream(s, c.req.param("name")))) return fail(c, "not_found", "no such upstream");
    return c.body(null, 204);
  });

  // As many open alerts as `GET /alerts` lists by default.
  const OVERVIEW_ALERTS = 100;
  // Figures over the last `minutes` (default 60), how long this process or isolate has run, and
  // the health the console's overview shows: one request instead of five on every view.
  app.get("/overview", async (c) => {
    const minutes = windowMinutes.parse(c.req.query("minutes") ?? 60);
    await s.metrics.flush();
    const [calls, identity, upstreams, audit, auditAlert, alerts] = await Promise.all([
      s.overviewFigures.calls(s.now() * 1000, minutes),
      s.identity(),
      registrations(s),
      s.auditWatch.check(),
      // The check above starts at the verified head; a break the tick's sweep found before it stays open here.
      auditBreakOpen(s.db),
      alertList(s.db, { state: "open", limit: OVERVIEW_ALERTS }),
    ]);
    return c.json({
      version: VERSION,
      startedAt: new Date(startedAt).toISOString(),
      calls,
      node: { id: identity.nodeId, crypto: describe(identity.primitives) },
      upstreams: { total: upstreams.length, failing: upstreams.filter((u) => u.status !== "ok").length },
      audit: { ok: audit.ok && !auditAlert, entries: audit.entries },
      alerts,
    });
  });

  // Latency of the calls each peer provided over the last `minutes` (default 60).
  app.get("/overview/peers", async (c) => {
    const minutes = windowMinutes.parse(c.req.query("minutes") ?? 60);
    await s.metrics.flush();
    return c.json({ windowMinutes: minutes, peers: await s.overviewFigures.peers(s.now() * 1000, minutes) });
  });

  app.post("/tick", async (c) => {
    try {
      return c.json(await tick());
    } catch (err) {
      if (err instanceof TickBusy) return c.json({ error: { code: "tick_busy", message: err.message } }, 409);
      throw err;
    }
  });

  // Each part's own routes: who may call what (src/auth, policy, limits, grants, audit), then the federation's.
  const parts = [callsAdminRoutes, definitionChangeAdminRoutes, toolAdminRoutes, itemAdminRoutes, catalogAdminRoutes, accessAdminRoutes, credentialAdminRoutes, policyAdminRoutes, limitAdminRoutes, grantAdminRoutes, auditAdminRoutes, peerAdminRoutes, federationViewAdminRoutes, registryAdminRoutes, relayAdminRoutes, ledgerViewAdminRoutes, ledgerAdminRoutes, settlementAdminRoutes, upstreamCredentialAdminRoutes, providerGroupAdminRoutes, trustAdminRoutes, quarantineAdminRoutes, routeAdminRoutes, paymentTokenAdminRoutes, clearingAdminRoutes, moneyAdminRoutes, budgetAdminRoutes, blackboardAdminRoutes, strongBlackboardAdminRoutes, packageAdminRoutes, alertAdminRoutes, agentAdminRoutes];
  for (const routes of parts) app.route("/", routes(s));
  return app;
}
