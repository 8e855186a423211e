// Agents and intents across three real nodes on three runtimes: A on Node, B on Deno, C on workerd,
// all peered. An agent registered on B is discovered by capability from A and C, and once its
// lease runs out it is gone from discovery on all three, though its entry is still held: the lease
// is checked when read. A client on A declares an intent over MCP, C offers, the client reads the
// offer as a resource and accepts it: A holds a grant from C and both ledgers hold the confirmed
// purchase; a client charged to a budget pays accepted offers from it, and one it cannot pay is
// refused before anything is bought. The blackboard (put, get, watch) replicates across all three,
// and a budget is spent on the Deno and workerd nodes. Bad input (an agent entry signed by another
// node than its origin, another node's agent key, an offer for an intent nobody declared, intents
// over the principal's limit) is refused with a typed answer and nothing is stored.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { signingBytes, type UnsignedEntry } from "../../src/protocol/registry/entry.ts";
import { encodeHlc } from "../../src/protocol/registry/hlc.ts";
import { ENTRY_CONTEXT, signEntry } from "../../src/protocol/registry/signing.ts";
import { agentId } from "../../src/protocol/registry/agent-entries.ts";
import { toBase64url } from "../../src/protocol/encoding/bytes.ts";
import { eventually, freePort, json, loopbackNode, type NodeProc } from "../support/processes.ts";
import { startDenoNode, startWorkerd } from "../support/runtimes.ts";
import { connect } from "../support/mcp.ts";
import { openedAnswer, sealAs } from "../support/seal-as.ts";
import { stranger, type Stranger } from "../support/stranger.ts";

interface RegistryView {
  entries: { id: string; origin: string; kind: string; key: string; tombstone: boolean }[];
  metrics: { rejected: Record<string, number> };
}
interface Agent {
  id: string;
  name: string;
  node: string;
  score: number;
  tags: string[];
}
interface RecordView {
  id: string;
  status: string;
  role: string;
  peer: string;
}

const INTENT_LIMIT = 2;
let a: NodeProc;
let b: NodeProc;
let c: NodeProc;
let s: Stranger;
const clients: Record<"a" | "b" | "c", Client> = {} as never;

const registryOf = async (n: NodeProc) => json<RegistryView>(await n.admin("GET", "/registry"));
async function call(client: Client, name: string, args: Record<string, unknown>): Promise<{ isError: boolean; body: Record<string, unknown> }> {
  const r = (await client.callTool({ name, arguments: args })) as { isError?: boolean; structuredContent?: Record<string, unknown> };
  return { isError: r.isError === true, body: r.structuredContent ?? {} };
}
async function ok<T>(client: Client, name: string, args: Record<string, unknown>): Promise<T> {
  const r = await call(client, name, args);
  expect(r.isError, `${name}: ${JSON.stringify(r.body)}`).toBe(false);
  return r.body as T;
}
const discover = async (client: Client, capabilities: string[]) => (await ok<{ agents: Agent[] }>(client, "agent_discover", { capabilities })).agents;

beforeAll(async () => {
  const denoPort = await freePort();
  [a, b, c] = await Promise.all([
    loopbackNode("alpha", { env: { PEER_POLICY: "open", INTENTS_PER_PRINCIPAL: String(INTENT_LIMIT) } }),
    startDenoNode({ port: denoPort, env: { NODE_NAME: "bravo", PUBLIC_URL: `http://127.0.0.1:${denoPort}`, PEER_POLICY: "open" } }),
    startWorkerd({ env: { NODE_NAME: "charlie", PEER_POLICY: "open" } }),
  ]);
  for (const [from, to] of [[a, b], [a, c], [b, c]] as const) await json(await from.admin("POST", "/peers", { url: to.url }));
  clients.a = await connect(a.mcpUrl);
  clients.b = await connect(b.mcpUrl);
  clients.c = await connect(c.mcpUrl);
  s = await stranger({ name: "forger", serve: true });
  const hello = await s.hello(a);
  expect(await hello.answer(await hello.post())).toMatchObject({ ok: true, result: { state: "active" } });
}, 180_000);

