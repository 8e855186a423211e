// Peer-assisted recovery (docs/protocol.md §19.2) across three real node processes on loopback:
// A deposits its backup at B and C; A's data folder is deleted; A starts again with only its
// NODE_SEED and recovers from B while C is down. Its tables hash as before the loss, and the
// ledger record it made with B after the deposit comes back by reconciliation.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEPOSIT_PART_BYTES, signDeposit, signDepositParts } from "../../src/protocol/backup/deposit.ts";
import { sealBackup } from "../../src/protocol/backup/seal.ts";
import { fromBase64url, toBase64url } from "../../src/protocol/encoding/bytes.ts";
import { signingKeyFromSeed } from "../../src/protocol/identity/keys.ts";
import { primitives } from "../../src/protocol/identity/primitives.ts";
import { newSeed, parseSeed } from "../../src/protocol/identity/seed.ts";
import { cli } from "../support/cli.ts";
import { connect } from "../support/mcp.ts";
import { eventually, json, loopbackNode, startEverything, tempDir, type NodeOptions, type NodeProc, type Upstream } from "../support/processes.ts";
import { openedAnswer, sealAs } from "../support/seal-as.ts";

interface TableHash {
  name: string;
  rows: number;
  sha256: string;
}
interface Deposited {
  id: string;
  bytes: number;
  tables: TableHash[];
  deposits: { holder: string; seq?: number; copies?: number; error?: { code: string } }[];
}
interface Recovery {
  copies: { url: string; holder?: string; restored?: true; error?: { code: string } }[];
  restored: { id: string; nodeId: string };
  hashes: TableHash[];
  ledger: { peer: string; reconciled?: { received: number }; error?: string }[];
}

const HOLD = 256 * 1024;
/** C holds more: a backup larger than one message (640 KiB) is deposited there in parts. */
const HOLD_C = 4 * 1024 * 1024;
const seedA = newSeed();
const seedC = newSeed();
const openNode = (name: string, opts: NodeOptions = {}) => loopbackNode(name, { ...opts, env: { PEER_POLICY: "open", ...opts.env } });
const alpha = (dataDir: string, port?: number) => openNode("alpha", { dataDir, ...(port ? { port } : {}), env: { NODE_SEED: seedA, BACKUP_PEERS: "all-approved" } });
const records = async (n: NodeProc, peer: string) => (await json<{ records: { id: string }[] }>(await n.admin("GET", `/ledger/records?peer=${peer}`))).records.map((r) => r.id).sort();
const relayRecord = (r: unknown) => ((r as { _meta?: Record<string, { record?: string }> })._meta?.["mcpfed/relay"]?.record ?? "");

let up: Upstream;
let a: NodeProc;
let b: NodeProc;
let c: NodeProc;
let client: Client | undefined;
let deposited: Deposited;
/** Records A made with B: the first before the deposit, the second after it. */
const made: string[] = [];

beforeAll(async () => {
  up = await startEverything();
  // One after the other: three nodes starting at once on a busy machine can outlast startNode's wait.
  a = await alpha(tempDir());
  b = await openNode("bravo", { env: { BACKUP_HOLD_MAX_BYTES: String(HOLD) } });
  c = await openNode("charlie", { env: { NODE_SEED: seedC, BACKUP_HOLD_MAX_BYTES: String(HOLD_C) } });
  expect((await b.admin("POST", "/upstreams", { name: "everything", kind: "http", url: up.url })).status).toBe(201);
  await json(await a.admin("POST", "/peers", { url: b.url }));
  await json(await a.admin("POST", "/peers", { url: c.url }));
  await json(await c.admin("POST", "/peers", { url: b.url }));
  await json(await b.admin("POST", "/shares", { tool: "everything_get-sum", visibility: "peers", pricing: { model: "per_call", amount: 5, unit: "credit" } }));
  client = await connect(a.mcpUrl);
  await eventually(async () => expect((await client!.listTools()).tools.map((t) => t.name)).toContain("bravo_everything_get-sum"), 15_000);
  made.push(relayRecord(await client.callTool({ name: "bravo_everything_get-sum", arguments: { a: 1, b: 2 } })));
}, 180_000);

