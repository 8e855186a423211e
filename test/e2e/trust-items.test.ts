// A peer's trust privileges hold for every kind of relayed request, not calls alone, across real
// node processes on loopback: A's SDK client reads, gets prompts, completes and subscribes through
// A to items B and C share, and A's operator buys a subscription to a tool B sells by the hour. B holds A in quarantine, then lets it out under a per-tier rate of 0
// for newcomers; C gives newcomers a daily quota, which A's requests of every kind spend together
// (A has earned nothing at B or C: no tick there has scored it). Counts are read from C's libSQL file.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { ResourceUpdatedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { sql } from "drizzle-orm";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabaseFile } from "../support/libsql.ts";
import { connect } from "../support/mcp.ts";
import { eventually, json, loopbackNode, startEverything, type NodeOptions, type NodeProc, type Upstream } from "../support/processes.ts";

const openNode = (name: string, opts: NodeOptions = {}) => loopbackNode(name, { ...opts, env: { PEER_POLICY: "open", ...opts.env } });

interface Refusal {
  code?: number;
  data?: { type?: string; code?: string; peer?: string };
}

/** What an SDK request was refused with; undefined when it succeeded. */
async function refusalOf(p: Promise<unknown>): Promise<Refusal | undefined> {
  return p.then(
    () => undefined,
    (err: unknown) => err as Refusal,
  );
}

async function rowsAt(n: NodeProc, table: "ledger_records" | "resource_leases"): Promise<number> {
  const store = await openDatabaseFile(join(n.dataDir, "node.db"));
  try {
    return (await store.db.all<{ n: number }>(sql.raw(`SELECT count(*) AS n FROM ${table}`)))[0]!.n;
  } finally {
    store.close();
  }
}

/** The node's daily count of `peer`'s requests: its rows in the store (one per day). */
/** What the peer's quota window holds at `n`: its slots' counts added up, and how many slots. */
async function quotaAt(n: NodeProc, peer: string): Promise<{ count: number; slots: number }> {
  const store = await openDatabaseFile(join(n.dataDir, "node.db"));
  try {
    const [row] = await store.db.all<{ count: number; slots: number }>(sql`SELECT coalesce(sum(count), 0) AS count, count(*) AS slots FROM rate_counters WHERE key = ${`trust-quota|${peer}`}`);
    return row!;
  } finally {
    store.close();
  }
}

async function leaseEndsAt(n: NodeProc): Promise<number[]> {
  const store = await openDatabaseFile(join(n.dataDir, "node.db"));
  try {
    return (await store.db.all<{ until: number }>(sql`SELECT until FROM resource_leases`)).map((r) => r.until);
  } finally {
    store.close();
  }
}

let everything: Upstream;
let a: NodeProc;
let b: NodeProc;
let c: NodeProc;
let atA: Client;
let atC: Client;
/** The URIs whose updates A's client, and C's own, heard, in order. */
const heardAtA: string[] = [];
const heardAtC: string[] = [];
let bUri: string;
let cUri: string;
const QUOTA = 5;

/** Each kind of relayed request A's client can make of B's items but a tool call. */
function requestsToB(): Record<string, () => Promise<unknown>> {
  return {
    read: () => atA.readResource({ uri: bUri }),
    prompt: () => atA.getPrompt({ name: "bravo_everything_args-prompt", arguments: { city: "Lyon" } }),
    complete: () => atA.complete({ ref: { type: "ref/prompt", name: "bravo_everything_completable-prompt" }, argument: { name: "department", value: "Eng" } }),
    subscribe: () => atA.subscribeResource({ uri: bUri }),
  };
}