afterAll(async () => {
  await Promise.all(Object.values(clients).map((cl) => cl?.close()));
  await Promise.all([a, b, c].map((n) => n?.stop()));
  await s?.close();
});

describe("agents across runtimes", () => {
  it("an agent registered on B is found by capability on A and C, and drops out everywhere when its lease ends", async () => {
    const ttl = 6;
    const reg = await ok<{ id: string; leaseUntil: number }>(clients.b, "agent_register", { name: "translator", tags: ["translate", "lang:de"], descriptors: [{ name: "translate", version: "1" }], ttl_seconds: ttl });
    expect(reg.id).toBe(agentId(b.nodeId, "translator"));
    // The lease was renewed once, so expiry below is the heartbeat's, not the registration's.
    const beat = await ok<{ leaseUntil: number }>(clients.b, "agent_heartbeat", { name: "translator", ttl_seconds: ttl });
    expect(beat.leaseUntil).toBeGreaterThanOrEqual(reg.leaseUntil);
    for (const client of [clients.a, clients.c]) {
      const found = await eventually(async () => {
        const agents = await discover(client, ["translate", "summarize"]);
        expect(agents.map((x) => x.id)).toEqual([reg.id]);
        return agents[0]!;
      }, 20_000);
      expect(found).toMatchObject({ name: "translator", node: b.nodeId, tags: ["translate", "lang:de"] });
      // One of two wanted tags, trust 50%, part of the lease left.
      expect(found.score).toBeGreaterThan(0);
      expect(found.score).toBeLessThanOrEqual(0.25);
      expect(await discover(client, ["paint"])).toEqual([]);
    }
    // No heartbeat: within the lease it is gone from discovery on every node.
    await eventually(async () => {
      for (const client of [clients.a, clients.b, clients.c]) expect(await discover(client, ["translate"])).toEqual([]);
    }, (ttl + 15) * 1000);
    expect(Date.now()).toBeGreaterThanOrEqual(beat.leaseUntil);
    // Nothing removed it: the live entry is still held; the read filtered it out.
    for (const n of [a, b, c]) expect((await registryOf(n)).entries.filter((e) => e.key === `agent/${reg.id}`).map((e) => e.tombstone)).toEqual([false]);
  }, 60_000);

  it("a deregistered agent disappears everywhere; only its registrant may beat it", async () => {
    const reg = await ok<{ id: string }>(clients.a, "agent_register", { name: "summarizer", tags: ["summarize"], ttl_seconds: 600 });
    await eventually(async () => {
      for (const client of [clients.b, clients.c]) expect((await discover(client, ["summarize"])).map((x) => x.id)).toEqual([reg.id]);
    }, 20_000);
    await ok(clients.a, "agent_deregister", { name: "summarizer" });
    await eventually(async () => {
      for (const client of [clients.a, clients.b, clients.c]) expect(await discover(client, ["summarize"])).toEqual([]);
    }, 20_000);
    const unknown = await call(clients.b, "agent_heartbeat", { name: "summarizer", ttl_seconds: 60 });
    expect(unknown).toMatchObject({ isError: true, body: { error: { code: "not_found" } } });
  }, 60_000);
});

