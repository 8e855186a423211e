// The operator's view of the ledger in the admin API: balances, records, flags, the accounting
// export, restoring records, reconciling with a peer on demand, and each peer's reconciliation schedule.
import { Hono, type Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../request/app-env.ts";
import { fail, readJson } from "./respond.ts";
import { PeerRequestError } from "../../node/federation-client/errors.ts";
import { ReconcileFormatError } from "../../protocol/reconciliation.ts";
import { nodeId } from "../../protocol/registry/entry.ts";
import { findPeer } from "../../node/peers/directory.ts";
import type { Services } from "../../node/services.ts";
import { balancesCsv, recordRow, recordsCsv } from "../../node/ledger/export.ts";
import { ReconcileUnsettled } from "../../node/ledger/reconciliation.ts";
import { reconcileScheduler } from "../../node/ledger/reconcile-schedule.ts";
import { SCHEDULES } from "../../node/schedules/schedule.ts";
import type { StoredRecord } from "../../node/ledger/ledger.ts";
import type { Stage } from "../../node/ledger/checkpoints.ts";

const format = z.enum(["json", "csv"]).default("json");
/** A peer's own schedule, or `default` to follow LEDGER_RECONCILE_SCHEDULE again. */
const scheduleBody = z.object({ schedule: z.enum([...SCHEDULES, "default"]) }).strict();

const recordsQuery = z.object({
  status: z.enum(["pending", "confirmed", "disputed"]).optional(),
  peer: nodeId.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

/** Records as GET /ledger/records returns them: what POST /ledger/records takes back. ~14 KB each, within the admin body limit. */
const MAX_RESTORE = 16;
const restoreBody = z.object({ records: z.array(z.unknown()).min(1).max(MAX_RESTORE) }).strict();

function recordView(r: StoredRecord, stage: Stage | undefined) {
  return { id: r.id, peer: r.peer, role: r.role, status: r.status, stage: stage ?? r.status, reason: r.reason, record: JSON.parse(r.record) as unknown };
}

/** The records `GET /ledger/records` lists for `query`, each with its checkpoint stage. */
export async function recordViews(s: Services, query: z.infer<typeof recordsQuery>) {
  const records = await s.ledger.list(query);
  const stages = await s.checkpoints.stages(records);
  return records.map((r) => recordView(r, stages.get(r.id)));
}

function csvDownload(c: Context, name: string, body: string): Response {
  return c.body(body, 200, { "content-type": "text/csv; charset=utf-8", "content-disposition": `attachment; filename="${name}"` });
}

export function ledgerAdminRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get("/ledger/balances", async (c) => {
    const f = format.safeParse(c.req.query("format") || undefined);
    if (!f.success) return fail(c, "invalid_request", "format is json or csv");
    const balances = await s.ledger.balances();
    return f.data === "csv" ? csvDownload(c, "ledger-balances.csv", balancesCsv(balances)) : c.json({ balances });
  });

  app.get("/ledger/records", async (c) => {
    const q = recordsQuery.safeParse({ status: c.req.query("status") || undefined, peer: c.req.query("peer") || undefined, limit: c.req.query("limit") || undefined });
    if (!q.success) return fail(c, "invalid_request", "status is pending, confirmed or disputed; peer a node id; limit 1 to 1000");
    return c.json({ records: await recordViews(s, q.data) });
  });

  // A record with what a third party needs to check it alone (protocol §8.9): its checkpoints and inclusion paths.
  app.get("/ledger/records/:id/proof", async (c) => {
    const id = c.req.param("id");
    if (!/^[0-9a-f]{64}$/.test(id)) return fail(c, "invalid_request", "a record id is 64 hex characters");
    const found = await s.checkpoints.proof(id);
    if (!found) return fail(c, "not_found", "no such record");
    return c.json(found);
  });

  // Restoring records (from GET /ledger/records, or handed over by the peer's operator): each is
  // verified as a peer's would be, so nothing unsigned, altered or not this node's gets in.
  app.post("/ledger/records", async (c) => {
    const body = await readJson(c, restoreBody);
    if (!body.ok) return body.res;
    const results = [];
    for (const r of body.value.records) {
      const got = await s.ledger.receive(r, null);
      const id = (r as { intent?: { id?: unknown } } | null)?.intent?.id;
      results.push({ id: typeof id === "string" ? id : null, ...got });
    }
    return c.json({ results });
  });

  app.get("/ledger/flags", async (c) => c.json({ flags: await s.ledger.flags() }));

  app.get("/ledger/export", async (c) => {
    const f = format.safeParse(c.req.query("format") || undefined);
    if (!f.success) return fail(c, "invalid_request", "format is json or csv");
    // Oldest first, as a statement reads.
    const records = (await s.ledger.list()).reverse();
    const stages = await s.checkpoints.stages(records);
    const rows = records.map((r) => recordRow(r, stages.get(r.id) ?? r.status));
    return f.data === "csv" ? csvDownload(c, "ledger-records.csv", recordsCsv(rows)) : c.json({ records: rows });
  });

  app.post("/ledger/reconcile/:peer", async (c) => {
    const peer = await findPeer(s, c.req.param("peer"));
    if (!peer) return fail(c, "not_found", "no such peer");
    if (peer.state !== "active") return fail(c, "conflict", `the peer is ${peer.state}, not active`);
    try {
      return c.json({ peer: peer.nodeId, reconciled: await reconcileScheduler(s).run(peer.nodeId) });
    } catch (err) {
      if (err instanceof PeerRequestError) return fail(c, "bad_gateway", `${err.message} (${err.code})`);
      if (err instanceof ReconcileFormatError) return fail(c, "bad_gateway", `the peer's reconciliation message does not decode: ${err.message}`);
      if (err instanceof ReconcileUnsettled) return fail(c, "bad_gateway", err.message);
      throw err;
    }
  });

  // Every active peer's reconciliation schedule, its last run and when the tick may next run it.
  app.get("/ledger/schedules", async (c) => {
    return c.json({ default: s.config.reconcile.schedule, perTick: s.config.reconcile.perTick, peers: await reconcileScheduler(s).list() });
  });

  app.put("/ledger/schedules/:peer", async (c) => {
    const body = await readJson(c, scheduleBody);
    if (!body.ok) return body.res;
    const peer = await findPeer(s, c.req.param("peer"));
    if (!peer) return fail(c, "not_found", "no such peer");
    const scheduler = reconcileScheduler(s);
    await scheduler.choose(peer.nodeId, body.value.schedule);
    const view = (await scheduler.list()).find((p) => p.peer === peer.nodeId);
    // A peer that is not active keeps its schedule for when it is, and has no runs to show.
    return c.json(view ?? { peer: peer.nodeId, schedule: body.value.schedule === "default" ? s.config.reconcile.schedule : body.value.schedule, own: body.value.schedule !== "default" });
  });

  return app;
}
