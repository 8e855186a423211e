// The provider's checks before it runs a relayed call (src/node/relay/provider.ts), in process: a real
// node app on an in-memory libSQL store, its upstream a real SDK MCP server on loopback, and a
// second real node as the consumer that signs the intents. Each refusal names its reason, and a
// refused call runs nothing and stores nothing.
import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { CallToolRequestSchema, ListToolsRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assembleNode, type AssembledNode } from "../../src/node/assemble.ts";
import { loadConfig } from "../../src/node/settings/config.ts";
import { newSeed } from "../../src/protocol/identity/seed.ts";
import { quoteOf, readPricing } from "../../src/protocol/ledger/pricing.ts";
import type { SignedIntent } from "../../src/protocol/ledger/record.ts";
import { signIntent } from "../../src/protocol/ledger/signing.ts";
import { identitySigner } from "../../src/node/registry/node-keys.ts";
import type { CallRequest } from "../../src/protocol/messages/relay.ts";
import { serveCall } from "../../src/node/relay/provider.ts";
import { originCards } from "../../src/store/schema/peers.ts";
import { upstreams } from "../../src/store/schema/upstreams.ts";
import { refreshUpstream } from "../../src/node/upstreams/refresh.ts";
import { approveDefinition, definitionChanges } from "../../src/node/upstreams/definition-decisions.ts";
import { memoryDb } from "../support/libsql.ts";
import { countedMemoryDb, type CountedDatabase } from "../support/counted-statements.ts";

const TOOL = { name: "echo", description: "Echoes its text.", inputSchema: { type: "object" as const, properties: { text: { type: "string" } } } };
const KEY = "demo/echo";

let upstream: HttpServer;
let calls = 0;
let description = TOOL.description;
let offered = true;
let provider: AssembledNode;
let consumer: AssembledNode;
let consumerId: string;
let globalId: string;
let fingerprint: string;
let counted: CountedDatabase;

/** The provider's operator accepts the tool's new definition (definition pins), which lists it again. */
async function approvePending(): Promise<void> {
  const [change] = await definitionChanges(provider.services, { status: "pending" });
  expect(await approveDefinition(provider.services, change!.id)).toMatchObject({ ok: true, refresh: { ok: true, changed: true } });
}

/** The upstream lists one tool, which the last tests change or drop behind the share's back. */
function mcpServer(): Server {
  const server = new Server({ name: "demo", version: "0.0.0" }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: offered ? [{ ...TOOL, description }] : [] }));
  server.setRequestHandler(CallToolRequestSchema, async (req) => {
    calls++;
    return { content: [{ type: "text", text: String(req.params.arguments?.text) }] };
  });
  return server;
}

async function node(db?: CountedDatabase["db"]): Promise<AssembledNode> {
  return assembleNode({ config: loadConfig({ NODE_SEED: newSeed(), ADMIN_TOKEN: "admin-token-for-tests" }), db: db ?? (await memoryDb()) });
}

beforeAll(async () => {
  upstream = createServer(async (req, res) => {
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    await mcpServer().connect(transport);
    await transport.handleRequest(req, res);
  });
  await new Promise<void>((ok) => upstream.listen(0, "127.0.0.1", ok));
  const port = (upstream.address() as AddressInfo).port;

  counted = await countedMemoryDb();
  [provider, consumer] = await Promise.all([node(counted.db), node()]);
  const s = provider.services;
  await s.db.insert(upstreams).values({ name: "demo", kind: "http", url: `http://127.0.0.1:${port}/mcp` });
  expect(await refreshUpstream(s, "demo")).toMatchObject({ ok: true });
  const [entry] = await s.registry.share({ key: KEY, version: "1.0.0", tool: TOOL, tags: [], pricing: null, visibility: "public" });
  if (!entry || entry.signed.kind !== "tool" || entry.signed.tombstone) throw new Error("the share made no live tool entry");
  globalId = `${s.nodeId}/${KEY}`;
  fingerprint = entry.signed.body.fingerprint;

  // The provider holds the consumer's card, as it would after peering.
  consumerId = consumer.services.nodeId;
  const card = await (await consumer.services.card()).get("http://localhost:1", consumer.services.now());
  await s.db.insert(originCards).values({ nodeId: consumerId, card, learnedFrom: consumerId });
});

afterAll(async () => {
  await Promise.all([provider?.close(), consumer?.close()]);
  upstream?.close();
});

async function intent(over: { provider?: string; tool?: { id: string; fingerprint: string }; args?: Record<string, unknown>; name?: string } = {}): Promise<SignedIntent> {
  return signIntent(identitySigner(await consumer.services.identity()), {
    provider: over.provider ?? provider.services.nodeId,
    tool: over.tool ?? { id: globalId, fingerprint },
    params: { name: over.name ?? TOOL.name, arguments: over.args ?? { text: "hi" } },
    price: quoteOf(readPricing(null)),
    requestedAt: Date.now(),
  });
}

function request(signed: unknown, over: Partial<CallRequest> = {}): CallRequest {
  return { type: "call", key: KEY, arguments: { text: "hi" }, intent: signed, timeoutMs: 10_000, progress: false, countersigned: [], ...over };
}

async function serve(r: CallRequest, from = consumerId) {
  const before = calls;
  const answer = await serveCall(provider.services, from, r, { signal: new AbortController().signal, defer: () => {}, onprogress: () => {} });
  return { answer, ran: calls - before };
}

