// Envelope benchmark: seals/s, opens/s and seal+open pairs/s for a 2 KiB payload on one core,
// against the raw primitives the envelope is made of, on the native and the noble path; the
// envelope's byte overhead; and the cold start of the first seal in a fresh process.
//
//   npm run bench:envelope            all runs below, printed as markdown
//   ... -- run <native|noble|runtime>  one path in this process, as JSON
//   ... -- cold <native|noble|runtime> one cold start in this process, as JSON
//   ... -- pair <native|noble|runtime> [n] [rounds]  seal + open only, as JSON (for relay.ts)
//
// The native path needs Node >= 24.7 (tools/node_modules/.bin/node); the orchestrator runs it there.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const NODE24 = join(ROOT, "tools/node_modules/.bin/node");
const PAYLOAD = 2048;
const ROUNDS = Number(process.env.ROUNDS ?? 3);

type PathName = "native" | "noble" | "runtime";

interface RunResult {
  node: string;
  crypto: string;
  /** ms per operation, medians over rounds. */
  raw: Record<string, number>;
  seal: number;
  open: number;
  pair: number;
  openWithStore: number;
  response: number;
  rawPair: number;
  overhead: { envelope: number; response: number; header: number };
}

interface ColdResult {
  node: string;
  importMs: number;
  probeMs: number;
  keysMs: number;
  firstSealMs: number;
  secondSealMs: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function perOp(n: number, f: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  for (let i = 0; i < n; i++) await f();
  return (performance.now() - t) / n;
}

/** Keys, a recipient and a 2 KiB payload for `path`, with one seal and one open ready to time. */
async function setup(path: PathName) {
  const { primitives, noble, native, describe } = await import("../../src/protocol/identity/primitives.ts");
  const { keyId, signingKeyFromSeed } = await import("../../src/protocol/identity/keys.ts");
  const { xWing } = await import("../../src/protocol/identity/xwing.ts");
  const { compositeVerifier } = await import("../../src/protocol/identity/composite.ts");
  const { seal } = await import("../../src/protocol/envelope/seal.ts");
  const { openEnvelope } = await import("../../src/protocol/envelope/open.ts");
  const { ReplayCache } = await import("../../src/store/replay-cache.ts");
  const { toBase64url } = await import("../../src/protocol/encoding/bytes.ts");
  const { createClient } = await import("@libsql/client");
  const { drizzle } = await import("drizzle-orm/libsql");
  const { migrate } = await import("../../src/store/database.ts");
  type Database = import("../../src/store/database.ts").Database;
  type ReplayGuard = import("../../src/protocol/envelope/open.ts").ReplayGuard;
  const schema = await import("../../src/store/schema/index.ts");

  const p = path === "native" ? native : path === "noble" ? noble : await primitives();
  const alice = await signingKeyFromSeed(p, new Uint8Array(32).fill(1));
  const bob = await signingKeyFromSeed(p, new Uint8Array(32).fill(2));
  const x = xWing(p);
  const kem = await x.fromSeed(new Uint8Array(32).fill(3));
  const key = { epoch: 0, keyId: await keyId("x-wing", kem.publicKey), ...kem };
  const verifier = await compositeVerifier(p, alice.signer.publicKey);
  const payload = crypto.getRandomValues(new Uint8Array(PAYLOAD));
  const now = Math.floor(Date.now() / 1000);

  // Accepted ids in memory: the crypto alone. The libSQL cache is measured apart.
  const ids = new Set<string>();
  const memory: ReplayGuard = { seen: async (_s, j) => ids.has(j), record: async (_s, j) => !ids.has(j) && !!ids.add(j) };
  // The embedded store as a local node opens it (src/runtimes/local.ts).
  const dir = mkdtempSync(join(tmpdir(), "mcpfed-bench-"));
  const client = createClient({ url: `file:${join(dir, "bench.db")}` });
  for (const pragma of ["journal_mode = WAL", "busy_timeout = 5000", "synchronous = NORMAL"]) await client.execute(`PRAGMA ${pragma}`);
  const db = drizzle(client, { schema }) as Database;
  await migrate(db);
  const store = new ReplayCache(db);

  const sealOne = () =>
    seal({
      primitives: p,
      signer: alice.signer,
      from: alice.nodeId,
      to: bob.nodeId,
      recipientKey: { kid: key.keyId, pub: toBase64url(kem.publicKey) },
      version: "mcpfed/1",
      method: "POST",
      path: "/federation/v1/ping",
      plaintext: payload,
      now,
    });
  const openOne = (bytes: Uint8Array, replay: ReplayGuard = memory) =>
    openEnvelope(bytes, {
      self: { nodeId: bob.nodeId, keys: { find: async (kid) => (kid === key.keyId ? key : undefined) }, primitives: p },
      sender: async () => ({ verifier, version: "mcpfed/1" }),
      replay,
      now,
      skew: 60,
      method: "POST",
      path: "/federation/v1/ping",
      maxBytes: 1 << 20,
    });
  const close = () => {
    client.close();
    rmSync(dir, { recursive: true, force: true });
  };
  return { p, describe, x, kem, payload, store, sealOne, openOne, close };
}

async function run(path: PathName): Promise<RunResult> {
  const { p, describe, x, kem, payload, store, sealOne, openOne, close } = await setup(path);
  // ML-DSA signing loops a random number of times: noble needs many samples for a steady mean.
  const n = p.mlDsa65.impl === "noble" ? 200 : 400;

  // Raw primitives, each on its own: what a seal and an open cannot avoid.
  const dsa = await p.mlDsa65.fromSeed(new Uint8Array(32).fill(4));
  const dsaPub = await p.mlDsa65.importPublic(dsa.publicKey);
  const ed = await p.ed25519.fromSeed(new Uint8Array(32).fill(5));
  const edPub = await p.ed25519.importPublic(ed.publicKey);
  const m = new Uint8Array(144); // the size of the composite's M'
  const ctx = new Uint8Array(30);
  const dsaSig = await p.mlDsa65.sign(dsa.privateKey, m, ctx);
  const edSig = await p.ed25519.sign(ed.privateKey, m);
  const xPub = await x.importPublic(kem.publicKey);
  const encapsulated = await x.encapsulate(xPub);
  const aes = await crypto.subtle.importKey("raw", new Uint8Array(32), "AES-GCM", false, ["encrypt", "decrypt"]);
  const iv = new Uint8Array(12);
  const aesCt = await crypto.subtle.encrypt({ name: "AES-GCM", iv }, aes, payload);

  const rounds: Record<string, number>[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const raw: Record<string, number> = {
      "ML-DSA-65 sign": await perOp(n, () => p.mlDsa65.sign(dsa.privateKey, m, ctx)),
      "ML-DSA-65 verify": await perOp(n, () => p.mlDsa65.verify(dsaPub, dsaSig, m, ctx)),
      "Ed25519 sign": await perOp(n, () => p.ed25519.sign(ed.privateKey, m)),
      "Ed25519 verify": await perOp(n, () => p.ed25519.verify(edPub, edSig, m)),
      "X-Wing encapsulate": await perOp(n, () => x.encapsulate(xPub)),
      "X-Wing decapsulate": await perOp(n, () => x.decapsulate(kem.privateKey, encapsulated.enc)),
      "AES-256-GCM seal 2 KiB": await perOp(n, () => crypto.subtle.encrypt({ name: "AES-GCM", iv }, aes, payload)),
      "AES-256-GCM open 2 KiB": await perOp(n, () => crypto.subtle.decrypt({ name: "AES-GCM", iv }, aes, aesCt)),
    };
    const sealed: Uint8Array[] = [];
    const sealMs = await perOp(n, async () => sealed.push((await sealOne()).bytes));
    let i = 0;
    const openMs = await perOp(n, () => openOne(sealed[i++]!));
    const pairMs = await perOp(n, async () => openOne((await sealOne()).bytes));
    const forStore: Uint8Array[] = [];
    for (let k = 0; k < n; k++) forStore.push((await sealOne()).bytes);
    i = 0;
    const openStoreMs = await perOp(n, () => openOne(forStore[i++]!, store));
    const s = await sealOne();
    const o = await openOne(s.bytes);
    const answer = await o.sealResponse(payload);
    const responseMs = await perOp(n, async () => s.openResponse(await o.sealResponse(payload)));
    rounds.push({ ...raw, seal: sealMs, open: openMs, pair: pairMs, openWithStore: openStoreMs, response: responseMs, answer: answer.length });
  }
  const med = (k: string) => median(rounds.map((r) => r[k]!));
  const rawKeys = Object.keys(rounds[0]!).filter((k) => /ML-DSA|Ed25519|X-Wing|AES/.test(k));
  const raw = Object.fromEntries(rawKeys.map((k) => [k, med(k)]));
  const sample = await sealOne();
  const headerLength = (sample.bytes[0]! << 8) | sample.bytes[1]!;
  close();
  return {
    node: process.version,
    crypto: describe(p),
    raw,
    seal: med("seal"),
    open: med("open"),
    pair: med("pair"),
    openWithStore: med("openWithStore"),
    response: med("response"),
    rawPair: rawKeys.reduce((sum, k) => sum + raw[k]!, 0),
    overhead: { envelope: sample.bytes.length - PAYLOAD, response: med("answer") - PAYLOAD, header: headerLength },
  };
}

/** Only seal + open (in-memory replay set), ms per pair: the median of `rounds` rounds of `n`. */
async function pairOnly(path: PathName, n: number, rounds: number): Promise<{ node: string; crypto: string; pair: number }> {
  const { p, describe, sealOne, openOne, close } = await setup(path);
  for (let i = 0; i < 5; i++) await openOne((await sealOne()).bytes);
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) times.push(await perOp(n, async () => openOne((await sealOne()).bytes)));
  close();
  return { node: process.version, crypto: describe(p), pair: median(times) };
}

