// Version 1 backup file vectors (docs/protocol.md §19.1.2), frozen: a node no longer writes
// version 1 but still restores it. A file made from fixed tables with a fixed seed,
// id and nonce (deterministic ML-DSA), the tables it holds, and files a restoring node refuses,
// each with the reason it must give. The gzip stream is Node's: another deflate may compress the
// same rows to other bytes, so readers check opening, and only Node checks the bytes made again.
import { encodeHeader, parseFile, type BackupHeaderV1 } from "../../src/protocol/backup/file.ts";
import { openBackupStream } from "../../src/protocol/backup/open.ts";
import type { TableRows } from "../../src/protocol/backup/seal.ts";
import { sealBackupV1 as sealBackup, sealFileV1 as sealFile } from "./backup-v1-writer.ts";
import { compositeVerifier } from "../../src/protocol/identity/composite.ts";
import { signingKeyFromSeed, type SigningKey } from "../../src/protocol/identity/keys.ts";
import { concat, u32, utf8 } from "../../src/protocol/encoding/bytes.ts";
import { agree, b64, counting, p, write } from "./common.ts";

const identityOf = (k: SigningKey) => ({ nodeId: k.nodeId, signingKey: b64(k.signer.publicKey), sign: (m: Uint8Array, c: string) => k.signer.sign(m, c) });

export async function backupVectors(): Promise<void> {
  const seed = counting(0x40);
  const otherSeed = counting(0x60);
  const [key, other] = await Promise.all([signingKeyFromSeed(p, seed), signingKeyFromSeed(p, otherSeed)]);
  const tables: TableRows[] = [
    { name: "peers", columns: ["node_id", "name", "state"], rows: [["n2", "bravo", "active"], ["n1", "alpha", "pending"]] },
    { name: "ledger_records", columns: ["id", "amount", "unit", "record"], rows: [["r1", 10, "credit", '{"a":1}'], ["r2", 0, null, "ünïcode ✓"]] },
    { name: "trust_cursors", columns: ["name", "value"], rows: [["decay", 0.5]] },
    { name: "rate_limits", columns: ["id"], rows: [] },
  ];
  const fixed = { seed, identity: identityOf(key), schema: "0020_issue19_backups", created: 1_767_225_600, id: counting(0x10, 16), nonce: counting(0x20, 12) };
  const { file, header } = await sealBackup(tables, fixed);
  const verifier = await compositeVerifier(p, key.signer.publicKey);
  const opened = await openBackupStream(new Blob([file as BlobPart]).stream(), { seed, ownSigningKey: b64(key.signer.publicKey), verify: (s, m, c) => verifier.verify(s, m, c), maxPlaintextBytes: 1 << 20, onRows: async () => undefined });
  agree("opened header", header, opened);

  const flip = (bytes: Uint8Array, at: number) => {
    const copy = bytes.slice();
    copy[at < 0 ? copy.length + at : at]! ^= 1;
    return copy;
  };
  const parts = parseFile(file);
  const plaintext = utf8(`{"tables":{"ledger_records":[],"peers":[],"rate_limits":[],"trust_cursors":[]}}`);
  const lying: BackupHeaderV1 = { ...header, plaintextBytes: plaintext.length };
  const v3 = encodeHeader({ ...header, version: 3 as 1 });
  const refused = [
    { name: "a bit of the body flipped", reason: "bad_signature", file: b64(flip(file, -1)) },
    { name: "a bit of the signature flipped", reason: "bad_signature", file: b64(flip(file, 12 + parts.headerBytes.length + 10)) },
    { name: "made by another node (another seed)", reason: "foreign_node", file: b64((await sealBackup(tables, { ...fixed, seed: otherSeed, identity: identityOf(other) })).file) },
    { name: "signed by this node, sealed under another seed's key", reason: "undecryptable", file: b64((await sealBackup(tables, { ...fixed, seed: otherSeed })).file) },
    { name: "signed, sealed, but the rows differ from the header's hashes", reason: "hash_mismatch", file: b64(await sealFile(lying, plaintext, fixed)) },
    { name: "format version 3", reason: "unsupported_version", file: b64(concat(utf8("MCPFEDBK"), u32(v3.length), v3, parts.signature, parts.body)) },
    { name: "no magic", reason: "malformed", file: b64(utf8("PK\u0003\u0004 not a backup")) },
    { name: "cut short after the header", reason: "malformed", file: b64(file.subarray(0, 12 + parts.headerBytes.length + 100)) },
  ];
  write("backup.json", {
    about:
      "Backup files (docs/protocol.md §19.1). `file` is made from `tables` with `seed`, `id` and `nonce` (base64url), signed with deterministic ML-DSA; opening it with the seed gives `header` and the tables. Each of `refused` must be refused, before anything is written, with its `reason`, by the node of `seed`.",
    seed: b64(seed),
    nodeId: key.nodeId,
    signingKey: b64(key.signer.publicKey),
    id: b64(fixed.id),
    nonce: b64(fixed.nonce),
    created: fixed.created,
    schema: fixed.schema,
    tables,
    header,
    file: b64(file),
    refused,
  });
}
