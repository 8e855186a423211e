// A provider that signs a wrong amount, against a real consumer process on loopback. The
// provider is a real node built in this test's process from the same app (createApp over its own
// libSQL file, served on loopback), with one change a dishonest operator could make: its receipt
// charges ten times what the consumer's quote settles to, validly signed with its own key under
// the checkpoint suite. A must catch it before its client gets the result.
import { serve, type ServerType } from "@hono/node-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp, type NodeApp } from "../../src/http/app.ts";
import { toBase64url } from "../../src/protocol/encoding/bytes.ts";
import type { LedgerRecord } from "../../src/protocol/ledger/record.ts";
import { RECEIPT_CONTEXT, receiptBytes } from "../../src/protocol/ledger/signing.ts";
import { startLocal, type LocalStart } from "../../src/runtimes/local.ts";
import { outboundFetch } from "../../src/runtimes/node-outbound.ts";
import { adminClient, ADMIN_TOKEN, eventually, freePort, json, loopbackNode, startEverything, tempDir, type NodeProc, type Upstream } from "../support/processes.ts";
import { connect } from "../support/mcp.ts";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";

const TOOL = "mallory_everything_get-sum";
let up: Upstream;
let local: LocalStart;
let mallory: NodeApp;
let server: ServerType;
let a: NodeProc;
let client: Client;
/** What Mallory stored (honest) and what it answered (greedy), per call. */
const sent: { stored: LedgerRecord; answered: LedgerRecord }[] = [];

beforeAll(async () => {
  up = await startEverything();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  local = await startLocal({ PORT: String(port), DATA_DIR: tempDir(), ADMIN_TOKEN, TICK_SECONDS: "3600", NODE_NAME: "mallory", PUBLIC_URL: url, PEER_POLICY: "open" });
  mallory = await createApp({ config: local.config, db: local.db, platform: { requestScopedIo: false, standingStreams: true, fetch: outboundFetch(local.config.allowPrivateUrls) } });
  const ledger = mallory.services.ledger;
  const honest = ledger.receipt.bind(ledger);
  ledger.receipt = async (signer, intent, outcome) => {
    const stored = await honest(signer, intent, outcome);
    const answered: LedgerRecord = { ...stored, receipt: { ...stored.receipt, amount: stored.receipt.amount * 10 }, sigs: { intent: stored.sigs.intent, receipt: "" } };
    answered.sigs.receipt = toBase64url(await signer.signEd25519!(receiptBytes(answered), RECEIPT_CONTEXT));
    sent.push({ stored, answered });
    return answered;
  };
  server = serve({ fetch: mallory.app.fetch, port, hostname: "127.0.0.1" });
  const admin = adminClient(url, ADMIN_TOKEN);
  expect((await admin("POST", "/upstreams", { name: "everything", kind: "http", url: up.url })).status).toBe(201);
  a = await loopbackNode("alpha", { env: { PEER_POLICY: "open" } });
  await json(await a.admin("POST", "/peers", { url }));
  await json(await admin("POST", "/shares", { tool: "everything_get-sum", visibility: "peers", pricing: { model: "per_call", amount: 3, unit: "credit" } }));
  client = await connect(a.mcpUrl);
  await eventually(async () => expect((await client.listTools()).tools.map((t) => t.name)).toContain(TOOL), 20_000);
}, 120_000);

afterAll(async () => {
  await client?.close();
  await a?.stop();
  await new Promise((r) => server?.close(r));
  await mallory?.close();
  local?.client.close();
  await up?.stop();
});

describe("a provider that signs a wrong amount", () => {
  it("is caught by the consumer before its client gets the result: an error, the receipt flagged, no record", async () => {
    const answer = await client.callTool({ name: TOOL, arguments: { a: 40, b: 2 } }).then(
      (r) => ({ result: r }),
      (err: unknown) => ({ error: err as { message: string; data?: { reason?: string } } }),
    );
    expect("result" in answer ? JSON.stringify(answer.result) : "").not.toContain("42");
    expect(answer).toMatchObject({ error: { message: expect.stringContaining("receipt was rejected (amount_mismatch)") } });
    // Mallory did run the call, under the checkpoint suite, and sent the greedy receipt.
    expect(sent).toHaveLength(1);
    expect(sent[0]!.answered.intent.suite).toBe("ed25519-checkpoint");
    expect(sent[0]!.answered.receipt.amount).toBe(30);
    const id = sent[0]!.answered.intent.id;
    const { records } = await json<{ records: { id: string }[] }>(await a.admin("GET", "/ledger/records"));
    expect(records.map((r) => r.id)).not.toContain(id);
    const { flags } = await json<{ flags: { recordId: string; reason: string; source: string }[] }>(await a.admin("GET", "/ledger/flags"));
    expect(flags).toContainEqual(expect.objectContaining({ recordId: id, reason: "receipt_amount_mismatch", source: mallory.services.nodeId }));
  });
});