describe("intents", () => {
  it("a client on A declares, C offers, the client accepts: a grant and a confirmed ledger record on both sides", async () => {
    const intent = await ok<{ id: string; key: string }>(clients.a, "intent_declare", { need: "translate 40 pages EN→DE by Friday", capabilities: ["translate"], budget: { amount: 200, unit: "credit" }, expires_in_seconds: 600 });
    // C offers once the intent has reached it.
    const offer = await eventually(() => ok<{ id: string }>(clients.c, "intent_offer", { intent: intent.id, amount: 150, unit: "credit", period_seconds: 3600 }), 20_000);
    const offers = await eventually(async () => {
      const read = await clients.a.readResource({ uri: `mcpfed://intents/${intent.id}/offers` });
      const body = JSON.parse((read.contents[0] as { text: string }).text) as { offers: { id: string; node: string; terms: unknown }[] };
      expect(body.offers.map((o) => o.id)).toEqual([offer.id]);
      return body.offers;
    }, 20_000);
    expect(offers[0]).toMatchObject({ node: c.nodeId, terms: { model: "subscription", amount: 150, unit: "credit", periodSeconds: 3600 } });

    const { subscription } = await ok<{ subscription: { grantId: string; provider: string; tool: string; recordId: string; until: number } }>(clients.a, "intent_accept", { intent: intent.id, offer: offer.id });
    expect(subscription).toMatchObject({ provider: c.nodeId, tool: `${c.nodeId}/offer/${intent.id}` });
    const subs = await json<{ subscriptions: { grantId: string }[] }>(await a.admin("GET", "/subscriptions"));
    expect(subs.subscriptions.map((x) => x.grantId)).toContain(subscription.grantId);
    await eventually(async () => {
      for (const [n, role, peer] of [[a, "consumer", c.nodeId], [c, "provider", a.nodeId]] as const) {
        const records = (await json<{ records: RecordView[] }>(await n.admin("GET", "/ledger/records?limit=1000"))).records;
        expect(records.filter((r) => r.id === subscription.recordId)).toEqual([expect.objectContaining({ status: "confirmed", role, peer })]);
      }
    }, 20_000);
    await ok(clients.a, "intent_withdraw", { intent: intent.id });
  }, 90_000);
});

describe("offers paid from a budget", () => {
  it("an offer accepted by a client charged to a budget is debited by its record; one the budget cannot pay is refused −32014 and nothing is bought", async () => {
    const task = "offer-charges";
    const budget = { owner: a.nodeId, task, unit: "credit" };
    await json(await a.admin("POST", "/budgets", { task, unit: "credit", amount: 200 }));
    // The test's client has no token: A serves it as the principal "anonymous".
    await json(await a.admin("PUT", "/budgets/charges/anonymous", { budget }));
    const declared: string[] = [];
    const offered = async (need: string, amount: number) => {
      const intent = await ok<{ id: string }>(clients.a, "intent_declare", { need, capabilities: ["translate"], expires_in_seconds: 600 });
      declared.push(intent.id);
      const offer = await eventually(() => ok<{ id: string }>(clients.c, "intent_offer", { intent: intent.id, amount, unit: "credit", period_seconds: 3600 }), 20_000);
      await eventually(async () => {
        const read = await clients.a.readResource({ uri: `mcpfed://intents/${intent.id}/offers` });
        expect((JSON.parse((read.contents[0] as { text: string }).text) as { offers: { id: string }[] }).offers.map((o) => o.id)).toEqual([offer.id]);
      }, 20_000);
      return { intent: intent.id, offer: offer.id };
    };
    const subscriptionsOf = async () => (await json<{ subscriptions: { grantId: string }[] }>(await a.admin("GET", "/subscriptions"))).subscriptions.map((x) => x.grantId).sort();
    const ledgerOf = async (n: NodeProc) => (await json<{ records: RecordView[] }>(await n.admin("GET", "/ledger/records?limit=1000"))).records.map((r) => r.id).sort();
    try {
      const first = await offered("proofread 10 pages", 150);
      const paid = await ok<{ subscription: { recordId: string }; charged: unknown }>(clients.a, "intent_accept", first);
      expect(paid.charged).toEqual({ budget, amount: 150, remaining: 50 });

      const second = await offered("proofread 8 more pages", 100);
      const before = { subscriptions: await subscriptionsOf(), a: await ledgerOf(a), c: await ledgerOf(c) };
      const refused = await clients.a.callTool({ name: "intent_accept", arguments: second }).catch((err: unknown) => err);
      expect(refused).toMatchObject({ code: -32014, data: { type: "budget_exhausted", budget } });
      // Refused before the intent was signed: no grant, no record on either side.
      expect({ subscriptions: await subscriptionsOf(), a: await ledgerOf(a), c: await ledgerOf(c) }).toEqual(before);
      const view = await json(await a.admin("GET", `/budgets/${a.nodeId}/credit/${task}`));
      expect(view).toMatchObject({ spent: 150, remaining: 50, debits: [{ kind: "spend", amount: 150, principal: "anonymous", record: paid.subscription.recordId }] });
    } finally {
      expect((await a.admin("DELETE", "/budgets/charges/anonymous")).status).toBe(204);
      for (const intent of declared) await ok(clients.a, "intent_withdraw", { intent });
    }
  }, 90_000);
});

