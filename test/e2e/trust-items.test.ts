// A peer's trust privileges hold for every kind of relayed request, not calls alone, across real
// node processes on loopback: A's SDK client reads, gets prompts, completes and subscribes through
// A to items B shares. B holds A in quarantine, then lets it out under a per-tier rate of 0 for
// newcomers (A has earned nothing at B: no tick has scored it).
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
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

let everything: Upstream;
let a: NodeProc;
let b: NodeProc;
let atA: Client;
let bUri: string;

/** Each kind of relayed request A's client can make of B's items but a tool call. */
function requestsToB(): Record<string, () => Promise<unknown>> {
  return {
    read: () => atA.readResource({ uri: bUri }),
    prompt: () => atA.getPrompt({ name: "bravo_everything_args-prompt", arguments: { city: "Lyon" } }),
    complete: () => atA.complete({ ref: { type: "ref/prompt", name: "bravo_everything_completable-prompt" }, argument: { name: "department", value: "Eng" } }),
    subscribe: () => atA.subscribeResource({ uri: bUri }),
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
  [a, b] = await Promise.all([openNode("alpha"), openNode("bravo", { env: { TRUST_RATE_LIMITS: "newcomer:0" } })]);
  bUri = await shareItems(b, 0);
  await json(await a.admin("POST", "/peers", { url: b.url }));
  atA = await connect(a.mcpUrl);
  // B shared before A peered with it: A's tick pulls the entries.
  await eventually(async () => {
    await a.admin("POST", "/tick");
    expect((await atA.listResources()).resources.map((r) => r.uri)).toContain(bUri);
    expect((await atA.listPrompts()).prompts.map((p) => p.name)).toContain("bravo_everything_completable-prompt");
  }, 15_000);
}, 90_000);

afterAll(async () => {
  await atA?.close();
  await Promise.all([a, b, everything].map((n) => n?.stop()));
});

describe("relayed reads, prompts, completions and subscriptions at a provider that", () => {
  it("holds the caller in quarantine: each is refused as quarantined, and nothing is recorded or leased", async () => {
    await json(await b.admin("POST", `/peers/${a.nodeId}/quarantine`, { reason: "test" }));
    for (const [kind, request] of Object.entries(requestsToB())) {
      const refused = await refusalOf(request());
      expect(refused?.data, kind).toMatchObject({ type: "peer_quarantined", code: "quarantined", peer: b.nodeId });
    }
    expect([await rowsAt(b, "ledger_records"), await rowsAt(b, "resource_leases")]).toEqual([0, 0]);
  }, 60_000);

  it("gives the caller's tier no requests per minute: each is refused as rate limited, with the MCP code of a rate limit", async () => {
    await json(await b.admin("DELETE", `/peers/${a.nodeId}/quarantine`));
    for (const [kind, request] of Object.entries(requestsToB())) {
      const refused = await refusalOf(request());
      expect(refused, kind).toMatchObject({ code: -32032, data: { type: "peer_rate_limited", code: "rate_limited", peer: b.nodeId } });
    }
    expect([await rowsAt(b, "ledger_records"), await rowsAt(b, "resource_leases")]).toEqual([0, 0]);
  }, 60_000);
});
