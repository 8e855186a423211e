// The checkpoint suite between real node processes on loopback (protocol §8.4, §8.8): A and C
// call B's priced get-sum; A and B offer ledger-checkpoints, C does not (LEDGER_CHECKPOINTS=off).
// TICK_SECONDS is the tests' hour, so nothing here rides on the schedule: a tick runs only where a
// test asks for one. Records are read from each node's own libSQL file.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { sql } from "drizzle-orm";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Card } from "../../src/protocol/card/schema.ts";
import { fromBase64url } from "../../src/protocol/encoding/bytes.ts";
import { signingKey } from "../../src/protocol/identity/imported.ts";
import { signingKeyFromSeed } from "../../src/protocol/identity/keys.ts";
import { primitives } from "../../src/protocol/identity/primitives.ts";
import { newSeed, parseSeed } from "../../src/protocol/identity/seed.ts";
import { verifyRecordProof } from "../../src/protocol/ledger/proof.ts";
import type { LedgerRecord } from "../../src/protocol/ledger/record.ts";
import { signIntent, verifyRecord, type LedgerSigner, type LedgerVerifier } from "../../src/protocol/ledger/signing.ts";
import { CHECKPOINT_SUITE } from "../../src/protocol/ledger/suite.ts";
import { readFrames } from "../../src/protocol/messages/relay-frames.ts";
import { answerFrame, callFrame } from "../../src/protocol/messages/relay.ts";
import { cli } from "../support/cli.ts";
import { openDatabaseFile } from "../support/libsql.ts";
import { connect } from "../support/mcp.ts";
import { withEverything } from "../support/node-with-everything.ts";
import { eventually, json, loopbackNode, type NodeProc, type Upstream } from "../support/processes.ts";
import { sealAs } from "../support/seal-as.ts";
import { tick } from "../support/tick.ts";

interface Row {
  id: string;
  peer: string;
  status: string;
  record: string;
}

const TOOL = "bravo_everything_get-sum";
const seedA = newSeed();
const seedC = newSeed();
let up: Upstream;
let a: NodeProc;
let b: NodeProc;
let c: NodeProc;
let atA: Client;
let atC: Client;
/** Each node's composite key, from its card, as a third party would take it. */
let verifier: LedgerVerifier;

async function rowsOf(n: NodeProc): Promise<Row[]> {
  const store = await openDatabaseFile(join(n.dataDir, "node.db"));
  try {
    return await store.db.all<Row>(sql`SELECT id, peer, status, record FROM ledger_records ORDER BY completed_at, id`);
  } finally {
    store.close();
  }
}
const rowAt = async (n: NodeProc, id: string) => (await rowsOf(n)).find((r) => r.id === id);
const recordIdOf = (r: unknown) => ((r as { _meta: Record<string, { record: string }> })._meta["mcpfed/relay"]!.record);

async function signerOf(seed: string, id: string): Promise<LedgerSigner> {
  const signing = await signingKeyFromSeed(await primitives(), parseSeed(seed));
  return { nodeId: id, sign: (m, ctx) => signing.signer.sign(m, ctx), signEd25519: (m, ctx) => signing.signer.signEd25519(m, ctx) };
}

/** An intent under the checkpoint suite for B's get-sum, signed in the name of the node whose seed the test holds, at the price `client` lists. */
async function checkpointIntentAs(client: Client, seed: string, id: string, args: Record<string, number>) {
  const listed = (await client.listTools()).tools.find((t) => t.name === TOOL)!;
  return signIntent(await signerOf(seed, id), {
    provider: b.nodeId,
    tool: { id: `${b.nodeId}/everything/get-sum`, fingerprint: listed._meta!["mcpfed/fingerprint"] as string },
    params: { name: "get-sum", arguments: args },
    price: listed._meta!["mcpfed/pricing"] as never,
    requestedAt: Date.now(),
    suite: CHECKPOINT_SUITE,
  });
}

/** A call sealed by the test in `from`'s name (it holds the seed), and B's final answer. */
async function callAs(from: { seed: string; id: string }, request: unknown): Promise<{ ok: boolean; error?: { code: string; message: string } }> {
  const { sealed, post } = await sealAs(from, b, "call", request);
  for await (const frame of readFrames((await post()).body!)) {
    const f = callFrame.parse(JSON.parse(new TextDecoder().decode(await sealed.openResponse(frame))));
    if (f.type === "answer") return answerFrame.parse(f).answer as never;
  }
  throw new Error("no answer");
}

async function sum(client: Client, x: number): Promise<string> {
  const r = await client.callTool({ name: TOOL, arguments: { a: x, b: 1 } });
  expect(r.isError).toBeFalsy();
  return recordIdOf(r);
}

