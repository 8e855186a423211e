// An audit row inserted into a running node's chain is caught by the verification: in the middle,
// by someone who renumbers the rows after it and links the chain around it as carefully as the
// schema allows, and at the end. Without NODE_SEED nobody can compute a row's HMAC, which is all
// that gives the insertion away: every prev_hash link is intact.
import { createClient, type Client as LibsqlClient } from "@libsql/client";
import { createHash } from "node:crypto";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, json, startNode, type NodeProc } from "../support/processes.ts";

type Verification = { ok: true; entries: number; head: string } | { ok: false; entries: number; brokenAt: number; reason: string };

const ROWS = 6;
let node: NodeProc;
let db: LibsqlClient;

const verify = async () => json<Verification>(await node.admin("GET", "/audit/verify"));
const hashAt = async (seq: number) => String((await db.execute({ sql: "SELECT hash FROM audit_log WHERE seq = ?", args: [seq] })).rows[0]!.hash);
const forgedHash = (what: string) => createHash("sha256").update(what).digest("hex");

/** A row as the admin middleware writes one, under a hash the forger made up. */
const forgedRow = (seq: number, prevHash: string, hash: string) => ({
  sql: "INSERT INTO audit_log (seq, at, actor, action, target, decision, reason, details, prev_hash, hash) VALUES (?, ?, 'operator', 'admin.DELETE /policy/rules/:id', '/policy/rules/1', 'ok', 'HTTP 204', NULL, ?, ?)",
  args: [seq, Date.now(), prevHash, hash],
});

beforeAll(async () => {
  node = await startNode();
  for (let i = 0; i < ROWS; i++) expect((await node.admin("POST", "/policy/rules", { effect: "allow", tool: `nothing-${i}` })).status).toBe(201);
  // Audit rows are written after the response.
  await eventually(async () => expect(await verify()).toMatchObject({ ok: true, entries: ROWS }), 10_000);
  db = createClient({ url: `file:${join(node.dataDir, "node.db")}`, timeout: 5000 });
}, 60_000);

afterAll(async () => {
  db?.close();
  await node?.stop();
  if (node) rmSync(node.dataDir, { recursive: true, force: true });
});

describe("an inserted audit row", () => {
  it("in the middle, with the rows after it renumbered and the chain relinked, is found", async () => {
    const at = 3;
    const forged = forgedHash("inserted in the middle");
    const before = await hashAt(at - 1);
    // Move rows at..ROWS one up (through negative numbers: seq is the primary key), then link the
    // row that was at `at` to the forged one and put the forged one in its place.
    await db.batch(
      [
        { sql: "UPDATE audit_log SET seq = -(seq + 1) WHERE seq >= ?", args: [at] },
        "UPDATE audit_log SET seq = -seq WHERE seq < 0",
        { sql: "UPDATE audit_log SET prev_hash = ? WHERE seq = ?", args: [forged, at + 1] },
        forgedRow(at, before, forged),
      ],
      "write",
    );
    try {
      expect(await verify()).toEqual({ ok: false, entries: at - 1, brokenAt: at, reason: `entry ${at} was altered` });
    } finally {
      await db.batch(
        [
          { sql: "DELETE FROM audit_log WHERE seq = ?", args: [at] },
          { sql: "UPDATE audit_log SET prev_hash = ? WHERE seq = ?", args: [before, at + 1] },
          { sql: "UPDATE audit_log SET seq = -(seq - 1) WHERE seq > ?", args: [at] },
          "UPDATE audit_log SET seq = -seq WHERE seq < 0",
        ],
        "write",
      );
    }
    // Taken out again, the chain verifies: the insertion alone broke it.
    expect(await verify()).toMatchObject({ ok: true, entries: ROWS });
  });

  it("after the last row, chained to it, is found", async () => {
    const forged = forgedHash("appended");
    await db.execute(forgedRow(ROWS + 1, await hashAt(ROWS), forged));
    try {
      expect(await verify()).toEqual({ ok: false, entries: ROWS, brokenAt: ROWS + 1, reason: `entry ${ROWS + 1} was altered` });
    } finally {
      await db.execute({ sql: "DELETE FROM audit_log WHERE seq = ?", args: [ROWS + 1] });
    }
    expect(await verify()).toMatchObject({ ok: true, entries: ROWS });
  });
});
