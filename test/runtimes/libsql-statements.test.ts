// Kept statements (src/runtimes/libsql-statements.ts) through @libsql/client on a real embedded
// database file: each SQL text is prepared once per connection, and a kept statement answers as a
// fresh one would: rows, a refused insert and the statement's next use, RETURNING with and without
// a row, statements without rows in batches and transactions, eviction past the bound.
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient, type Client } from "@libsql/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KEPT_STATEMENTS, keepPreparedStatements } from "../../src/runtimes/libsql-statements.ts";

interface Connection {
  prepare(sql: string): unknown;
  close(): void;
}
const Database = createRequire(import.meta.resolve("@libsql/client"))("libsql") as new (path: string) => Connection;

describe("kept libSQL statements", () => {
  const dir = mkdtempSync(join(tmpdir(), "mcpfed-statements-"));
  let client: Client;

  beforeAll(async () => {
    keepPreparedStatements();
    keepPreparedStatements(); // a second install changes nothing
    client = createClient({ url: `file:${join(dir, "t.db")}` });
    await client.execute("create table t (id integer primary key, v text not null unique)");
  });
  afterAll(() => {
    client.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("prepares a text once per connection, and not across connections", () => {
    const a = new Database(join(dir, "a.db"));
    const b = new Database(join(dir, "a.db"));
    try {
      expect(a.prepare("select 1")).toBe(a.prepare("select 1"));
      expect(a.prepare("select 1")).not.toBe(a.prepare("select 2"));
      expect(b.prepare("select 1")).not.toBe(a.prepare("select 1"));
    } finally {
      a.close();
      b.close();
    }
  });

  it("answers each execution of a kept statement as a fresh one", async () => {
    const insert = "insert into t (id, v) values (?, ?)";
    expect((await client.execute({ sql: insert, args: [1, "a"] })).rowsAffected).toBe(1);
    expect((await client.execute({ sql: insert, args: [2, "b"] })).rowsAffected).toBe(1);
    await expect(client.execute({ sql: insert, args: [3, "a"] })).rejects.toThrow(/UNIQUE/);
    expect((await client.execute({ sql: insert, args: [3, "c"] })).lastInsertRowid).toBe(3n);
    const select = "select id, v from t where id >= ? order by id";
    expect((await client.execute({ sql: select, args: [2] })).rows.map((r) => [r.id, r.v])).toEqual([[2, "b"], [3, "c"]]);
    expect((await client.execute({ sql: select, args: [1] })).rows.map((r) => r.v)).toEqual(["a", "b", "c"]);
    const returning = "insert into t (id, v) values (?, ?) on conflict do nothing returning id";
    expect((await client.execute({ sql: returning, args: [9, "z"] })).rows.map((r) => r.id)).toEqual([9]);
    expect((await client.execute({ sql: returning, args: [9, "z"] })).rows).toEqual([]);
    expect((await client.execute({ sql: returning, args: [10, "y"] })).rows.map((r) => r.id)).toEqual([10]);
  });

  it("runs statements without rows in batches and transactions, again and again", async () => {
    for (let i = 0; i < 3; i++) {
      await client.batch([{ sql: "insert into t (id, v) values (?, ?)", args: [100 + i, `batch-${i}`] }, { sql: "update t set v = v || '!' where id = ?", args: [100 + i] }], "write");
      const tx = await client.transaction("write");
      await tx.execute({ sql: "update t set v = v || '?' where id = ?", args: [100 + i] });
      if (i === 1) await tx.rollback();
      else await tx.commit();
    }
    const rows = await client.execute("select v from t where id >= 100 order by id");
    expect(rows.rows.map((r) => r.v)).toEqual(["batch-0!?", "batch-1!", "batch-2!?"]);
    // A refused statement inside a batch rolls the batch back; the same texts run afterwards.
    await expect(client.batch([{ sql: "insert into t (id, v) values (?, ?)", args: [200, "new"] }, { sql: "insert into t (id, v) values (?, ?)", args: [201, "a"] }], "write")).rejects.toThrow(/UNIQUE/);
    expect((await client.execute("select count(*) as n from t where id >= 200")).rows[0]!.n).toBe(0);
    await client.batch([{ sql: "insert into t (id, v) values (?, ?)", args: [200, "new"] }], "write");
    expect((await client.execute("select v from t where id = 200")).rows[0]!.v).toBe("new");
  });

  it("keeps answering once the bound evicts statements", async () => {
    for (let i = 0; i < KEPT_STATEMENTS + 20; i++) {
      const { rows } = await client.execute({ sql: `select ? + ${i} as n`, args: [1] });
      expect(rows[0]!.n).toBe(i + 1);
    }
    expect((await client.execute({ sql: "select id, v from t where id >= ? order by id", args: [200] })).rows.map((r) => r.v)).toEqual(["new"]);
  });
});
