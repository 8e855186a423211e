// Admin API for backups (docs/protocol.md §19.1): download one, list and fetch the scheduled
// ones, compare table hashes, restore. Mounted before the admin body cap: a restore's body is a
// whole backup, read up to BACKUP_MAX_BYTES while it streams in.
import { Hono, type Context } from "hono";
import { BackupError, type BackupRefusal } from "../../protocol/backup/file.ts";
import { makeBackup, restoreBackup, tableHashes } from "../../node/backup/backups.ts";
import { keptBackup, keptBackups } from "../../node/backup/schedule.ts";
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
    const bytes = await readLimited(new Response(c.req.raw.body, { headers: c.req.raw.headers }), s.config.backup.maxBytes);
    if (!bytes) return c.json({ error: { code: "too_large", message: `the file is larger than BACKUP_MAX_BYTES (${s.config.backup.maxBytes})` } }, 413);
    try {
      const restored = await restoreBackup(s, bytes, { replace });
      s.federatedTools.invalidate();
      return c.json({ restored });
    } catch (err) {
      if (!(err instanceof BackupError)) throw err;
      return c.json({ error: { code: err.reason, message: err.message } }, refusalStatus[err.reason]);
    }
  });
  return app;
}
