// The backup vectors (test/vectors/backup.json): on each crypto path the file opens with its seed
// to the stated header and tables; sealing the same tables with the same seed, id and nonce makes
// the same bytes (Node's gzip, as the vectors were written); each refused file is refused with its
// reason.
import { describe, expect, it } from "vitest";
import { fromBase64url } from "../../src/protocol/encoding/bytes.ts";
import { BackupError, sortedRows, type BackupHeader } from "../../src/protocol/backup/file.ts";
import { openBackup, sealBackup, type TableRows } from "../../src/protocol/backup/seal.ts";
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
    return openBackup(file, { seed, ownSigningKey: v.signingKey, verify: (s, m, c) => key.verify(s, m, c), maxPlaintextBytes: 1 << 20 });
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
  it("the same tables, seed, id and nonce make the same file", async () => {
    const key = await signingKeyFromSeed({ ...noble, mlDsa65: deterministicMlDsa65 }, seed);
    expect(key.nodeId).toBe(v.nodeId);
    const { file } = await sealBackup(v.tables, {
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
