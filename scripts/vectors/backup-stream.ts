// Version 2 backup file vectors (docs/protocol.md §19.1.1): a file whose body is sealed in chunks
// (STREAM: nonce = prefix ‖ u32 counter ‖ last flag), made from fixed tables with a fixed seed,
// id, nonce prefix and a 4 KiB chunk size, so that its body spans several chunks; and files a
// restoring node refuses chunk by chunk, each with the reason it must give. The gzip stream is
// Node's: only Node checks the bytes made again; every reader checks opening.
import { COMPOSITE_SIGNATURE_BYTES, compositeVerifier } from "../../src/protocol/identity/composite.ts";
import { signingKeyFromSeed, type SigningKey } from "../../src/protocol/identity/keys.ts";
import { concat } from "../../src/protocol/encoding/bytes.ts";
import { parseFile, TAG_BYTES, type BackupHeaderV2 } from "../../src/protocol/backup/file.ts";
import { openBackupStream } from "../../src/protocol/backup/open.ts";
import { payloadLines, sealBackup, sealFile, type TableRows } from "../../src/protocol/backup/seal.ts";
import { agree, b64, counting, hex, p, write } from "./common.ts";

const identityOf = (k: SigningKey) => ({ nodeId: k.nodeId, signingKey: b64(k.signer.publicKey), sign: (m: Uint8Array, c: string) => k.signer.sign(m, c) });

/** Bytes gzip cannot shrink much, from a fixed start: xorshift32. */
function noise(seed: number, length: number): string {
  const out = new Uint8Array(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return hex(out);
}

export async function backupStreamVectors(): Promise<void> {
  const seed = counting(0x41);
  const otherSeed = counting(0x61);
  const key = await signingKeyFromSeed(p, seed);
  const tables: TableRows[] = [
    { name: "peers", columns: ["node_id", "name", "state"], rows: [["n2", "bravo", "active"], ["n1", "alpha", "pending"]] },
    { name: "ledger_records", columns: ["id", "amount", "unit", "record"], rows: Array.from({ length: 6 }, (_, i) => [`r${i}`, i * 10, i % 2 ? null : "credit", noise(i + 1, 2400)]) },
    { name: "trust_cursors", columns: ["name", "value"], rows: [["decay", 0.5], ["ünïcode ✓", -1]] },
    { name: "rate_limits", columns: ["id"], rows: [] },
  ];
  const fixed = { seed, identity: identityOf(key), schema: "0030_backup_chunks", created: 1_767_225_600, id: counting(0x11, 16), noncePrefix: counting(0x21, 7), chunkBytes: 4096 };
  const { file, header } = await sealBackup(tables, fixed);
  const verifier = await compositeVerifier(p, key.signer.publicKey);
  const rows: Record<string, string[]> = {};
  const opened = await openBackupStream(new Blob([file as BlobPart]).stream(), {
    seed,
    ownSigningKey: b64(key.signer.publicKey),
    verify: (s, m, c) => verifier.verify(s, m, c),
    maxPlaintextBytes: 1 << 20,
    onRows: async (t, r) => void (rows[t.name] ??= []).push(...r),
  });
  agree("opened header", header, opened);

  // The body's chunks, sealed: every one but the last is chunkBytes + 16 long.
  const { body } = parseFile(file);
  const head = file.subarray(0, file.length - body.length);
  const sealed = header.chunkBytes + TAG_BYTES;
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < body.length; i += sealed) chunks.push(body.subarray(i, i + sealed));
  if (chunks.length < 3) throw new Error(`the vector's body should span 3 chunks at least, not ${chunks.length}`);
  const flip = (bytes: Uint8Array, at: number) => {
    const copy = bytes.slice();
    copy[at]! ^= 1;
    return copy;
  };
  const withChunks = (cs: Uint8Array[]) => concat(head, ...cs);
  const lying: BackupHeaderV2 = { ...header, tables: header.tables.map((t) => (t.name === "peers" ? { ...t, sha256: "0".repeat(64) } : t)) };
  const lines = payloadLines([...tables].sort((a, b) => (a.name < b.name ? -1 : 1)).map((t) => ({ texts: rows[t.name] ?? [] })));
  const refused = [
    { name: "truncated inside the last chunk", reason: "undecryptable", file: b64(file.subarray(0, file.length - 5)) },
    { name: "the last chunk dropped (cut at a chunk boundary)", reason: "undecryptable", file: b64(withChunks(chunks.slice(0, -1))) },
    { name: "chunks 0 and 1 swapped", reason: "undecryptable", file: b64(withChunks([chunks[1]!, chunks[0]!, ...chunks.slice(2)])) },
    { name: "chunk 1 repeated", reason: "undecryptable", file: b64(withChunks([chunks[0]!, chunks[1]!, chunks[1]!, ...chunks.slice(2)])) },
    { name: "a chunk after the last", reason: "undecryptable", file: b64(withChunks([...chunks, chunks.at(-1)!])) },
    { name: "a bit of chunk 1 flipped", reason: "undecryptable", file: b64(withChunks([chunks[0]!, flip(chunks[1]!, 100), ...chunks.slice(2)])) },
    { name: "signed by this node, sealed under another seed's key (wrong key)", reason: "undecryptable", file: b64((await sealBackup(tables, { ...fixed, seed: otherSeed })).file) },
    { name: "a bit of the signature flipped", reason: "bad_signature", file: b64(flip(file, head.length - COMPOSITE_SIGNATURE_BYTES + 10)) },
    { name: "signed, sealed, but a table's rows differ from the header's hash", reason: "hash_mismatch", file: b64(await sealFile(lying, lines, fixed)) },
  ];
  write("backup-stream.json", {
    about:
      "Version 2 backup files (docs/protocol.md §19.1.1): the body sealed in chunks, STREAM construction. `file` is made from `tables` with `seed`, `id`, `noncePrefix` and `chunkBytes`, signed with deterministic ML-DSA; opening it with the seed gives `header` and each table's rows (`rows`: canonical JSON lines in file order). Each of `refused` must be refused with its `reason` by the node of `seed`, and nothing restored.",
    seed: b64(seed),
    nodeId: key.nodeId,
    signingKey: b64(key.signer.publicKey),
    id: b64(fixed.id),
    noncePrefix: b64(fixed.noncePrefix),
    chunkBytes: fixed.chunkBytes,
    created: fixed.created,
    schema: fixed.schema,
    tables,
    header,
    rows,
    chunks: chunks.length,
    file: b64(file),
    refused,
  });
}