/**
 * Seal + open cost in a fresh process of `node`, as a node on that runtime computes it (`runtime`
 * picks what primitives() picks), for the relay benchmark to set against its latencies.
 */
export function sealOpenPairMs(node: string, n: number, rounds: number): { node: string; crypto: string; pair: number } {
  return child(node, "pair", "runtime", [String(n), String(rounds)]);
}

/** A fresh process: module loading, the primitives probe, key expansion, then two seals. */
async function cold(path: PathName): Promise<ColdResult> {
  const t0 = performance.now();
  const { primitives, noble, native } = await import("../../src/protocol/identity/primitives.ts");
  const { signingKeyFromSeed, keyId } = await import("../../src/protocol/identity/keys.ts");
  const { xWing } = await import("../../src/protocol/identity/xwing.ts");
  const { seal } = await import("../../src/protocol/envelope/seal.ts");
  const { toBase64url } = await import("../../src/protocol/encoding/bytes.ts");
  const t1 = performance.now();
  const p = path === "native" ? native : path === "noble" ? noble : await primitives();
  if (path !== "runtime") await primitives(); // a node probes once either way
  const t2 = performance.now();
  const alice = await signingKeyFromSeed(p, new Uint8Array(32).fill(1));
  // The recipient's key as a peer's card carries it: public only.
  const pub = (await xWing(noble).fromSeed(new Uint8Array(32).fill(3))).publicKey;
  const recipientKey = { kid: await keyId("x-wing", pub), pub: toBase64url(pub) };
  const t3 = performance.now();
  const sealOne = () =>
    seal({
      primitives: p,
      signer: alice.signer,
      from: alice.nodeId,
      to: alice.nodeId,
      recipientKey,
      version: "mcpfed/1",
      method: "POST",
      path: "/federation/v1/ping",
      plaintext: new Uint8Array(PAYLOAD),
      now: Math.floor(Date.now() / 1000),
    });
  await sealOne();
  const t4 = performance.now();
  await sealOne();
  const t5 = performance.now();
  return { node: process.version, importMs: t1 - t0, probeMs: t2 - t1, keysMs: t3 - t2, firstSealMs: t4 - t3, secondSealMs: t5 - t4 };
}

