// A provider record whose consumer never stored its copy (issue 10, loose end 11), between real
// node processes on loopback: the test calls B's tool sealed as A, as A would just before dying,
// so A never holds the record. B asks A on its ticks a bounded number of times, counted across a
// restart, then flags the record and stops asking.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signingKeyFromSeed } from "../../src/protocol/identity/keys.ts";
import { primitives } from "../../src/protocol/identity/primitives.ts";
import { newSeed, parseSeed } from "../../src/protocol/identity/seed.ts";
import { signIntent, type LedgerSigner } from "../../src/protocol/ledger/signing.ts";
import { readFrames } from "../../src/protocol/messages/relay-frames.ts";
import { answerFrame, callFrame } from "../../src/protocol/messages/relay.ts";
import { connect } from "../support/mcp.ts";
import { withEverything } from "../support/node-with-everything.ts";
import { eventually, json, loopbackNode, type NodeOptions, type NodeProc, type Upstream } from "../support/processes.ts";
import { tick } from "../support/tick.ts";
import { sealAs } from "../support/seal-as.ts";

interface RecordView {
  id: string;
  status: string;
  reason: string | null;
}

const seedA = newSeed();
const providerEnv = { PEER_POLICY: "open", COUNTERSIGN_ASK_AFTER_SECONDS: "0", COUNTERSIGN_MAX_ASKS: "3" };
const node = (name: string, opts: NodeOptions) => loopbackNode(name, { ...opts, env: { PEER_POLICY: "open", ...opts.env } });
let up: Upstream;
let a: NodeProc;
let b: NodeProc;
let client: Client;

beforeAll(async () => {
  [a, { node: b, everything: up }] = await Promise.all([node("alpha", { env: { NODE_SEED: seedA } }), withEverything(node("bravo", { env: providerEnv }))]);
  await json(await a.admin("POST", "/peers", { url: b.url }));
  await json(await b.admin("POST", "/shares", { tool: "everything_get-sum", visibility: "peers", pricing: { model: "per_call", amount: 2, unit: "credit" } }));
  client = await connect(a.mcpUrl);
  await eventually(async () => expect((await client.listTools()).tools.map((t) => t.name)).toContain("bravo_everything_get-sum"), 15_000);
}, 90_000);

afterAll(async () => {
  await client?.close();
  await Promise.all([a, b, up].map((n) => n?.stop()));
});

/** A call to B's get-sum sealed by the test as A; B serves it and keeps its record pending. */
async function callAsA(): Promise<string> {
  const signing = await signingKeyFromSeed(await primitives(), parseSeed(seedA));
  const signer: LedgerSigner = { nodeId: a.nodeId, sign: (m, ctx) => signing.signer.sign(m, ctx) };
  const listed = (await client.listTools()).tools.find((t) => t.name === "bravo_everything_get-sum")!;
  const args = { a: 20, b: 22 };
  const intent = await signIntent(signer, {
    provider: b.nodeId,
    tool: { id: `${b.nodeId}/everything/get-sum`, fingerprint: listed._meta!["mcpfed/fingerprint"] as string },
    params: { name: "get-sum", arguments: args },
    price: listed._meta!["mcpfed/pricing"] as never,
    requestedAt: Date.now(),
  });
  const request = { type: "call", key: "everything/get-sum", arguments: args, intent, timeoutMs: 10_000, progress: false, countersigned: [] };
  const { sealed, post } = await sealAs({ seed: seedA, id: a.nodeId }, b, "call", request);
  const res = await post();
  for await (const frame of readFrames(res.body!)) {
    const f = callFrame.parse(JSON.parse(new TextDecoder().decode(await sealed.openResponse(frame))));
    if (f.type === "answer") {
      expect(answerFrame.parse(f).answer).toMatchObject({ ok: true });
      return (intent as { intent: { id: string } }).intent.id;
    }
  }
  throw new Error("no answer");
}

const recordAt = async (n: NodeProc, id: string) => (await json<{ records: RecordView[] }>(await n.admin("GET", "/ledger/records"))).records.find((r) => r.id === id);
const asked = async (n: NodeProc) => (await tick(n)).countersigns;

describe("a provider record the consumer never stored", () => {
  it("is asked about COUNTERSIGN_MAX_ASKS times, across a restart, then flagged and never asked about again", async () => {
    const id = await callAsA();
    expect(await recordAt(b, id)).toMatchObject({ status: "pending" });
    expect(await recordAt(a, id)).toBeUndefined();

    expect(await asked(b)).toMatchObject({ asked: 1, abandoned: 0 });
    expect(await recordAt(b, id)).toMatchObject({ status: "pending", reason: "consumer_lacks_record" });
    expect(await asked(b)).toMatchObject({ asked: 1, abandoned: 0 });

    // The count is kept in the store: a restart does not start it again.
    await b.stop("SIGKILL");
    b = await node("bravo", { port: b.port, dataDir: b.dataDir, env: providerEnv });
    expect(await asked(b)).toMatchObject({ asked: 1, abandoned: 1 });
    expect(await recordAt(b, id)).toMatchObject({ status: "disputed", reason: "consumer_never_countersigned" });
    const { flags } = await json<{ flags: { recordId: string; reason: string; source: string | null }[] }>(await b.admin("GET", "/ledger/flags"));
    expect(flags).toContainEqual(expect.objectContaining({ recordId: id, reason: "consumer_never_countersigned", source: null }));

    expect(await asked(b)).toMatchObject({ asked: 0, abandoned: 0 });
    // Calls made since go on as before: A countersigns B's next call, which B confirms.
    const sum = await client.callTool({ name: "bravo_everything_get-sum", arguments: { a: 1, b: 2 } });
    const next = (sum._meta as Record<string, { record: string }>)["mcpfed/relay"]!.record;
    await tick(a);
    await eventually(async () => expect(await recordAt(b, next)).toMatchObject({ status: "confirmed" }));
  });
});