describe("blackboard and budgets on Deno and workerd", () => {
  it("B (Deno), A (Node) and C (workerd) share a namespace: puts on each are read on the others and watched on B and C", async () => {
    const { descriptor } = await json<{ descriptor: { namespace: string } }>(await b.admin("POST", "/blackboard/namespaces", { name: "runtimes", replicas: [a.nodeId, c.nodeId], consistency: "eventual" }));
    const ns = descriptor.namespace;
    const tool = async (client: Client, name: string, args: Record<string, unknown>) => {
      const r = await client.callTool({ name, arguments: { namespace: ns, ...args } });
      expect(r.isError ?? false, `${name}: ${JSON.stringify(r.structuredContent)}`).toBe(false);
      return r.structuredContent as Record<string, unknown>;
    };
    const tick = async () => Promise.all([a, b, c].map(async (n) => json(await n.admin("POST", "/tick"))));
    await eventually(async () => {
      await tick();
      for (const n of [a, c]) expect((await n.admin("GET", `/blackboard/namespaces/${ns}`)).status).toBe(200);
    }, 30_000);
    const cursors = { b: ((await tool(clients.b, "blackboard_watch", {})) as { cursor: string }).cursor, c: ((await tool(clients.c, "blackboard_watch", {})) as { cursor: string }).cursor };
    await tool(clients.b, "blackboard_put", { key: "from-deno", op: { type: "register", op: "set", value: "hello" } });
    await tool(clients.a, "blackboard_put", { key: "from-node", op: { type: "counter", op: "add", amount: 3 } });
    await tool(clients.c, "blackboard_put", { key: "from-workerd", op: { type: "register", op: "set", value: { from: "workerd" } } });
    expect(await tool(clients.b, "blackboard_get", { key: "from-deno" })).toMatchObject({ value: { type: "register", value: "hello" } });
    expect(await tool(clients.c, "blackboard_get", { key: "from-workerd" })).toMatchObject({ value: { type: "register", value: { from: "workerd" } } });
    const expected: Record<string, unknown> = { "from-deno": { type: "register", value: "hello" }, "from-node": { type: "counter", value: 3 }, "from-workerd": { type: "register", value: { from: "workerd" } } };
    await eventually(async () => {
      await tick();
      for (const client of [clients.a, clients.b, clients.c]) for (const [key, value] of Object.entries(expected)) expect(await tool(client, "blackboard_get", { key })).toMatchObject({ value });
    }, 30_000);
    // Each watch from before the writes names all three keys, each once: the node's own and those it received.
    for (const [client, cursor] of [[clients.b, cursors.b], [clients.c, cursors.c]] as const) {
      const watched = (await tool(client, "blackboard_watch", { cursor })) as { changes: { key: string }[] };
      expect(watched.changes.map((x) => x.key).sort()).toEqual(Object.keys(expected));
    }
  }, 90_000);

  it("a budget allocated on B (Deno) and on C (workerd) is spent there, and a spend past it is refused", async () => {
    for (const [n, client] of [[b, clients.b], [c, clients.c]] as const) {
      const task = "runtime-spend";
      await json(await n.admin("POST", "/budgets", { task, unit: "credit", amount: 10 }));
      const budget = { owner: n.nodeId, task, unit: "credit" };
      const spent = await client.callTool({ name: "budget_spend", arguments: { budget, amount: 7 } });
      expect(spent.isError ?? false).toBe(false);
      expect(spent.structuredContent).toMatchObject({ spent: 7, remaining: 3 });
      const over = await client.callTool({ name: "budget_spend", arguments: { budget, amount: 5 } });
      expect(over).toMatchObject({ isError: true, structuredContent: { error: { code: "budget_exhausted" } } });
      expect(await json(await n.admin("GET", `/budgets/${n.nodeId}/credit/${task}`))).toMatchObject({ spent: 7, remaining: 3 });
    }
  }, 60_000);
});