beforeAll(async () => {
  const node = (name: string, env: Record<string, string> = {}) => loopbackNode(name, { env: { PEER_POLICY: "open", CHECKPOINT_SECONDS: "1", ...env } });
  [{ node: b, everything: up }, a, c] = await Promise.all([withEverything(node("bravo")), node("alpha", { NODE_SEED: seedA }), node("charlie", { NODE_SEED: seedC, LEDGER_CHECKPOINTS: "off" })]);
  await json(await a.admin("POST", "/peers", { url: b.url }));
  await json(await c.admin("POST", "/peers", { url: b.url }));
  await json(await b.admin("POST", "/shares", { tool: "everything_get-sum", visibility: "peers", pricing: { model: "per_call", amount: 3, unit: "credit" } }));
  [atA, atC] = await Promise.all([connect(a.mcpUrl), connect(c.mcpUrl)]);
  await eventually(async () => {
    for (const client of [atA, atC]) expect((await client.listTools()).tools.map((t) => t.name)).toContain(TOOL);
  }, 20_000);
  const p = await primitives();
  const keys = new Map<string, string>();
  for (const n of [a, b, c]) keys.set(n.nodeId, ((await (await fetch(`${n.url}/.well-known/mcpfed`)).json()) as Card).keys.sig.pub);
  verifier = {
    async keyOf(node) {
      const pub = keys.get(node);
      if (!pub) return undefined;
      const key = await signingKey(p, pub);
      return { verify: (m, s, ctx) => key.verify(s, m, ctx), verifyEd25519: (m, s, ctx) => key.verifyEd25519(s, m, ctx) };
    },
  };
}, 120_000);

afterAll(async () => {
  await Promise.all([atA?.close(), atC?.close()]);
  await Promise.all([a, b, c, up].map((n) => n?.stop()));
});

describe("a call between two nodes that offer ledger-checkpoints", () => {
  it("makes a record under the checkpoint suite, byte-identical on both sides, confirmed at the provider without a tick", async () => {
    const id = await sum(atA, 41);
    const atConsumer = (await rowAt(a, id))!;
    expect(atConsumer.status).toBe("confirmed");
    const record = JSON.parse(atConsumer.record) as LedgerRecord;
    expect(record.intent.suite).toBe(CHECKPOINT_SUITE);
    for (const part of [record.sigs.intent, record.sigs.receipt, record.sigs.countersign!]) expect(fromBase64url(part)).toHaveLength(64);
    expect(await verifyRecord(verifier, record)).toBe("valid");
    // The consumer pushed its countersignature with its answer: B confirms without asking, with no tick.
    await eventually(async () => expect(await rowAt(b, id)).toMatchObject({ status: "confirmed", record: atConsumer.record }), 5_000);
  });

  it("covers the records with both parties' checkpoints on the tick, and the proof convinces a third party", async () => {
    const ids = [await sum(atA, 1), await sum(atA, 2), await sum(atA, 3)];
    await eventually(async () => expect((await rowsOf(b)).filter((r) => ids.includes(r.id) && r.status === "confirmed")).toHaveLength(3), 5_000);
    const stageAt = async (n: NodeProc, id: string) =>
      (await json<{ records: { id: string; stage: string }[] }>(await n.admin("GET", `/ledger/records?peer=${n === a ? b.nodeId : a.nodeId}`))).records.find((r) => r.id === id)?.stage;
    expect(await stageAt(a, ids[0]!)).toBe("confirmed");
    // CHECKPOINT_SECONDS is 1: wait until the oldest uncovered record is older, then tick each side once.
    await eventually(async () => {
      const made = (await tick(a)).checkpoints;
      expect(made.made).toBeGreaterThan(0);
      expect(made.failures).toBe(0);
    }, 5_000);
    expect(await stageAt(a, ids[0]!)).toBe("confirmed");
    const madeAtB = (await tick(b)).checkpoints;
    expect(madeAtB).toMatchObject({ failures: 0 });
    expect(madeAtB.made).toBeGreaterThan(0);
    for (const id of ids) {
      expect(await stageAt(a, id)).toBe("post_quantum_final");
      expect(await stageAt(b, id)).toBe("post_quantum_final");
    }
    // Nothing left to cover: another tick makes nothing.
    expect((await tick(a)).checkpoints.made).toBe(0);

    const { stage, proof } = await json<{ stage: string; proof: { record: LedgerRecord; checkpoints: { checkpoint: { checkpoint: { signer: string } }; index: number; path: string[] }[] } }>(
      await a.admin("GET", `/ledger/records/${ids[1]}/proof`),
    );
    expect(stage).toBe("post_quantum_final");
    expect(proof.checkpoints.map((x) => x.checkpoint.checkpoint.signer).sort()).toEqual([a.nodeId, b.nodeId].sort());
    expect(await verifyRecordProof(verifier, proof)).toBe("post_quantum_final");
    // B hands out a proof of the same record that verifies as well.
    expect(await verifyRecordProof(verifier, (await json<{ proof: unknown }>(await b.admin("GET", `/ledger/records/${ids[1]}/proof`))).proof)).toBe("post_quantum_final");
    const bent = structuredClone(proof);
    bent.checkpoints[0]!.index = (bent.checkpoints[0]!.index + 1) % 4;
    expect(await verifyRecordProof(verifier, bent)).toBe("path_does_not_verify");
    expect(await verifyRecordProof(verifier, { ...proof, checkpoints: proof.checkpoints.slice(0, 1) })).toBe("confirmed");

    // The CLI shows the stage and prints the same proof.
    const env = { MCPFED_URL: a.url, ADMIN_TOKEN: a.adminToken };
    const listed = await cli(["ledger", "records", "--peer", b.nodeId], env);
    expect(listed, listed.stderr).toMatchObject({ code: 0 });
    expect(listed.stdout).toMatch(new RegExp(`${ids[1]!.slice(0, 16)}.*confirmed\\s+post-quantum final`));
    const printed = await cli(["ledger", "proof", ids[1]!], env);
    expect(printed, printed.stderr).toMatchObject({ code: 0 });
    expect(JSON.parse(printed.stdout)).toEqual({ stage, proof });
    const exported = await json<{ records: { id: string; stage: string }[] }>(await a.admin("GET", "/ledger/export?format=json"));
    expect(exported.records.find((r) => r.id === ids[1])?.stage).toBe("post_quantum_final");
  });

  it("leaves the provider a provable claim when the consumer never countersigns", async () => {
    // A call sealed as A, as A would send it just before dying: A never countersigns it.
    const args = { a: 20, b: 22 };
    const intent = await checkpointIntentAs(atA, seedA, a.nodeId, args);
    const answer = await callAs({ seed: seedA, id: a.nodeId }, { type: "call", key: "everything/get-sum", arguments: args, intent, timeoutMs: 10_000, progress: false, countersigned: [] });
    expect(answer.ok).toBe(true);
    const held = (await rowAt(b, intent.intent.id))!;
    expect(held.status).toBe("pending");
    // The intent and the receipt verify against A's and B's keys: B can show A asked, at this price.
    expect(await verifyRecord(verifier, JSON.parse(held.record))).toBe("pending");
    expect(await rowAt(a, intent.intent.id)).toBeUndefined();
  });
});

