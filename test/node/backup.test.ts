// Backups (docs/protocol.md §19.1) through the admin API of real nodes over embedded libSQL files:
// every table is either backed up or excluded with a reason; a backup restores on a fresh node
// with the same NODE_SEED to identical table hashes, from version 2 (chunked) and version 1
// (sealed whole) files; altered, cut, foreign and unwanted restores are refused with a typed
// reason, change nothing and leave no staged rows; the tick keeps scheduled backups.
import { serve } from "@hono/node-server";
import { sql } from "drizzle-orm";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp, type NodeApp } from "../../src/http/app.ts";
import { newSeed } from "../../src/protocol/identity/seed.ts";
import { startLocal, type LocalStart } from "../../src/runtimes/local.ts";
import { loadIdentity } from "../../src/node/identity/local.ts";
import { parseFile } from "../../src/protocol/backup/file.ts";
import { CHUNK_BYTES } from "../../src/protocol/backup/stream.ts";
import { toBase64url } from "../../src/protocol/encoding/bytes.ts";
import { backedUpTableNames, EXCLUDED_TABLES, INTERNAL_TABLES, readTables, schemaTableNames, schemaVersion } from "../../src/store/backup-tables.ts";
import { directoryEntries, ledgerRecords, restoreStaging } from "../../src/store/schema/index.ts";
import { toBase32 } from "../../src/protocol/encoding/bytes.ts";
import { DIRECTORY_KEY } from "../../src/protocol/registry/directory-entries.ts";
import { signedEntry, toEntry } from "../../src/protocol/registry/entry.ts";
import { hlcAt } from "../../src/protocol/registry/hlc.ts";
import { EntryRepository } from "../../src/store/registry.ts";
import { sealBackupV1 } from "../../scripts/vectors/backup-v1-writer.ts";
import { cli } from "../support/cli.ts";
import { freePort, removeTempDirs, tempDir } from "../support/processes.ts";

const TOKEN = "backup-test-admin-token-0123";

interface Node {
  local: LocalStart;
  app: NodeApp;
  admin(method: string, path: string, body?: unknown): Promise<Response>;
}

const opened: Node[] = [];

