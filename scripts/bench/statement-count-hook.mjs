// Preloaded into a benchmarked node process (node --import): counts the SQL statements the
// embedded libSQL client runs. SIGUSR1… is the inspector's, SIGUSR2 the CPU profiler's, so the
// counter is driven by a file: while $BENCH_SQL_DIR/$NODE_NAME.sql exists, each
// statement appends one line ("execute" or "batch <n>", then the SQL) to it. A batch is one round
// to the database, its statements are listed under it.
import { appendFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { Sqlite3Client, Sqlite3Transaction } from "@libsql/client/sqlite3";

const dir = process.env.BENCH_SQL_DIR;
if (dir) {
  const out = join(dir, `${process.env.NODE_NAME}.sql`);
  const text = (s) => (typeof s === "string" ? s : Array.isArray(s) ? s[0] : s.sql).replace(/\s+/g, " ");
  const log = (lines) => {
    if (existsSync(out)) appendFileSync(out, lines.join("\n") + "\n");
  };
  for (const proto of [Sqlite3Client.prototype, Sqlite3Transaction.prototype]) {
    const execute = proto.execute;
    proto.execute = function (stmt, args) {
      log([`execute\t${text(stmt)}`]);
      return execute.call(this, stmt, args);
    };
    const batch = proto.batch;
    proto.batch = function (stmts, ...rest) {
      log([`batch ${stmts.length}`, ...stmts.map((s) => `\t${text(s)}`)]);
      return batch.call(this, stmts, ...rest);
    };
  }
  const transaction = Sqlite3Client.prototype.transaction;
  Sqlite3Client.prototype.transaction = function (mode) {
    log([`transaction ${mode ?? "write"}`]);
    return transaction.call(this, mode);
  };
}
