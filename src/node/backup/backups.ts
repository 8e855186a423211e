// Making and restoring this node's backup (docs/protocol.md §19.1): every backed-up table, sealed
// under NODE_SEED and signed by this node. A restore reads the file as it streams in, stages each
// checked batch of rows apart from the live tables, and moves them in with one batch only once
// the whole file has passed: memory holds a chunk and a batch, whatever the backup's size.
import { toBase64url } from "../../protocol/encoding/bytes.ts";
import { BackupError, type BackupHeader } from "../../protocol/backup/file.ts";
import { openBackupStream } from "../../protocol/backup/open.ts";
import { sealBackup, tableHash } from "../../protocol/backup/seal.ts";
import { signingKey } from "../../protocol/identity/imported.ts";
import { checkRestoredTables, readTables, replaceFromStaging, schemaVersion, tableCounts, TableMismatch } from "../../store/backup-tables.ts";
import { RestoreStaging } from "../../store/restore-staging.ts";
import type { Database } from "../../store/database.ts";
import type { LocalIdentity } from "../identity/local.ts";
import type { Config } from "../settings/config.ts";

/**
 * Tables a node writes by itself before anyone uses it: a node holding rows only in these is
 * fresh, and a restore replaces them without being told to.
 */
const SELF_WRITTEN: Readonly<Record<string, string>> = {
  kem_keys: "the first encryption-key epoch, made at start",
  trust_cursors: "the trust engine's cursors, set by the first tick",
  audit_log: "the operator's own admin actions, such as this restore's preparations",
  alert_rules: "the default alert rules, placed when the rules are first read (the first tick)",
  alert_marks: "which defaults were written, and how far the audit rule has verified",
};

/** What backups need of a node: its settings (the seed), its store and its identity. */
export interface BackupParts {
  config: Config;
  db: Database;
  identity: () => Promise<LocalIdentity>;
}

/** A backup file of everything this node keeps, and its header. */
export async function makeBackup(s: BackupParts, now: number): Promise<{ file: Uint8Array; header: BackupHeader }> {
  const id = await s.identity();
  const tables = await readTables(s.db);
  return sealBackup(tables, {
    seed: s.config.nodeSeed,
    identity: { nodeId: id.nodeId, signingKey: toBase64url(id.signing.signer.publicKey), sign: (m, c) => id.signing.signer.sign(m, c) },
    schema: schemaVersion(),
    created: now,
  });
}

/** Throws not_fresh when this node holds rows beyond those it writes by itself. */
export async function assertFresh(s: Pick<BackupParts, "db">): Promise<void> {
  const held = Object.entries(await tableCounts(s.db)).filter(([name]) => !(name in SELF_WRITTEN));
  if (held.length) throw new BackupError("not_fresh", `this node already holds data (${held.map(([n, c]) => `${n}: ${c}`).join(", ")}); restore on a fresh node, or replace it all with replace=true`);
}

export interface Restored {
  id: string;
  nodeId: string;
  created: number;
  tables: { name: string; rows: number; sha256: string }[];
}

/**
 * Restores a file this node made (same NODE_SEED) from its bytes as they arrive: refuses it with a
 * BackupError, leaving the live tables as they were, when it is not this node's, altered, cut
 * short, too large, of another schema, or when this node already holds data and `replace` was not
 * asked for.
 */
export async function restoreBackup(s: BackupParts, body: ReadableStream<Uint8Array>, o: { replace: boolean; now: number }): Promise<Restored> {
  const id = await s.identity();
  const own = toBase64url(id.signing.signer.publicKey);
  const verifier = await signingKey(id.primitives, own);
  const staging = new RestoreStaging(s.db, toBase64url(crypto.getRandomValues(new Uint8Array(16))), o.now);
  try {
    const header = await openBackupStream(body, {
      seed: s.config.nodeSeed,
      ownSigningKey: own,
      verify: (sig, m, c) => verifier.verify(sig, m, c),
      maxPlaintextBytes: s.config.backup.maxBytes,
      onHeader: async (h) => {
        if (h.schema !== schemaVersion()) throw new BackupError("schema_mismatch", `the backup's tables are of schema ${h.schema}; this node runs ${schemaVersion()}: restore it on a node of the same version`);
        try {
          checkRestoredTables(h.tables);
        } catch (err) {
          if (err instanceof TableMismatch) throw new BackupError("schema_mismatch", err.message);
          throw err;
        }
        if (!o.replace) await assertFresh(s);
        await staging.dropAbandoned();
      },
      onRows: (t, rows) => staging.add(t.name, rows),
    });
    // Checked again: the stream may have taken minutes, and the tick may have written since.
    if (!o.replace) await assertFresh(s);
    await replaceFromStaging(s.db, staging.restore);
    return { id: header.id, nodeId: header.nodeId, created: header.created, tables: header.tables.map((t) => ({ name: t.name, rows: t.rows, sha256: t.sha256 })) };
  } catch (err) {
    // The refusal's reason is what the operator needs; a failed cleanup is left to the next restore's dropAbandoned.
    await staging.drop().catch(() => undefined);
    throw err;
  }
}

/** Each backed-up table's row count and hash as stored now: what two nodes compare after a restore. */
export async function tableHashes(s: { db: Database }): Promise<{ name: string; rows: number; sha256: string }[]> {
  const out = [];
  for (const t of await readTables(s.db)) out.push({ name: t.name, rows: t.rows.length, sha256: (await tableHash(t)).sha256 });
  return out.sort((a, b) => (a.name < b.name ? -1 : 1));
}