describe("a peer that does not offer ledger-checkpoints", () => {
  it("keeps the composite suite, and its records are confirmed at once too", async () => {
    const card = (n: NodeProc) => fetch(`${n.url}/.well-known/mcpfed`).then((r) => r.json() as Promise<Card>);
    expect((await card(c)).features).not.toContain("ledger-checkpoints");
    expect((await card(b)).features).toContain("ledger-checkpoints");
    const id = await sum(atC, 5);
    const record = JSON.parse((await rowAt(c, id))!.record) as LedgerRecord;
    expect(record.intent.suite).toBeUndefined();
    expect(fromBase64url(record.sigs.intent)).toHaveLength(3373);
    expect(await verifyRecord(verifier, record)).toBe("valid");
    await eventually(async () => expect(await rowAt(b, id)).toMatchObject({ status: "confirmed" }), 5_000);
    // A composite record proves everything at once; no checkpoint covers it, none is sent to C.
    const atB = (await json<{ records: { id: string; stage: string }[] }>(await b.admin("GET", `/ledger/records?peer=${c.nodeId}`))).records;
    expect(atB.find((r) => r.id === id)?.stage).toBe("post_quantum_final");
    expect((await tick(b)).checkpoints).toMatchObject({ made: 0, failures: 0 });
  });

  it("is refused an intent under the checkpoint suite by the provider, which agreed on none with it", async () => {
    const args = { a: 2, b: 3 };
    const intent = await checkpointIntentAs(atC, seedC, c.nodeId, args);
    const answer = await callAs({ seed: seedC, id: c.nodeId }, { type: "call", key: "everything/get-sum", arguments: args, intent, timeoutMs: 10_000, progress: false, countersigned: [] });
    expect(answer).toMatchObject({ ok: false, error: { code: "intent_refused", message: expect.stringContaining("unsupported_suite") } });
    expect(await rowAt(b, intent.intent.id)).toBeUndefined();
  });
});
