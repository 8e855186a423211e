// The node's real state for a directory of N public nodes (docs/benchmarks.md, "Discovery index
// (issue 20)"): a libSQL file migrated as a node's, holding what gossip acceptance keeps once the
// index is on (src/node/discovery/kept-entries.ts): N compact directory entries (§20.7), each
// signed by its own Ed25519 key, stored by the registry's store as acceptance stores them, and the
// full node entries of PEERS peers (real cards). Reports the file's bytes after a checkpoint,
// against the same file empty, and per table (SQLite's dbstat).
//
// Then the view's CPU: its first load, a reload that finds nothing new (every 5 s while the index is
// used), and a reload after CHANGED entries were re-signed. SIM_PAGE_SIZE sets the file's page size
// before the node's migrations run (a measurement: nodes keep SQLite's default).
//
//   STATE_ROWS=10000,100000 PEERS=8 NODE_OPTIONS=--expose-gc npm run sim:directory-state
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@libsql/client";
import { toBase32, toBase64url } from "../../src/protocol/encoding/bytes.ts";
import { ed25519ComponentMessage } from "../../src/protocol/identity/ed25519-component.ts";
import { DIRECTORY_KEY } from "../../src/protocol/registry/directory-entries.ts";
import { hlcAt } from "../../src/protocol/registry/hlc.ts";
import { NODE_CARD_KEY, type Entry } from "../../src/protocol/registry/entry.ts";
import { signDirectoryEntry, signEntry } from "../../src/protocol/registry/signing.ts";
import { EntryRepository } from "../../src/store/registry.ts";
import { Directory } from "../../src/node/discovery/directory.ts";
import { openDatabaseFile } from "../../test/support/libsql.ts";
import { stranger } from "../../test/support/stranger.ts";
import { machine } from "../bench/lib.ts";

const sizes = (process.env.STATE_ROWS ?? "10000,100000").split(",").map(Number);
const peers = Number(process.env.PEERS ?? 8);
const changed = Number(process.env.CHANGED ?? 10);
const pageSize = process.env.SIM_PAGE_SIZE ? Number(process.env.SIM_PAGE_SIZE) : undefined;
const RELOADS = 5;
const BATCH = 1000;
const MiB = 2 ** 20;

/**
 * One public node's compact entry, signed by a fresh Ed25519 key (WebCrypto's: native, twenty times
 * faster here than noble's, and the same signature); the node id is random (its derivation from a
 * composite key is not what is sized).
 */
async function directoryEntry(i: number, exp: number, nodeId = toBase32(crypto.getRandomValues(new Uint8Array(20)))): Promise<Entry> {
  const pair = (await crypto.subtle.generateKey({ name: "Ed25519" }, false, ["sign", "verify"])) as CryptoKeyPair;
  const pub = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
  const keys = `sha256:${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("hex")}`;
  return signDirectoryEntry(
    { origin: nodeId, kind: "directory", key: DIRECTORY_KEY, visibility: "public", tombstone: false, hlc: hlcAt(Date.now()), body: { v: 1, url: `https://node-${i}.example.org`, keys, ed25519: toBase64url(pub), exp } },
    { nodeId, sign: async () => new Uint8Array(), signEd25519: async (m, c) => new Uint8Array(await crypto.subtle.sign("Ed25519", pair.privateKey, ed25519ComponentMessage(m, c) as Uint8Array<ArrayBuffer>)) },
  );
}

async function sized(file: string) {
  const client = createClient({ url: `file:${file}` });
  try {
    await client.execute("PRAGMA wal_checkpoint(TRUNCATE)");
    let tables: { name: string; bytes: number }[] = [];
    try {
      const rs = await client.execute("SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name ORDER BY bytes DESC LIMIT 6");
      tables = rs.rows.map((r) => ({ name: String(r.name), bytes: Number(r.bytes) }));
    } catch {
      // dbstat not compiled in
    }
    return { bytes: statSync(file).size, tables };
  } finally {
    client.close();
  }
}

