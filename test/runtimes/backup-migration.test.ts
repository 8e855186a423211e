// Moving a node between runtimes and stores with its backup (docs/operations in the README,
// "Backup and migration"): a Node node on an embedded libSQL file is backed up and restored into a
// fresh workerd node on a local D1 with the same NODE_SEED, that one into a fresh Deno node on its
// own file, and that one back into a fresh Node node; after each restore every backed-up table
// hashes the same as in the backup, and the audit trail verifies under the seed. Each file is sent
// as a stream of pieces with no length, so every runtime opens it chunk by chunk as it arrives
// (docs/protocol.md §19.1.1); on workerd a file cut inside its last chunk is refused first, and
// leaves the node fresh. The file holds enough ledger rows to span several chunks.
import { createClient } from "@libsql/client";
import { drizzle } from "drizzle-orm/libsql";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { CHUNK_BYTES } from "../../src/protocol/backup/stream.ts";
import { toBase64url } from "../../src/protocol/encoding/bytes.ts";
import { ledgerRecords } from "../../src/store/schema/index.ts";
import { parseFile } from "../../src/protocol/backup/file.ts";
import { newSeed } from "../../src/protocol/identity/seed.ts";
import { json, removeTempDirs, startNode, type NodeProc } from "../support/processes.ts";
import { startDenoNode, startWorkerd } from "../support/runtimes.ts";

type Hashes = { name: string; rows: number; sha256: string }[];

const seed = newSeed();
const started: NodeProc[] = [];

async function backupOf(n: NodeProc): Promise<Uint8Array> {
  const res = await n.admin("GET", "/backup");
  expect(res.status).toBe(200);
  return new Uint8Array(await res.arrayBuffer());
}

/** POST /admin/restore with the file as a stream of 16 KiB pieces (chunked, no content-length). */
async function postRestore(n: NodeProc, file: Uint8Array): Promise<Response> {
  let at = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= file.length) return controller.close();
      controller.enqueue(file.slice(at, at + 16_384));
      at += 16_384;
    },
  });
  return fetch(`${n.url}/admin/restore`, { method: "POST", headers: { authorization: `Bearer ${n.adminToken}`, "content-type": "application/octet-stream" }, body, duplex: "half" } as RequestInit);
}

async function restoreInto(n: NodeProc, file: Uint8Array): Promise<Hashes> {
  const res = await postRestore(n, file);
  const body = (await res.json()) as { restored: { tables: Hashes } };
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body.restored.tables;
}

async function expectSameTables(n: NodeProc, backedUp: Hashes): Promise<void> {
  const { tables } = await json<{ tables: Hashes }>(await n.admin("GET", "/backup/hashes"));
  // The restore itself is audited after its answer: the trail is checked by its verification.
  const data = (h: Hashes) => h.filter((t) => t.name !== "audit_log").sort((a, b) => (a.name < b.name ? -1 : 1));
  expect(data(tables)).toEqual(data(backedUp));
  expect((await json<{ ok: boolean }>(await n.admin("GET", "/audit/verify"))).ok).toBe(true);
}

let origin: NodeProc;
/** Enough rows of 400 random bytes each for several 64 KiB chunks. */
const LEDGER_ROWS = 600;

async function tableHashesOf(n: NodeProc): Promise<Hashes> {
  return (await json<{ tables: Hashes }>(await n.admin("GET", "/backup/hashes"))).tables;
}

beforeAll(async () => {
  origin = await startNode({ env: { NODE_SEED: seed, NODE_NAME: "migrating" } });
  started.push(origin);
  expect((await origin.admin("POST", "/tokens", { name: "carried" })).status).toBe(201);
  expect((await origin.admin("POST", "/limits", { windowSeconds: 60, maxRequests: 7 })).status).toBe(201);
  expect((await origin.admin("POST", "/policy/rules", { action: "call", effect: "deny", tool: "nothing_*" })).status).toBe(201);
  // Ledger rows with random signature-like bytes gzip cannot shrink, written into the node's own
  // file (the ledger's content is opaque to a backup): the body spans several 64 KiB chunks.
  const client = createClient({ url: `file:${join(origin.dataDir, "node.db")}` });
  const db = drizzle(client);
  const rows = Array.from({ length: LEDGER_ROWS }, (_, i) => ({
    id: `m${i}`.padStart(8, "0"),
    peer: "peer-m",
    role: "provider" as const,
    status: "confirmed" as const,
    hash: `h${i}`,
    completedAt: 1_767_225_600 + i,
    unit: "credit",
    amount: i,
    record: JSON.stringify({ i, sig: toBase64url(crypto.getRandomValues(new Uint8Array(400))) }),
  }));
  for (let i = 0; i < rows.length; i += 10) await db.insert(ledgerRecords).values(rows.slice(i, i + 10));
  client.close();
}, 120_000);

afterAll(async () => {
  await Promise.all(started.map((n) => n.stop()));
  removeTempDirs();
});

test("Node (libSQL file) → workerd (D1) → Deno (libSQL file) → Node, same tables at every step", async () => {
  const workerd = await startWorkerd({ env: { NODE_SEED: seed, NODE_NAME: "migrating" } });
  started.push(workerd);
  expect(workerd.nodeId).toBe(origin.nodeId);
  const file = await backupOf(origin);
  const parts = parseFile(file);
  expect(parts.header.version).toBe(2);
  expect(parts.header.tables.find((t) => t.name === "ledger_records")!.rows).toBe(LEDGER_ROWS);
  // More than two full chunks: the restores below open chunk after chunk as the pieces arrive.
  expect(parts.body.length).toBeGreaterThan(2 * (CHUNK_BYTES + 16));
  // Cut inside the last chunk's tag: the last chunk does not open.
  const cut = await postRestore(workerd, file.subarray(0, file.length - 5));
  expect(cut.status).toBe(422);
  expect(((await cut.json()) as { error: { code: string } }).error.code).toBe("undecryptable");
  // Nothing was written: the node is still fresh, so the whole file restores without replace.
  await expectSameTables(workerd, await restoreInto(workerd, file));
  const tokens = await json<{ tokens: { name: string }[] }>(await workerd.admin("GET", "/tokens"));
  expect(tokens.tokens.map((t) => t.name)).toEqual(["carried"]);
  const ledger = (await tableHashesOf(workerd)).find((t) => t.name === "ledger_records")!;
  expect(ledger.rows).toBe(LEDGER_ROWS);

  const deno = await startDenoNode({ env: { NODE_SEED: seed, NODE_NAME: "migrating" } });
  started.push(deno);
  await expectSameTables(deno, await restoreInto(deno, await backupOf(workerd)));

  const back = await startNode({ env: { NODE_SEED: seed, NODE_NAME: "migrating" } });
  started.push(back);
  await expectSameTables(back, await restoreInto(back, await backupOf(deno)));
  const rules = await json<{ rules: { tool: string }[] }>(await back.admin("GET", "/policy/rules"));
  expect(rules.rules.map((r) => r.tool)).toContain("nothing_*");
}, 600_000);