async function node(seed: string, env: Record<string, string> = {}): Promise<Node> {
  const local = await startLocal({ DATA_DIR: tempDir("mcpfed-backup-"), ADMIN_TOKEN: TOKEN, NODE_SEED: seed, TICK_SECONDS: "3600", ...env });
  const app = await createApp({ config: local.config, db: local.db, platform: { requestScopedIo: false, standingStreams: true, fetch } });
  const admin = async (method: string, path: string, body?: unknown) =>
    app.app.request(`/admin${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, ...(body instanceof Uint8Array ? { "content-type": "application/octet-stream" } : body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: body instanceof Uint8Array ? (body as Uint8Array<ArrayBuffer>) : JSON.stringify(body) }),
    });
  const n = { local, app, admin };
  opened.push(n);
  return n;
}

type Hashes = { name: string; rows: number; sha256: string }[];
const hashes = async (n: Node) => ((await (await n.admin("GET", "/backup/hashes")).json()) as { tables: Hashes }).tables;
const bytesOf = async (res: Response) => new Uint8Array(await res.arrayBuffer());

afterAll(async () => {
  for (const n of opened) {
    await n.app.close();
    n.local.client.close();
  }
  removeTempDirs();
});

describe("which tables a backup holds", () => {
  it("backs up every schema table that is not excluded, and every exclusion names a real table and a reason", () => {
    const schema = schemaTableNames();
    const backed = backedUpTableNames();
    for (const [name, reason] of Object.entries(EXCLUDED_TABLES)) {
      expect(schema, `excluded table ${name} is not in the schema`).toContain(name);
      expect(reason.length).toBeGreaterThan(20);
    }
    expect(new Set(backed)).toEqual(new Set(schema.filter((t) => !(t in EXCLUDED_TABLES))));
    expect(backed).toContain("ledger_records");
    expect(backed).toContain("peers");
    expect(backed).toContain("audit_log");
    // Peers' ciphertext is theirs (protocol §19.2): neither the held copies nor their parts.
    expect(backed).not.toContain("held_backups");
    expect(backed).not.toContain("held_backup_parts");
  });

  it("every table in a migrated database is in the schema or named internal", async () => {
    const n = await node(newSeed());
    const rows = await n.local.db.all<{ name: string }>(sql`SELECT name FROM sqlite_master WHERE type = 'table'`);
    const schema = new Set(schemaTableNames());
    // FTS5 keeps shadow tables named after its table.
    const unknown = rows.map((r) => r.name).filter((t) => !schema.has(t) && !Object.keys(INTERNAL_TABLES).some((i) => t === i || t.startsWith(`${i}_`)));
    expect(unknown).toEqual([]);
  });
});

describe("backup and restore", () => {
  const seed = newSeed();
  let a: Node;
  let file: Uint8Array;

  beforeAll(async () => {
    a = await node(seed);
    expect((await a.admin("POST", "/tokens", { name: "ci" })).status).toBe(201);
    expect((await a.admin("POST", "/limits", { windowSeconds: 60, maxRequests: 5 })).status).toBe(201);
    // Ledger rows as the ledger stores them (their content is opaque to a backup).
    await a.local.db.insert(ledgerRecords).values(
      Array.from({ length: 300 }, (_, i) => ({
        id: `r${i}`.padStart(8, "0"),
        peer: "peer-x",
        role: i % 2 ? ("consumer" as const) : ("provider" as const),
        status: "confirmed" as const,
        hash: `h${i}`,
        completedAt: 1_700_000_000 + i,
        unit: "credit",
        amount: i,
        // Random signature-like bytes gzip cannot shrink: the body spans more than one chunk.
        record: JSON.stringify({ i, note: "ünïcode ✓", pi: 3.14159, sig: toBase64url(crypto.getRandomValues(new Uint8Array(300))) }),
      })),
    );
    const res = await a.admin("GET", "/backup");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/octet-stream");
    file = await bytesOf(res);
  });

  it("the file's header names the node, every backed-up table and their row counts; the rows are not in the clear", async () => {
    const text = new TextDecoder().decode(file);
    expect(text.startsWith("MCPFEDBK")).toBe(true);
    const len = new DataView(file.buffer, file.byteOffset).getUint32(8);
    const header = JSON.parse(new TextDecoder().decode(file.subarray(12, 12 + len))) as { nodeId: string; tables: { name: string; rows: number }[] };
    expect(header.tables.map((t) => t.name).sort()).toEqual([...backedUpTableNames()].sort());
    expect(header.tables.find((t) => t.name === "ledger_records")!.rows).toBe(300);
    expect(header.tables.find((t) => t.name === "api_tokens")!.rows).toBe(1);
    expect(text).not.toContain("peer-x");
    expect(text).not.toContain("ünïcode");
  });

  it("restores on a fresh node with the same NODE_SEED to identical table hashes", async () => {
    const b = await node(seed);
    const before = await hashes(a);
    const res = await b.admin("POST", "/restore", file);
    expect(res.status).toBe(200);
    const { restored } = (await res.json()) as { restored: { tables: Hashes } };
    // The backup's own hashes are a's tables as they were when it was made.
    const made = Object.fromEntries(restored.tables.map((t) => [t.name, t.sha256]));
    const now = await hashes(b);
    for (const t of now) expect(t.sha256, t.name).toBe(made[t.name]);
    // a's audit trail has grown since (the backup was audited), the rest has not.
    for (const t of before.filter((x) => x.name !== "audit_log")) expect(now.find((x) => x.name === t.name)!.sha256, t.name).toBe(t.sha256);
    // Same seed, same audit key: the restored chain verifies on b.
    expect(((await (await b.admin("GET", "/audit/verify")).json()) as { ok: boolean }).ok).toBe(true);
    const tokens = (await (await b.admin("GET", "/tokens")).json()) as { tokens: { name: string }[] };
    expect(tokens.tokens.map((t) => t.name)).toEqual(["ci"]);
  });

  it("refuses an altered file, a foreign node's and a node that holds data, and changes nothing", async () => {
    const c = await node(seed);
    const untouched = await hashes(c);
    const refuse = async (bytes: Uint8Array, query = "") => {
      const res = await c.admin("POST", `/restore${query}`, bytes);
      return { status: res.status, code: ((await res.json()) as { error: { code: string } }).error.code };
    };
    const flip = (at: number) => {
      const copy = file.slice();
      copy[at]! ^= 1;
      return copy;
    };
    // Version 2: each chunk's tag is checked as it arrives, the signature over them all at the end.
    const { body } = parseFile(file);
    const bodyAt = file.length - body.length;
    expect(body.length).toBeGreaterThan(CHUNK_BYTES + 16);
    expect(await refuse(flip(file.length - 1))).toEqual({ status: 422, code: "undecryptable" });
    expect(await refuse(flip(bodyAt + CHUNK_BYTES + 16 + 3))).toEqual({ status: 422, code: "undecryptable" });
    expect(await refuse(flip(bodyAt - 10))).toEqual({ status: 422, code: "bad_signature" });
    expect(await refuse(flip(40))).toMatchObject({ code: expect.stringMatching(/^(bad_signature|malformed|undecryptable)$/) });
    expect(await refuse(file.subarray(0, 200))).toEqual({ status: 400, code: "malformed" });
    // Cut after its first chunk: the rows of that chunk were staged, and are dropped again.
    expect(await refuse(file.subarray(0, bodyAt + CHUNK_BYTES + 16))).toEqual({ status: 422, code: "undecryptable" });
    expect((await c.local.db.select().from(restoreStaging)).length).toBe(0);
    expect(await refuse(new TextEncoder().encode("not a backup at all"))).toEqual({ status: 400, code: "malformed" });
    const stranger = await node(newSeed());
    const foreign = await bytesOf(await stranger.admin("GET", "/backup"));
    expect(await refuse(foreign)).toEqual({ status: 422, code: "foreign_node" });
    // Only the audit trail moved: each refused restore is audited.
    const data = (h: Hashes) => h.filter((t) => t.name !== "audit_log");
    expect(data(await hashes(c))).toEqual(data(untouched));

    // A node in use: refused unless told to replace everything.
    expect((await c.admin("POST", "/tokens", { name: "other" })).status).toBe(201);
    expect(await refuse(file)).toEqual({ status: 409, code: "not_fresh" });
    expect((await c.admin("POST", "/restore?replace=true", file)).status).toBe(200);
    const names = ((await (await c.admin("GET", "/tokens")).json()) as { tokens: { name: string }[] }).tokens.map((t) => t.name);
    expect(names).toEqual(["ci"]);
  });

  it("restores a version 1 file (sealed whole) to the same tables", async () => {
    const id = await loadIdentity(a.local.config, a.local.db);
    const tables = await readTables(a.local.db);
    const { file: v1, header } = await sealBackupV1(tables, {
      seed: a.local.config.nodeSeed,
      identity: { nodeId: id.nodeId, signingKey: toBase64url(id.signing.signer.publicKey), sign: (m, c) => id.signing.signer.sign(m, c) },
      schema: schemaVersion(),
      created: 1_767_225_600,
    });
    expect(header.version).toBe(1);
    const e = await node(seed);
    const res = await e.admin("POST", "/restore", v1);
    expect(res.status, await res.clone().text()).toBe(200);
    const made = Object.fromEntries(header.tables.map((t) => [t.name, t.sha256]));
    for (const t of await hashes(e)) expect(t.sha256, t.name).toBe(made[t.name]);
  });

  it("refuses a file larger than BACKUP_MAX_BYTES before reading it whole", async () => {
    const d = await node(seed, { BACKUP_MAX_BYTES: "4096" });
    const res = await d.admin("POST", "/restore", file);
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("too_large");
  });
});

describe("directory entries and a restore", () => {
  // The store checks no signature: random bytes stand in for the key and signature.
  const directoryEntry = (origin: string, wall: number, url: string) =>
    toEntry(
      signedEntry.parse({
        origin, kind: "directory", key: DIRECTORY_KEY, visibility: "public", hlc: hlcAt(wall), tombstone: false,
        body: { v: 1, url, keys: `sha256:${"c".repeat(64)}`, ed25519: toBase64url(crypto.getRandomValues(new Uint8Array(32))), exp: 2_000_000_000 },
        sig: toBase64url(crypto.getRandomValues(new Uint8Array(64))),
      }),
    );

  it("a restore with replace leaves one entry in a directory slot: the live rows of bytes go with the registry they belonged to", async () => {
    const n = await node(newSeed());
    const store = new EntryRepository(n.local.db);
    const origin = toBase32(crypto.getRandomValues(new Uint8Array(20)));
    // A NUL keeps this one in registry_entries, so the backup holds it; the newer one is a row of bytes, which a backup leaves out.
    const backedUp = await directoryEntry(origin, 1_732_000_000_000, "https://x.example/\u0000");
    expect(await store.put([backedUp], null)).toEqual(["stored"]);
    const file = await bytesOf(await n.admin("GET", "/backup"));
    const live = await directoryEntry(origin, 1_732_000_001_000, "https://x.example/");
    expect(await store.put([live], null)).toEqual(["stored"]);
    expect((await store.slots(origin, "directory", DIRECTORY_KEY)).map((e) => e.id)).toEqual([live.id]);

    expect((await n.admin("POST", "/restore?replace=true", file)).status).toBe(200);
    expect((await store.slots(origin, "directory", DIRECTORY_KEY)).map((e) => e.canonical)).toEqual([backedUp.canonical]);
    expect(await n.local.db.select({ seq: directoryEntries.seq }).from(directoryEntries)).toEqual([]);
  });
});

describe("scheduled backups", () => {
  it("the tick makes one once a period, keeps it in the store, and it restores", async () => {
    const seed = newSeed();
    const n = await node(seed, { BACKUP_SCHEDULE: "hourly", BACKUP_KEEP: "2" });
    // The operator's tick runs the node-wide work each time (a scheduled one runs once per period).
    const tick = async () => (await (await n.admin("POST", "/tick")).json()) as { backup: unknown };
    const first = await tick();
    expect(first.backup).toMatchObject({ made: { id: expect.any(String) } });
    const second = await tick();
    expect(second.backup).toEqual({ made: null });
    const { backups } = (await (await n.admin("GET", "/backups")).json()) as { backups: { id: string; bytes: number }[] };
    expect(backups).toHaveLength(1);
    const kept = await bytesOf(await n.admin("GET", `/backups/${backups[0]!.id}`));
    expect(kept.length).toBe(backups[0]!.bytes);
    const fresh = await node(seed);
    expect((await fresh.admin("POST", "/restore", kept)).status).toBe(200);
  });
});

describe("the CLI", () => {
  it("mcpfed backup writes the file, mcpfed restore brings it back, and an altered one is refused with its reason", async () => {
    const seed = newSeed();
    const [from, to] = [await node(seed), await node(seed)];
    expect((await from.admin("POST", "/tokens", { name: "via-cli" })).status).toBe(201);
    const servers = await Promise.all(
      [from, to].map(async (n) => {
        const port = await freePort();
        return { port, server: serve({ fetch: n.app.app.fetch, port, hostname: "127.0.0.1" }) };
      }),
    );
    try {
      const env = (i: number) => ({ MCPFED_URL: `http://127.0.0.1:${servers[i]!.port}`, ADMIN_TOKEN: TOKEN });
      const out = join(tempDir("mcpfed-backup-cli-"), "node.backup");
      const made = await cli(["backup", "--out", out], env(0));
      expect(made.code, made.stderr).toBe(0);
      expect(made.stdout).toContain(`wrote ${out}`);
      const altered = join(tempDir("mcpfed-backup-cli-"), "altered.backup");
      const bytes = readFileSync(out);
      bytes[bytes.length - 1]! ^= 1;
      writeFileSync(altered, bytes);
      const refused = await cli(["restore", altered], env(1));
      expect(refused.code).not.toBe(0);
      // The last byte is the last chunk's tag: that chunk does not open.
      expect(refused.stderr).toContain("undecryptable");
      const restored = await cli(["restore", out], env(1));
      expect(restored.code, restored.stderr).toBe(0);
      expect(restored.stdout).toContain("restored the backup of");
      const names = ((await (await to.admin("GET", "/tokens")).json()) as { tokens: { name: string }[] }).tokens.map((t) => t.name);
      expect(names).toEqual(["via-cli"]);
    } finally {
      await Promise.all(servers.map((s) => new Promise((r) => s.server.close(r))));
    }
  }, 120_000);
});