describe("bad input", () => {
  let counter = 0;
  const hlc = () => encodeHlc({ wall: Date.now(), counter: counter++ });
  const agentBody = (name: string) => ({ name, capabilities: { tags: ["forged"], descriptors: [] }, endpoint: null, trust: 100, leaseUntil: Date.now() + 600_000 });
  async function push(entries: unknown[]): Promise<number> {
    const request = await sealAs({ seed: s.seed, id: s.id }, a, "exchange", { entries });
    const answer = await openedAnswer(request, await request.post());
    expect(answer.ok, JSON.stringify(answer)).toBe(true);
    return (answer.result as { refused: number }).refused;
  }

  it("an agent entry signed by another node than its origin, or under another node's agent id, is refused and stored nowhere", async () => {
    const before = (await registryOf(a)).metrics.rejected;
    // Claims to be B's, signed by S.
    const asB = { origin: b.nodeId, kind: "agent", key: `agent/${agentId(b.nodeId, "mimic")}`, visibility: "peers", hlc: hlc(), tombstone: false, body: agentBody("mimic") } as UnsignedEntry;
    const forged = { ...asB, sig: toBase64url(await s.entrySigner.sign(signingBytes(asB), ENTRY_CONTEXT)) };
    // S's own entry, but keyed as B's agent of that name.
    const squatted = { origin: s.id, kind: "agent", key: `agent/${agentId(b.nodeId, "squat")}`, visibility: "peers", hlc: hlc(), tombstone: false, body: agentBody("squat") } as UnsignedEntry;
    const squat = { ...squatted, sig: toBase64url(await s.entrySigner.sign(signingBytes(squatted), ENTRY_CONTEXT)) };
    // S's honest agent goes in, so the refusals above are about the entries, not about S.
    const honest = (await signEntry({ origin: s.id, kind: "agent", key: `agent/${agentId(s.id, "honest")}`, visibility: "peers", hlc: hlc(), tombstone: false, body: agentBody("honest") } as UnsignedEntry, s.entrySigner)).signed;
    expect(await push([forged, squat, honest])).toBe(2);
    const after = (await registryOf(a)).metrics.rejected;
    expect((after.bad_signature ?? 0) - (before.bad_signature ?? 0)).toBe(1);
    expect((after.malformed ?? 0) - (before.malformed ?? 0)).toBe(1);
    const agents = (await registryOf(a)).entries.filter((e) => e.kind === "agent" && (e.key.endsWith(agentId(b.nodeId, "mimic")) || e.key.endsWith(agentId(b.nodeId, "squat"))));
    expect(agents).toEqual([]);
    expect((await discover(clients.a, ["forged"])).map((x) => x.name)).toEqual(["honest"]);
  });

  it("an offer for an intent nobody declared is refused, and no offer is stored", async () => {
    const offersBefore = (await registryOf(c)).entries.filter((e) => e.kind === "offer").length;
    const r = await call(clients.c, "intent_offer", { intent: "ab".repeat(32), amount: 1, unit: "credit", period_seconds: 60 });
    expect(r).toMatchObject({ isError: true, body: { error: { code: "unknown_intent" } } });
    expect((await registryOf(c)).entries.filter((e) => e.kind === "offer").length).toBe(offersBefore);
  });

  it("intents over the principal's limit are refused, and not published", async () => {
    const open = async () => (await registryOf(a)).entries.filter((e) => e.kind === "intent" && e.origin === a.nodeId && !e.tombstone).length;
    // The first test withdrew its intent: none is open now.
    expect(await open()).toBe(0);
    for (let i = 0; i < INTENT_LIMIT; i++) await ok(clients.a, "intent_declare", { need: `job ${i}`, capabilities: ["translate"], expires_in_seconds: 600 });
    const over = await call(clients.a, "intent_declare", { need: "one too many", capabilities: ["translate"], expires_in_seconds: 600 });
    expect(over).toMatchObject({ isError: true, body: { error: { code: "intent_limit" } } });
    expect(await open()).toBe(INTENT_LIMIT);
  });
});
