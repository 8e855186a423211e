// Backup and restore of a node holding RECORDS ledger records (issue 19), on real libSQL files:
// the time to make the file (read every table, hash, gzip, AES-256-GCM, composite signature), the
// time to restore it into a fresh node (verify, decrypt, inflate, check every hash, one batch),
// and the file's size; beside the baseline measured in the same run, reading the same tables
// without making a file. Records are the size of a real call record with Ed25519 signatures.
//
//   npm run bench:backup          (RECORDS=100000 RUNS=3)
import { loadConfig } from "../../src/node/settings/config.ts";
import { loadIdentity } from "../../src/node/identity/local.ts";
import { makeBackup, restoreBackup } from "../../src/node/backup/backups.ts";
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
let size = 0;
for (let run = 0; run < RUNS; run++) {
  let t = performance.now();
  await readTables(source.db);
  read.push(performance.now() - t);
  t = performance.now();
  const { file } = await makeBackup(parts(source.db), Math.floor(Date.now() / 1000));
  made.push(performance.now() - t);
  size = file.length;
  const target = await openTestDatabase();
  t = performance.now();
  await restoreBackup(parts(target.db), new Blob([file as BlobPart]).stream(), { replace: false, now: Math.floor(Date.now() / 1000) });
  restored.push(performance.now() - t);
  target.close();
}
const base = median(read);
console.log(
  table(
    ["step", "median ms", "× reading the tables"],
    [
      ["read every table (baseline)", base.toFixed(0), "1.00"],
      ["backup: make the file", median(made).toFixed(0), (median(made) / base).toFixed(2)],
      ["restore into a fresh node", median(restored).toFixed(0), (median(restored) / base).toFixed(2)],
    ],
  ),
);
console.log(`file: ${(size / 1024 / 1024).toFixed(1)} MiB (${(size / RECORDS).toFixed(0)} bytes per record)`);
source.close();
