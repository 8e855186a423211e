// Migration 0034 on a database that already holds compact directory rows with whole URLs: each
// row left must rebuild the URL it was signed with, and a row whose scheme is not lowercase goes.
import { createClient } from "@libsql/client";
import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/libsql";
import { expect, it } from "vitest";
import { migrate, type Database } from "../../src/store/database.ts";
import { urlOfRow } from "../../src/store/directory-rows.ts";
import { migrations } from "../../src/store/migrations.gen.ts";
import * as schema from "../../src/store/schema/index.ts";

it("strips https:// from old rows, keeps what cannot be rebuilt otherwise, and drops capital schemes", async () => {
  const db = drizzle(createClient({ url: ":memory:" }), { schema }) as Database;
  const at = migrations.findIndex((m) => m.tag.includes("directory_heads"));
  expect(at).toBeGreaterThan(0);
  await db.run(sql`CREATE TABLE _migrations (tag TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)`);
  for (const m of migrations.slice(0, at)) {
    for (const s of m.statements) await db.run(sql.raw(s));
    await db.run(sql`INSERT INTO _migrations VALUES (${m.tag}, 0)`);
  }
  const urls = ["https://a.example/x", "http://b.example/", "HTTPS://c.example/", "Http://e.example/", "https://http://d.example/", "https://https://f.example/"];
  for (const [i, url] of urls.entries()) {
    const b = (n: number) => new Uint8Array(n).fill(i + 1);
    await db.run(sql`INSERT INTO directory_entries (seq, id, origin, hlc, url, keys, ed25519, exp, sig) VALUES (${i + 1}, ${b(32)}, ${b(20)}, ${b(8)}, ${url}, ${b(32)}, ${b(32)}, 2000000000, ${b(64)})`);
  }
  await migrate(db);
  const rows = await db.all<{ url: string }>(sql`SELECT url FROM directory_entries ORDER BY seq`);
  expect(rows.map((r) => r.url)).toEqual(["a.example/x", "http://b.example/", "https://http://d.example/", "https://https://f.example/"]);
  expect(rows.map((r) => urlOfRow(r.url))).toEqual(["https://a.example/x", "http://b.example/", "https://http://d.example/", "https://https://f.example/"]);
});