afterAll(async () => {
  await client?.close();
  await Promise.all([a, b, c, up].map((n) => n?.stop()));
});

describe("peer-assisted recovery", () => {
  it("A deposits its sealed backup at B and C, which learn its size and time", async () => {
    deposited = await json<Deposited>(await a.admin("POST", "/backup/deposit"));
    expect(deposited.deposits.map((d) => [d.holder, d.copies])).toEqual(expect.arrayContaining([[b.nodeId, 1], [c.nodeId, 1]]));
    expect(deposited.tables.find((t) => t.name === "ledger_records")?.rows).toBe(1);
    for (const holder of [b, c]) {
      const { held } = await json<{ held: { depositor: string; copies: number; bytes: number }[] }>(await holder.admin("GET", "/backup/held"));
      expect(held).toEqual([expect.objectContaining({ depositor: a.nodeId, copies: 1, bytes: deposited.bytes })]);
    }
    // A record made after the deposit: only the peers' records can bring it back.
    made.push(relayRecord(await client!.callTool({ name: "bravo_everything_get-sum", arguments: { a: 20, b: 22 } })));
    expect(made.every((id) => id.length > 0)).toBe(true);
    await eventually(async () => expect(await records(b, a.nodeId)).toEqual([...made].sort()), 10_000);
  });

  it("nobody but A fetches A's copy, and a deposit above the holder's limit is refused with its reason", async () => {
    const strangerSeed = newSeed();
    const p = await primitives();
    const strangerId = (await signingKeyFromSeed(p, parseSeed(strangerSeed))).nodeId;
    const asStranger = await sealAs({ seed: strangerSeed, id: strangerId }, b, "backup-fetch", { type: "backup-fetch" });
    const refused = await asStranger.post();
    expect(refused.ok).toBe(false);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("unknown_sender");

    // C is B's active peer, and still gets only what B holds for C: nothing.
    const asC = await sealAs({ seed: seedC, id: c.nodeId }, b, "backup-fetch", { type: "backup-fetch" });
    expect(await openedAnswer(asC, await asC.post())).toMatchObject({ ok: false, error: { code: "no_deposit" } });

    const keyA = await signingKeyFromSeed(p, parseSeed(seedA));
    const big = new Uint8Array(HOLD + 1).fill(7);
    const deposit = await signDeposit(big, { depositor: a.nodeId, holder: b.nodeId, seq: Date.now(), sign: (m, ctx) => keyA.signer.sign(m, ctx) });
    const tooLarge = await sealAs({ seed: seedA, id: a.nodeId }, b, "backup-deposit", deposit);
    expect(await openedAnswer(tooLarge, await tooLarge.post())).toMatchObject({ ok: false, error: { code: "deposit_too_large" } });
    const { held } = await json<{ held: { depositor: string; copies: number }[] }>(await b.admin("GET", "/backup/held"));
    expect(held).toEqual([expect.objectContaining({ depositor: a.nodeId, copies: 1, bytes: deposited.bytes })]);
  });

  it("a backup larger than one message reaches C in parts, staged until the last, and comes back part by part", async () => {
    const p = await primitives();
    const keyA = await signingKeyFromSeed(p, parseSeed(seedA));
    // Random rows do not compress: the sealed file is over 1.3 MB, three parts or more.
    const random = () => Array.from(crypto.getRandomValues(new Uint8Array(24)), (x) => x.toString(16).padStart(2, "0")).join("");
    const tables = [{ name: "peers", columns: ["node_id"], rows: Array.from({ length: 50_000 }, () => [random()]) }];
    const identity = { nodeId: keyA.nodeId, signingKey: toBase64url(keyA.signer.publicKey), sign: (m: Uint8Array, ctx: string) => keyA.signer.sign(m, ctx) };
    const { file } = await sealBackup(tables, { seed: parseSeed(seedA), identity, schema: "test", created: Math.floor(Date.now() / 1000) });
    const seq = Date.now();
    const messages = await signDepositParts(file, { depositor: a.nodeId, holder: c.nodeId, seq, sign: (m, ctx) => keyA.signer.sign(m, ctx) });
    expect(messages.length).toBeGreaterThanOrEqual(3);
    const asA = (name: string, payload: unknown) => sealAs({ seed: seedA, id: a.nodeId }, c, name, payload);
    const send = async (name: string, payload: unknown) => {
      const request = await asA(name, payload);
      return openedAnswer(request, await request.post());
    };
    for (const [i, m] of messages.entries()) {
      const answer = await send("backup-deposit", m);
      expect(answer).toMatchObject({ ok: true, result: i < messages.length - 1 ? { type: "backup-deposit-part", received: (i + 1) * DEPOSIT_PART_BYTES } : { type: "backup-deposit", seq } });
    }
    const { held } = await json<{ held: { depositor: string; newestSeq: number; bytes: number }[] }>(await c.admin("GET", "/backup/held"));
    expect(held).toEqual([expect.objectContaining({ depositor: a.nodeId, newestSeq: seq })]);
    const whole = new Uint8Array(file.length);
    for (let at = 0; at < file.length; ) {
      const answer = (await send("backup-fetch", { type: "backup-fetch", ...(at ? { offset: at } : {}) })) as { ok: boolean; result?: { copy: { seq: number; file: string } } };
      expect(answer.result?.copy.seq).toBe(seq);
      const part = fromBase64url(answer.result!.copy.file);
      whole.set(part, at);
      at += part.length;
    }
    expect(Buffer.compare(whole, file)).toBe(0);
  });

  it("A, with only its NODE_SEED, recovers its tables from B while C is down, and its ledger by reconciliation", async () => {
    await client!.close();
    client = undefined;
    const port = a.port;
    await a.stop();
    rmSync(a.dataDir, { recursive: true, force: true });
    await c.stop();

    a = await alpha(tempDir(), port);
    expect(await records(a, b.nodeId)).toEqual([]);
    // As the operator runs it: the CLI, with the peer URLs the empty node cannot know.
    const run = await cli(["recover", "--from-peers", b.url, "--from-peers", c.url, "--json"], { MCPFED_URL: a.url, ADMIN_TOKEN: a.adminToken });
    expect(run.code, run.stderr).toBe(0);
    const recovery = JSON.parse(run.stdout) as Recovery;
    expect(recovery.restored).toMatchObject({ id: deposited.id, nodeId: a.nodeId });
    expect(recovery.copies).toEqual([
      expect.objectContaining({ url: b.url, holder: b.nodeId, restored: true }),
      expect.objectContaining({ url: c.url, error: expect.objectContaining({ code: "unreachable" }) }),
    ]);
    // The store as restored hashes as A's did when it made the backup, table by table.
    expect(recovery.hashes).toEqual(deposited.tables);
    expect(recovery.ledger).toEqual(
      expect.arrayContaining([
        { peer: b.nodeId, reconciled: expect.objectContaining({ received: 1 }) },
        { peer: c.nodeId, error: expect.any(String) },
      ]),
    );

    // After a restart, as the operator is told to: both records with B, and B is a peer again.
    await a.stop();
    a = await alpha(a.dataDir, port);
    expect(await records(a, b.nodeId)).toEqual([...made].sort());
    const peers = await json<{ peers: { id: string; state: string }[] }>(await a.admin("GET", "/peers"));
    expect(peers.peers.find((p) => p.id === b.nodeId)?.state).toBe("active");
  });

  it("a node that already holds data refuses to recover over it", async () => {
    const res = await a.admin("POST", "/recover", { peers: [b.url] });
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("not_fresh");
  });
});
