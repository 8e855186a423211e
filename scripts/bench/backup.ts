// Backup and restore of a node holding RECORDS ledger records (issue 19), on real libSQL files:
// the time to make the file (read every table, hash, gzip, chunked AES-256-GCM, composite
// signature), the time and peak memory to restore it into a fresh node as it streams in (each
// chunk opened and its rows staged as it arrives, then one batch), and the file's size; beside the
// baselines measured in the same run: reading the same tables without making a file, and restoring
// the same tables from a version 1 file (sealed whole: read whole, opened whole), the format before
// this one. Peak memory is the process's heap plus array buffers, sampled every 5 ms during the
// restore, above what it was just before. Records are the size of a real call record with
// Ed25519 signatures.
//
//   npm run bench:backup          (RECORDS=100000 RUNS=3)
import { loadConfig } from "../../src/node/settings/config.ts";
import { loadIdentity } from "../../src/node/identity/local.ts";
import { makeBackup, restoreBackup } from "../../src/node/backup/backups.ts";
import { toBase64url } from "../../src/protocol/encoding/bytes.ts";
import { schemaVersion } from "../../src/store/backup-tables.ts";
import { sealBackupV1 } from "../vectors/backup-v1-writer.ts";
import { newSeed } from "../../src/protocol/identity/seed.ts";
import { readTables } from "../../src/store/backup-tables.ts";
import { chunks } from "../../src/store/database.ts";
import { ledgerRecords } from "../../src/store/schema/index.ts";
import { openTestDatabase } from "../../test/support/libsql.ts";
import { intEnv, machine, median, table } from "./lib.ts";

const RECORDS = intEnv("RECORDS", 100_000);
const RUNS = intEnv("RUNS", 3);

const config = loadConfig({ ADMIN_TOKEN: "bench-admin-token-0123456789", NODE_SEED: newSeed() });
const source = await openTestDatabase();
const parts = (db: typeof source.db) => ({ config, db, identity: () => loadIdentity(config, db) });

const sig = () => Buffer.from(crypto.getRandomValues(new Uint8Array(64))).toString("base64url");
const rows = Array.from({ length: RECORDS }, (_, i) => {
  const id = i.toString(16).padStart(64, "0");
  const record = JSON.stringify({
    v: 1,
    intent: { id, consumer: "c".repeat(52), provider: "p".repeat(52), tool: `everything_echo_${i % 50}`, requestHash: "a".repeat(64), grant: null, maxAmount: 10, unit: "credit", at: 1_767_225_600 + i },
    receipt: { amount: i % 10, unit: "credit", outcome: "ok", completedAt: 1_767_225_601 + i },
    sigs: { intent: sig(), receipt: sig(), countersign: sig() },
  });
  return { id, peer: "p".repeat(52), role: i % 2 ? ("consumer" as const) : ("provider" as const), status: "confirmed" as const, hash: id.split("").reverse().join(""), completedAt: 1_767_225_601 + i, unit: "credit", amount: i % 10, record };
});
for (const part of chunks(rows, 12)) await source.db.insert(ledgerRecords).values(part);
console.log(`${RECORDS} ledger records, ~${rows[0]!.record.length} bytes of record each; ${machine()}`);

const read: number[] = [];
const made: number[] = [];
const restored: number[] = [];
const restoredV1: number[] = [];
const peak: number[] = [];
const peakV1: number[] = [];
let size = 0;
let sizeV1 = 0;

const used = () => {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

/** Restores `file` into a fresh node; its time and the peak memory above the start. */
async function restoreInto(file: Uint8Array): Promise<{ ms: number; peakBytes: number }> {
  const target = await openTestDatabase();
  (globalThis as { gc?: () => void }).gc?.();
  const base = used();
  let top = base;
  const sampler = setInterval(() => (top = Math.max(top, used())), 5);
  const t = performance.now();
  // As a request body arrives: 64 KiB pieces.
  let at = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(c) {
      if (at >= file.length) return c.close();
      c.enqueue(file.subarray(at, at + 65_536));
      at += 65_536;
    },
  });
  await restoreBackup(parts(target.db), body, { replace: false, now: Math.floor(Date.now() / 1000) });
  const ms = performance.now() - t;
  clearInterval(sampler);
  top = Math.max(top, used());
  target.close();
  return { ms, peakBytes: top - base };
}

for (let run = 0; run < RUNS; run++) {
  let t = performance.now();
  const tables = await readTables(source.db);
  read.push(performance.now() - t);
  t = performance.now();
  const { file } = await makeBackup(parts(source.db), Math.floor(Date.now() / 1000));
  made.push(performance.now() - t);
  size = file.length;
  const id = await parts(source.db).identity();
  const v1 = (
    await sealBackupV1(tables, {
      seed: config.nodeSeed,
      identity: { nodeId: id.nodeId, signingKey: toBase64url(id.signing.signer.publicKey), sign: (m, c) => id.signing.signer.sign(m, c) },
      schema: schemaVersion(),
      created: Math.floor(Date.now() / 1000),
    })
  ).file;
  sizeV1 = v1.length;
  // Alternate which format goes first, so neither always runs on a warmer process.
  const order = run % 2 ? (["v1", "v2"] as const) : (["v2", "v1"] as const);
  for (const which of order) {
    const r = await restoreInto(which === "v2" ? file : v1);
    (which === "v2" ? restored : restoredV1).push(r.ms);
    (which === "v2" ? peak : peakV1).push(r.peakBytes);
  }
}
const base = median(read);
const mib = (b: number) => (b / 1024 / 1024).toFixed(1);
console.log(
  table(
    ["step", "median ms", "× reading the tables", "peak memory MiB"],
    [
      ["read every table (baseline)", base.toFixed(0), "1.00", ""],
      ["backup: make the file (version 2)", median(made).toFixed(0), (median(made) / base).toFixed(2), ""],
      ["restore a version 1 file (before: sealed whole)", median(restoredV1).toFixed(0), (median(restoredV1) / base).toFixed(2), mib(median(peakV1))],
      ["restore a version 2 file (after: chunk by chunk)", median(restored).toFixed(0), (median(restored) / base).toFixed(2), mib(median(peak))],
    ],
  ),
);
console.log(`file: version 2 ${mib(size)} MiB (${(size / RECORDS).toFixed(0)} bytes per record), version 1 ${mib(sizeV1)} MiB`);
console.log(`restore, version 2 / version 1: time ${(median(restored) / median(restoredV1)).toFixed(2)}, peak memory ${(median(peak) / median(peakV1)).toFixed(2)}`);
source.close();
