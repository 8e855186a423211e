// The version 1 backup vectors (test/vectors/backup.json), frozen: a node writes version 2 but
// still restores version 1. On each crypto path the file opens with its seed to the stated header
// and tables; the version 1 writer the vectors keep makes the same bytes again (Node's gzip, as
// the vectors were written); each refused file is refused with its reason.
import { describe, expect, it } from "vitest";
import { fromBase64url } from "../../src/protocol/encoding/bytes.ts";
import { BackupError, sortedRows, type BackupHeader, type Cell } from "../../src/protocol/backup/file.ts";
import { openBackupStream } from "../../src/protocol/backup/open.ts";
import type { TableRows } from "../../src/protocol/backup/seal.ts";
import { sealBackupV1 } from "../../scripts/vectors/backup-v1-writer.ts";
import { signingKey } from "../../src/protocol/identity/imported.ts";
import { signingKeyFromSeed } from "../../src/protocol/identity/keys.ts";
import { deterministicMlDsa65 } from "../../src/protocol/identity/noble.ts";
import { noble } from "../../src/protocol/identity/primitives.ts";
import { PATHS, vector } from "./paths.ts";

interface Vectors {
  seed: string;
  nodeId: string;
  signingKey: string;
  id: string;
  nonce: string;
  created: number;
  schema: string;
  tables: TableRows[];
  header: BackupHeader;
  file: string;
  refused: { name: string; reason: string; file: string }[];
}

const v = vector<Vectors>("backup.json");
const seed = fromBase64url(v.seed);

describe.each(PATHS)("backup vectors on %s", (_name, p) => {
  const open = async (file: Uint8Array) => {
    const key = await signingKey(p, v.signingKey);
    const rows: Record<string, Cell[][]> = {};
    const header = await openBackupStream(new Blob([file as BlobPart]).stream(), {
      seed,
      ownSigningKey: v.signingKey,
      verify: (s, m, c) => key.verify(s, m, c),
      maxPlaintextBytes: 1 << 20,
      onRows: async (t, lines) => void (rows[t.name] ??= []).push(...lines.map((l) => JSON.parse(l) as Cell[])),
    });
    return { header, tables: header.tables.map((t) => ({ name: t.name, columns: t.columns, rows: rows[t.name] ?? [] })) };
  };

  it("opens to the stated header and tables", async () => {
    const { header, tables } = await open(fromBase64url(v.file));
    expect(header).toEqual(v.header);
    const byName = (ts: TableRows[]) => Object.fromEntries(ts.map((t) => [t.name, { columns: t.columns, rows: sortedRows(t.rows).rows }]));
    expect(byName(tables)).toEqual(byName(v.tables));
  });

  it.each(v.refused)("refuses $name: $reason", async ({ reason, file }) => {
    const err = await open(fromBase64url(file)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackupError);
    expect((err as BackupError).reason).toBe(reason);
  });
});

describe("writing the vector again", () => {
  it("the version 1 writer makes the same file from the same tables, seed, id and nonce", async () => {
    const key = await signingKeyFromSeed({ ...noble, mlDsa65: deterministicMlDsa65 }, seed);
    expect(key.nodeId).toBe(v.nodeId);
    const { file } = await sealBackupV1(v.tables, {
      seed,
      identity: { nodeId: key.nodeId, signingKey: v.signingKey, sign: (m, c) => key.signer.sign(m, c) },
      schema: v.schema,
      created: v.created,
      id: fromBase64url(v.id),
      nonce: fromBase64url(v.nonce),
    });
    expect(Buffer.from(file).toString("base64url")).toBe(v.file);
  });
});