/** Each kind of relayed request A's client can make of C: a call, and the four above. */
function requestsToC(): Record<string, () => Promise<unknown>> {
  return {
    call: () => atA.callTool({ name: "charlie_everything_echo", arguments: { message: "hi" } }),
    read: () => atA.readResource({ uri: cUri }),
    prompt: () => atA.getPrompt({ name: "charlie_everything_args-prompt", arguments: { city: "Lyon" } }),
    complete: () => atA.complete({ ref: { type: "ref/prompt", name: "charlie_everything_completable-prompt" }, argument: { name: "department", value: "Eng" } }),
    subscribe: () => atA.subscribeResource({ uri: cUri }),
  };
}

/** Shares a static resource, and the two prompts, of `at`'s server-everything with its peers. */
async function shareItems(at: NodeProc, index: number): Promise<string> {
  expect((await at.admin("POST", "/upstreams", { name: "everything", kind: "http", url: everything.url })).status).toBe(201);
  const own = await connect(at.mcpUrl);
  try {
    const uri = (await own.listResources()).resources.filter((r) => r.uri.startsWith("demo://resource/static/document/"))[index]!.uri;
    await json(await at.admin("POST", "/shares", { visibility: "peers", resource: uri }));
    for (const prompt of ["everything_args-prompt", "everything_completable-prompt"]) await json(await at.admin("POST", "/shares", { visibility: "peers", prompt }));
    return uri;
  } finally {
    await own.close();
  }
}

beforeAll(async () => {
  everything = await startEverything();
  [a, b, c] = await Promise.all([
    openNode("alpha"),
    openNode("bravo", { env: { TRUST_RATE_LIMITS: "newcomer:0" } }),
    openNode("charlie", { env: { TRUST_DAILY_QUOTAS: `newcomer:${QUOTA}` } }),
  ]);
  [bUri, cUri] = await Promise.all([shareItems(b, 0), shareItems(c, 1)]);
  await json(await c.admin("POST", "/shares", { tool: "everything_echo", visibility: "peers" }));
  await json(await b.admin("POST", "/shares", { tool: "everything_get-env", visibility: "peers", pricing: { model: "subscription", amount: 100, periodSeconds: 3600, unit: "credit" } }));
  for (const provider of [b, c]) await json(await a.admin("POST", "/peers", { url: provider.url }));
  atA = await connect(a.mcpUrl);
  atA.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void heardAtA.push(n.params.uri));
  // B and C shared before A peered with them: A's tick pulls the entries.
  await eventually(async () => {
    await a.admin("POST", "/tick");
    expect((await atA.listResources()).resources.map((r) => r.uri)).toEqual(expect.arrayContaining([bUri, cUri]));
    expect((await atA.listPrompts()).prompts.map((p) => p.name)).toEqual(expect.arrayContaining(["bravo_everything_completable-prompt", "charlie_everything_completable-prompt"]));
    expect((await atA.listTools()).tools.map((t) => t.name)).toEqual(expect.arrayContaining(["charlie_everything_echo", "bravo_everything_get-env"]));
  }, 15_000);
}, 90_000);

afterAll(async () => {
  await Promise.all([atA?.close(), atC?.close()]);
  await Promise.all([a, b, c, everything].map((n) => n?.stop()));
});

describe("relayed reads, prompts, completions, subscriptions and a grant's sale at a provider that", () => {
  it("holds the caller in quarantine: each is refused as quarantined, and nothing is recorded or leased", async () => {
    await json(await b.admin("POST", `/peers/${a.nodeId}/quarantine`, { reason: "test" }));
    for (const [kind, request] of Object.entries(requestsToB())) {
      const refused = await refusalOf(request());
      expect(refused?.data, kind).toMatchObject({ type: "peer_quarantined", code: "quarantined", peer: b.nodeId });
    }
    const sale = await a.admin("POST", "/subscriptions", { tool: "bravo_everything_get-env" });
    expect(sale.status).toBe(409);
    expect(await sale.text()).toContain("holds the buyer in quarantine");
    expect([await rowsAt(b, "ledger_records"), await rowsAt(b, "resource_leases")]).toEqual([0, 0]);
  }, 60_000);

  it("gives the caller's tier no requests per minute: each is refused as rate limited, with the MCP code of a rate limit", async () => {
    await json(await b.admin("DELETE", `/peers/${a.nodeId}/quarantine`));
    for (const [kind, request] of Object.entries(requestsToB())) {
      const refused = await refusalOf(request());
      expect(refused, kind).toMatchObject({ code: -32032, data: { type: "peer_rate_limited", code: "rate_limited", peer: b.nodeId } });
    }
    const sale = await a.admin("POST", "/subscriptions", { tool: "bravo_everything_get-env" });
    expect(sale.status).toBe(409);
    expect(await sale.text()).toContain("rate limited");
    expect([await rowsAt(b, "ledger_records"), await rowsAt(b, "resource_leases")]).toEqual([0, 0]);
  }, 60_000);
});

