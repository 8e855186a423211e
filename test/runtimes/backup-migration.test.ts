// Moving a node between runtimes and stores with its backup (docs/operations in the README,
// "Backup and migration"): a Node node on an embedded libSQL file is backed up and restored into a
// fresh workerd node on a local D1 with the same NODE_SEED, that one into a fresh Deno node on its
// own file, and that one back into a fresh Node node; after each restore every backed-up table
// hashes the same as in the backup, and the audit trail verifies under the seed. Each file is sent
// as a stream of pieces with no length, so every runtime opens it chunk by chunk as it arrives
// (docs/protocol.md §19.1.1); on workerd a file cut inside its last chunk is refused first, and
// leaves the node fresh.
import { afterAll, beforeAll, expect, test } from "vitest";
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

beforeAll(async () => {
  origin = await startNode({ env: { NODE_SEED: seed, NODE_NAME: "migrating" } });
  started.push(origin);
  expect((await origin.admin("POST", "/tokens", { name: "carried" })).status).toBe(201);
  expect((await origin.admin("POST", "/limits", { windowSeconds: 60, maxRequests: 7 })).status).toBe(201);
  expect((await origin.admin("POST", "/policy/rules", { action: "call", effect: "deny", tool: "nothing_*" })).status).toBe(201);
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
  expect(parseFile(file).header.version).toBe(2);
  // Cut inside the last chunk's tag: the last chunk does not open.
  const cut = await postRestore(workerd, file.subarray(0, file.length - 5));
  expect(cut.status).toBe(422);
  expect(((await cut.json()) as { error: { code: string } }).error.code).toBe("undecryptable");
  // Nothing was written: the node is still fresh, so the whole file restores without replace.
  await expectSameTables(workerd, await restoreInto(workerd, file));
  const tokens = await json<{ tokens: { name: string }[] }>(await workerd.admin("GET", "/tokens"));
  expect(tokens.tokens.map((t) => t.name)).toEqual(["carried"]);

  const deno = await startDenoNode({ env: { NODE_SEED: seed, NODE_NAME: "migrating" } });
  started.push(deno);
  await expectSameTables(deno, await restoreInto(deno, await backupOf(workerd)));

  const back = await startNode({ env: { NODE_SEED: seed, NODE_NAME: "migrating" } });
  started.push(back);
  await expectSameTables(back, await restoreInto(back, await backupOf(deno)));
  const rules = await json<{ rules: { tool: string }[] }>(await back.admin("GET", "/policy/rules"));
  expect(rules.rules.map((r) => r.tool)).toContain("nothing_*");
}, 600_000);
