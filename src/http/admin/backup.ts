// Admin API for backups (docs/protocol.md §19.1): download one, list and fetch the scheduled
// ones, compare table hashes, restore. Mounted before the admin body cap: a restore's body is a
// whole backup, opened chunk by chunk as it streams in and cut off past BACKUP_MAX_BYTES.
import { Hono, type Context } from "hono";
import { z } from "zod";
import { BackupError, type BackupRefusal } from "../../protocol/backup/file.ts";
import { makeBackup, restoreBackup, tableHashes } from "../../node/backup/backups.ts";
import { keptBackup, keptBackups } from "../../node/backup/schedule.ts";
import { depositAtPeers } from "../../node/backup/deposits.ts";
import { heldForPeers } from "../../node/backup/held.ts";
import { MAX_RECOVERY_PEERS, recoverFromPeers, RecoveryFailed } from "../../node/backup/recovery.ts";
import { readLimited } from "../../node/outbound/limited-body.ts";
import type { Services } from "../../node/services.ts";
import type { AppEnv } from "../request/app-env.ts";
import { fail } from "./respond.ts";

const refusalStatus: Record<BackupRefusal, 400 | 409 | 413 | 422> = {
  malformed: 400,
  unsupported_version: 422,
  foreign_node: 422,
  bad_signature: 422,
  undecryptable: 422,
  too_large: 413,
  hash_mismatch: 422,
  schema_mismatch: 409,
  not_fresh: 409,
};

function file(c: Context, bytes: Uint8Array, name: string): Response {
  return c.body(bytes as Uint8Array<ArrayBuffer>, 200, { "content-type": "application/octet-stream", "content-disposition": `attachment; filename="${name}"` });
}

const fileName = (nodeId: string, created: number) => `mcpfed-${nodeId.slice(0, 8)}-${created}.backup`;

const recoverBody = z.strictObject({ peers: z.array(z.url({ protocol: /^https?$/ })).min(1).max(MAX_RECOVERY_PEERS) });

export function backupAdminRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/backup", async (c) => {
    const { file: bytes, header } = await makeBackup(s, s.now());
    // A GET is not otherwise audited; taking every table out of the node is.
    c.var.defer(s.access.audit.append({ actor: "operator", action: "admin.GET /backup", target: header.id, decision: "ok", reason: `${bytes.length} bytes` }));
    return file(c, bytes, fileName(header.nodeId, header.created));
  });
  app.get("/backup/hashes", async (c) => c.json({ tables: await tableHashes(s) }));
  app.get("/backups", async (c) => c.json({ backups: await keptBackups(s) }));
  app.get("/backups/:id", async (c) => {
    const bytes = await keptBackup(s, c.req.param("id"));
    if (!bytes) return fail(c, "not_found", "no kept backup by that id");
    return file(c, bytes, `mcpfed-${c.req.param("id")}.backup`);
  });
  app.post("/restore", async (c) => {
    const replace = c.req.query("replace") === "true";
    if (!c.req.raw.body) return c.json({ error: { code: "malformed", message: "the request has no body: send the backup file" } }, 400);
    try {
      const restored = await restoreBackup(s, c.req.raw.body, { replace, now: s.now() });
      s.federatedTools.invalidate();
      return c.json({ restored });
    } catch (err) {
      if (!(err instanceof BackupError)) throw err;
      return c.json({ error: { code: err.reason, message: err.message } }, refusalStatus[err.reason]);
    }
  });
  // Peer-assisted backups (docs/protocol.md §19.2).
  app.post("/backup/deposit", async (c) => {
    if (s.config.backup.peers === "off") return c.json({ error: { code: "deposits_off", message: "BACKUP_PEERS is off: name the peers that hold this node's backups, or all-approved" } }, 409);
    const { file: bytes, header } = await makeBackup(s, s.now());
    const deposits = await depositAtPeers(s, bytes);
    c.var.defer(s.access.audit.append({ actor: "operator", action: "admin.POST /backup/deposit", target: header.id, decision: "ok", reason: `${bytes.length} bytes to ${deposits.length} peers` }));
    return c.json({ id: header.id, bytes: bytes.length, tables: header.tables.map((t) => ({ name: t.name, rows: t.rows, sha256: t.sha256 })), deposits });
  });
  app.get("/backup/held", async (c) => c.json({ held: await heldForPeers(s) }));
  app.post("/recover", async (c) => {
    // Mounted before the admin body cap: this body is a short list of URLs.
    const bytes = await readLimited(new Response(c.req.raw.body), 16 * 1024);
    let raw: unknown;
    try {
      raw = bytes && JSON.parse(new TextDecoder().decode(bytes));
    } catch {
      raw = undefined;
    }
    const body = recoverBody.safeParse(raw);
    if (!body.success) return fail(c, "invalid_request", `give {"peers": [1–${MAX_RECOVERY_PEERS} peer URLs]}`);
    try {
      const report = await recoverFromPeers(s, body.data.peers);
      s.federatedTools.invalidate();
      return c.json(report);
    } catch (err) {
      if (!(err instanceof RecoveryFailed)) throw err;
      return c.json({ error: { code: err.reason ?? "no_copy", message: err.message }, copies: err.copies }, err.reason === "not_fresh" ? 409 : 422);
    }
  });
  return app;
}