function cpuMsOf(before: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/**
 * What the node's directory (src/node/discovery/directory.ts) holds in memory once loaded from the
 * file, and the CPU one load takes; then the median CPU of RELOADS reloads with nothing new, and of
 * RELOADS reloads each after `changed` origins re-signed their entries (a new URL). Heap after a
 * full GC when node runs with --expose-gc.
 */
async function directoryView(file: string, origins: string[], exp: number): Promise<{ nodes: number; heap: number; cpuMs: number; sameMs: number; changedMs: number }> {
  const store = await openDatabaseFile(file);
  try {
    const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
    const directory = new Directory({
      db: store.db,
      nodeId: "self",
      now: () => Math.floor(Date.now() / 1000),
      config: { clockSkewSeconds: 300, publicNode: false, publicUrl: undefined },
      card: () => Promise.reject(new Error("not public")),
      fetchedCards: { card: async () => undefined },
    });
    gc();
    const heap = process.memoryUsage().heapUsed;
    const cpu = process.cpuUsage();
    const view = await directory.view();
    const cpuMs = cpuMsOf(cpu);
    gc();
    const held = process.memoryUsage().heapUsed - heap;
    const same: number[] = [];
    const after: number[] = [];
    const repo = new EntryRepository(store.db);
    for (let k = 0; k < RELOADS; k++) {
      directory.invalidate();
      const before = process.cpuUsage();
      await directory.view();
      same.push(cpuMsOf(before));
    }
    for (let k = 0; k < RELOADS; k++) {
      const resigned = await Promise.all(origins.slice(k * changed, (k + 1) * changed).map((o, j) => directoryEntry(1e9 + k * changed + j, exp, o)));
      await repo.put(resigned, "peer-1");
      directory.invalidate();
      const before = process.cpuUsage();
      const v = await directory.view();
      after.push(cpuMsOf(before));
      if (v.nodes.size !== view.nodes.size || !resigned.every((e) => v.nodes.all().some((n) => n.id === e.signed.origin && e.signed.kind === "directory" && n.url === e.signed.body.url))) throw new Error("the reloaded view misses a re-signed entry");
    }
    return { nodes: view.nodes.size, heap: held, cpuMs, sameMs: median(same), changedMs: median(after) };
  } finally {
    store.close();
  }
}

console.log(`${machine()}; load average ${loadavg()[0]!.toFixed(1)} at start; ${peers} peers' node entries.\n`);
const peerEntries: Entry[] = [];
for (let i = 0; i < peers; i++) {
  const p = await stranger({ url: `https://peer-${i}.example.org` });
  peerEntries.push(await signEntry({ origin: p.id, kind: "node", key: NODE_CARD_KEY, visibility: "public", hlc: hlcAt(Date.now()), tombstone: false, body: { card: p.card } }, p.entrySigner));
  await p.close();
}
const rows: string[][] = [];
for (const n of sizes) {
  const dir = mkdtempSync(join(tmpdir(), "mcpfed-directory-state-"));
  const file = join(dir, "node.db");
  try {
    if (pageSize) {
      const client = createClient({ url: `file:${file}` });
      await client.execute(`PRAGMA page_size = ${pageSize}`);
      await client.execute("VACUUM");
      client.close();
    }
    (await openDatabaseFile(file)).close();
    const empty = await sized(file);
    const store = await openDatabaseFile(file);
    const repo = new EntryRepository(store.db);
    const exp = Math.floor(Date.now() / 1000) + 30 * 86_400;
    const started = performance.now();
    await repo.put(peerEntries, "peer-0");
    let entryBytes = 0;
    const origins: string[] = [];
    for (let i = 0; i < n; i += BATCH) {
      const batch = await Promise.all(Array.from({ length: Math.min(BATCH, n - i) }, (_, j) => directoryEntry(i + j, exp)));
      if (origins.length < RELOADS * changed) origins.push(...batch.map((e) => e.signed.origin));
      entryBytes += batch.reduce((sum, e) => sum + Buffer.byteLength(e.canonical), 0);
      await repo.put(batch, "peer-0");
    }
    store.close();
    const full = await sized(file);
    const state = full.bytes - empty.bytes;
    const held = await directoryView(file, origins, exp);
    console.error(`${n}: ${(state / MiB).toFixed(2)} MiB in ${((performance.now() - started) / 1000).toFixed(0)} s; ${full.tables.map((t) => `${t.name} ${(t.bytes / MiB).toFixed(2)}`).join(", ")}`);
    rows.push([
      n.toLocaleString("en-US"),
      `${(entryBytes / n).toFixed(0)} B`,
      `${(state / MiB).toFixed(2)} MiB`,
      `${(state / n).toFixed(0)} B`,
      full.tables.length ? full.tables.map((t) => `${t.name} ${(t.bytes / MiB).toFixed(2)}`).join("; ") : "dbstat not available",
      `${held.nodes.toLocaleString("en-US")} nodes; ${(held.heap / MiB).toFixed(1)} MiB of heap; ${held.cpuMs.toFixed(0)} ms of CPU`,
      `${held.sameMs.toFixed(1)} ms`,
      `${held.changedMs.toFixed(1)} ms`,
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
console.log(`page size ${pageSize ?? "SQLite's default"}; ${changed} entries re-signed before each changed reload; load average ${loadavg()[0]!.toFixed(1)} at the end.\n`);
console.log(`| public nodes | compact entry (canonical) | state in libSQL (file after checkpoint, minus the empty node's) | per node | largest tables and indexes (MiB) | the node's directory view (src/node/discovery/directory.ts): held in memory, first load | CPU per reload, nothing new (median of ${RELOADS}) | CPU per reload after ${changed} changes (median of ${RELOADS}) |`);
console.log("|---|---|---|---|---|---|---|---|");
for (const r of rows) console.log(`| ${r.join(" | ")} |`);