function child<T>(node: string, mode: "run" | "cold" | "pair", path: PathName, extra: string[] = []): T {
  const out = execFileSync(node, ["--import", "tsx", fileURLToPath(import.meta.url), mode, path, ...extra], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, NODE_NO_WARNINGS: "1" },
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(out.trim().split("\n").pop()!) as T;
}

const f = (ms: number) => (ms < 1 ? ms.toFixed(3) : ms.toFixed(2));
const perSec = (ms: number) => Math.round(1000 / ms).toLocaleString("en-US");

function report(runs: [string, RunResult][], colds: [string, ColdResult][]): string {
  const lines: string[] = [];
  lines.push("| path | seals/s | opens/s | pairs/s | raw primitives pairs/s | envelope / raw | open with libSQL replay cache, opens/s |");
  lines.push("| --- | --- | --- | --- | --- | --- | --- |");
  for (const [label, r] of runs) {
    lines.push(
      `| ${label} | ${perSec(r.seal)} | ${perSec(r.open)} | ${perSec(r.pair)} | ${perSec(r.rawPair)} | ${(r.rawPair / r.pair).toFixed(2)} | ${perSec(r.openWithStore)} |`,
    );
  }
  lines.push("", "Raw primitives, ms per operation:", "");
  const keys = Object.keys(runs[0]![1].raw);
  lines.push(`| operation | ${runs.map(([l]) => l).join(" | ")} |`, `| --- | ${runs.map(() => "---").join(" | ")} |`);
  for (const k of keys) lines.push(`| ${k} | ${runs.map(([, r]) => f(r.raw[k]!)).join(" | ")} |`);
  lines.push(`| **sum (one seal + one open)** | ${runs.map(([, r]) => f(r.rawPair)).join(" | ")} |`);
  lines.push(`| envelope seal | ${runs.map(([, r]) => f(r.seal)).join(" | ")} |`);
  lines.push(`| envelope open | ${runs.map(([, r]) => f(r.open)).join(" | ")} |`);
  lines.push(`| envelope seal + open | ${runs.map(([, r]) => f(r.pair)).join(" | ")} |`);
  lines.push(`| sealed answer, seal + open 2 KiB | ${runs.map(([, r]) => f(r.response)).join(" | ")} |`);
  const o = runs[0]![1].overhead;
  lines.push("", `Overhead: an envelope is ${o.envelope} bytes longer than its payload (header ${o.header} bytes); a sealed answer ${o.response} bytes.`);
  lines.push("", "Cold start in a fresh process, ms:", "");
  lines.push("| path | load modules | probe primitives | derive keys | first seal | second seal |", "| --- | --- | --- | --- | --- | --- |");
  for (const [label, c] of colds) lines.push(`| ${label} | ${f(c.importMs)} | ${f(c.probeMs)} | ${f(c.keysMs)} | ${f(c.firstSealMs)} | ${f(c.secondSealMs)} |`);
  return lines.join("\n");
}

