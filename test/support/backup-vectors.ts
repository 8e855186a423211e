// What the two backup vector tests (version 1, test/protocol/backup-vectors.test.ts; version 2,
// backup-stream-vectors.test.ts) do alike: open a vector's file as a restore does, collecting each
// table's row lines, and sign again as the vector's node to make the file anew.
import type { BackupHeader } from "../../src/protocol/backup/file.ts";
import { openBackupStream } from "../../src/protocol/backup/open.ts";
import type { BackupIdentity } from "../../src/protocol/backup/seal.ts";
import { fromBase64url } from "../../src/protocol/encoding/bytes.ts";
import { signingKey } from "../../src/protocol/identity/imported.ts";
import { signingKeyFromSeed } from "../../src/protocol/identity/keys.ts";
import { deterministicMlDsa65 } from "../../src/protocol/identity/noble.ts";
import { noble, type Primitives } from "../../src/protocol/identity/primitives.ts";

export interface BackupVectorKeys {
  seed: string;
  nodeId: string;
  signingKey: string;
}

/** The vector's file read from `body` on primitives `p`: its header and each table's row lines. */
export async function openBackupVector(v: BackupVectorKeys, p: Primitives, body: ReadableStream<Uint8Array>, maxPlaintextBytes = 1 << 20): Promise<{ header: BackupHeader; rows: Record<string, string[]> }> {
  const key = await signingKey(p, v.signingKey);
  const rows: Record<string, string[]> = {};
  const header = await openBackupStream(body, {
    seed: fromBase64url(v.seed),
    ownSigningKey: v.signingKey,
    verify: (s, m, c) => key.verify(s, m, c),
    maxPlaintextBytes,
    onRows: async (t, lines) => void (rows[t.name] ??= []).push(...lines),
  });
  return { header, rows };
}

/** The vector's node, signing with the deterministic ML-DSA-65 the vectors were written with; its id is checked against the vector's by the caller. */
export async function backupVectorIdentity(v: BackupVectorKeys): Promise<BackupIdentity> {
  const key = await signingKeyFromSeed({ ...noble, mlDsa65: deterministicMlDsa65 }, fromBase64url(v.seed));
  return { nodeId: key.nodeId, signingKey: v.signingKey, sign: (m, c) => key.signer.sign(m, c) };
}