async function refusal(r: CallRequest, from = consumerId) {
  const { answer, ran } = await serve(r, from);
  expect(ran, "a refused call must not reach the upstream").toBe(0);
  if (answer.ok) throw new Error("the call was served");
  return answer.error;
}

describe("the provider's checks on a relayed call", () => {
  it("serves a call whose intent the consumer signed for this tool, these arguments and the price", async () => {
    const signed = await intent();
    const { answer, ran } = await serve(request(signed));
    expect(ran).toBe(1);
    expect(answer).toMatchObject({ ok: true, result: { content: [{ type: "text", text: "hi" }] } });
    expect(await provider.services.ledger.get(signed.intent.id)).toMatchObject({ status: "pending", peer: consumerId });
  });

  it("reads neither the share nor the tool again for the next call: both are kept a moment in the process", async () => {
    await serve(request(await intent()));
    const signed = await intent();
    const ran = await counted.during(() => serve(request(signed)));
    expect(ran.filter((q) => /from "(registry_entries|tools)"/.test(q))).toEqual([]);
    expect(await provider.services.ledger.get(signed.intent.id)).toMatchObject({ status: "pending" });
  });

  it("refuses a second call under one intent", async () => {
    const signed = await intent({ args: { text: "once" } });
    expect((await serve(request(signed, { arguments: { text: "once" } }))).ran).toBe(1);
    expect(await refusal(request(signed, { arguments: { text: "once" } }))).toEqual({ code: "intent_refused", message: "intent refused: already used" });
  });

  it("refuses a key this node does not share", async () => {
    expect(await refusal(request(await intent(), { key: "demo/other" }))).toMatchObject({ code: "not_shared", message: "demo/other is not shared by this node" });
  });

  it("refuses an intent signed by another node than the sender", async () => {
    const stranger = await node();
    try {
      expect(await refusal(request(await intent()), stranger.services.nodeId)).toEqual({ code: "intent_refused", message: "intent refused: signed by another node than the sender" });
    } finally {
      await stranger.close();
    }
  });

  it("refuses an intent signed for other arguments, or another tool name", async () => {
    expect(await refusal(request(await intent({ args: { text: "signed" } }), { arguments: { text: "sent" } }))).toEqual({
      code: "intent_refused",
      message: "intent refused: it was signed for other arguments",
    });
    expect(await refusal(request(await intent({ name: "other" })))).toMatchObject({ code: "intent_refused", message: "intent refused: it was signed for other arguments" });
  });

  it("refuses an intent for another tool or fingerprint, with the tool's current id in the message", async () => {
    for (const tool of [{ id: `${globalId}x`, fingerprint }, { id: globalId, fingerprint: `${fingerprint.slice(0, -1)}${fingerprint.endsWith("0") ? "1" : "0"}` }]) {
      expect(await refusal(request(await intent({ tool })))).toEqual({
        code: "fingerprint_changed",
        message: `the intent names another tool or fingerprint than ${globalId} as shared now`,
      });
    }
  });

  it("refuses an intent addressed to another node, or with a broken signature, naming the reason", async () => {
    expect(await refusal(request(await intent({ provider: consumerId })))).toEqual({ code: "intent_refused", message: "intent refused: not_addressed" });
    const signed = await intent();
    const forged = { ...signed, intent: { ...signed.intent, requestedAt: signed.intent.requestedAt + 1 } };
    expect(await refusal(request(forged))).toEqual({ code: "intent_refused", message: "intent refused: bad_intent_signature" });
    expect(await refusal(request({ nonsense: true }))).toEqual({ code: "intent_refused", message: "intent refused: malformed" });
  });

  it("refuses a quote other than the current price", async () => {
    const signed = await signIntent(identitySigner(await consumer.services.identity()), {
      provider: provider.services.nodeId,
      tool: { id: globalId, fingerprint },
      params: { name: TOOL.name, arguments: { text: "hi" } },
      price: { model: "per_call", amount: 5, unit: "credit" },
      requestedAt: Date.now(),
    });
    expect(await refusal(request(signed))).toMatchObject({ code: "price_changed", message: `the price of ${KEY} changed; quote it again` });
  });

  // The last two change the upstream's tool under the share.
  it("refuses a shared tool whose upstream changed it since it was shared", async () => {
    description = "Echoes its text, now differently.";
    expect(await refreshUpstream(provider.services, "demo")).toMatchObject({ ok: true, changed: true });
    await approvePending();
    expect(await refusal(request(await intent()))).toEqual({
      code: "fingerprint_changed",
      message: `${KEY} changed since it was shared; it is not served until it is shared again`,
    });
  });

  it("refuses a shared tool its upstream no longer offers", async () => {
    offered = false;
    expect(await refreshUpstream(provider.services, "demo")).toMatchObject({ ok: true, changed: true });
    expect(await refusal(request(await intent()))).toEqual({ code: "not_shared", message: `${KEY} is shared but its upstream no longer offers it` });
  });

  // After the others: the share is gone.
  it("refuses at once a tool this process withdrew, though the share was kept in memory", async () => {
    offered = true;
    description = TOOL.description;
    await refreshUpstream(provider.services, "demo");
    await approvePending();
    expect((await serve(request(await intent()))).ran).toBe(1);
    await provider.services.registry.withdraw(KEY);
    expect(await refusal(request(await intent()))).toEqual({ code: "not_shared", message: `${KEY} is not shared by this node` });
  });
});