const [mode, path, ...rest] = process.argv.slice(2) as [string | undefined, PathName | undefined, ...string[]];
if (import.meta.url !== pathToFileURL(process.argv[1] ?? "").href) {
  // Imported (by relay.ts): nothing to run.
} else if (mode === "run") console.log(JSON.stringify(await run(path ?? "runtime")));
else if (mode === "cold") console.log(JSON.stringify(await cold(path ?? "runtime")));
else if (mode === "pair") console.log(JSON.stringify(await pairOnly(path ?? "runtime", Number(rest[0] ?? 100), Number(rest[1] ?? 3))));
else {
  const plan: [string, string, PathName][] = [
    ["native (Node 24)", NODE24, "native"],
    ["noble (Node 24)", NODE24, "noble"],
    ["noble (Node 20)", process.execPath, "noble"],
    ["Node 20 default (noble PQ, native Ed25519/X25519)", process.execPath, "runtime"],
  ];
  const runs: [string, RunResult][] = [];
  const colds: [string, ColdResult][] = [];
  for (const [label, node, p] of plan) {
    console.error(`running ${label}...`);
    runs.push([label, child<RunResult>(node, "run", p)]);
    // Three fresh processes; the one with the median first seal is shown.
    const tries = [0, 1, 2].map(() => child<ColdResult>(node, "cold", p)).sort((a, b) => a.firstSealMs - b.firstSealMs);
    colds.push([label, tries[1]!]);
  }
  console.log(report(runs, colds));
}