describe("a per-tier daily quota at the provider", () => {
  it("counts a call, a read, a prompt, a completion and a new lease together, in the peer's 24-hour window", async () => {
    for (const [kind, request] of Object.entries(requestsToC())) expect(await refusalOf(request()), kind).toBeUndefined();
    const held = await quotaAt(c, a.nodeId);
    expect(held.count).toBe(QUOTA);
    // A slot is a fiftieth of the day (28.8 min): these requests fill one, or two across its end.
    expect(held.slots).toBeLessThanOrEqual(2);
  }, 60_000);

  it("does not count a lease's renewal", async () => {
    const [before] = await leaseEndsAt(c);
    // A's tick renews every lease it holds.
    await a.admin("POST", "/tick");
    await eventually(async () => expect((await leaseEndsAt(c))[0]).toBeGreaterThan(before!), 10_000);
    expect((await quotaAt(c, a.nodeId)).count).toBe(QUOTA);
  }, 30_000);

  it("sends no resource update to a peer it holds in quarantine, while its own client hears them", async () => {
    atC = await connect(c.mcpUrl);
    atC.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void heardAtC.push(n.params.uri));
    await atC.subscribeResource({ uri: cUri });
    // server-everything sends updates every 5 s for C's shared session once this is called on it.
    await atC.callTool({ name: "everything_toggle-subscriber-updates", arguments: {} });
    await eventually(async () => expect(heardAtA).toContain(cUri), 20_000);

    await json(await c.admin("POST", `/peers/${a.nodeId}/quarantine`, { reason: "test" }));
    // One update after the quarantine, so that none sent before it is still on its way.
    const after = heardAtC.length;
    await eventually(async () => expect(heardAtC.length).toBeGreaterThan(after), 20_000);
    const heard = heardAtA.length;
    await eventually(async () => expect(heardAtC.length).toBeGreaterThan(after + 2), 30_000);
    expect(heardAtA.length).toBe(heard);
    // The lease stands (it runs out unless renewed); the refusals that follow are the quota's.
    expect(await rowsAt(c, "resource_leases")).toBe(1);
    await json(await c.admin("DELETE", `/peers/${a.nodeId}/quarantine`));
  }, 90_000);

  it("then refuses every kind as quota_exceeded, with the MCP code of a rate limit, counting and recording nothing more", async () => {
    await atA.unsubscribeResource({ uri: cUri });
    await eventually(async () => expect(await rowsAt(c, "resource_leases")).toBe(0), 10_000);
    const records = await rowsAt(c, "ledger_records");
    for (const [kind, request] of Object.entries(requestsToC())) {
      const refused = await refusalOf(request());
      expect(refused, kind).toMatchObject({ code: -32032, data: { type: "peer_quota_exceeded", code: "quota_exceeded", peer: c.nodeId } });
    }
    expect((await quotaAt(c, a.nodeId)).count).toBe(QUOTA);
    expect([await rowsAt(c, "ledger_records"), await rowsAt(c, "resource_leases")]).toEqual([records, 0]);
    // Another provider counts its own: B still refuses by its own rate, not by C's quota.
    expect(await refusalOf(requestsToB().read!())).toMatchObject({ data: { code: "rate_limited" } });
  }, 60_000);
});
