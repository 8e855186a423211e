// Resources, resource templates and prompts shared across real node processes on loopback: B
// fronts server-everything and shares some of its items; A's SDK client lists them and reads or
// gets them through A, over the sealed relay. Records are read from each node's libSQL file; the
// tampered requests are sealed by the test in A's name, from A's seed.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { McpError } from "@modelcontextprotocol/sdk/types.js";
import { sql } from "drizzle-orm";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signingKeyFromSeed } from "../../src/protocol/identity/keys.ts";
import { primitives } from "../../src/protocol/identity/primitives.ts";
import { newSeed, parseSeed } from "../../src/protocol/identity/seed.ts";
import type { LedgerRecord } from "../../src/protocol/ledger/record.ts";
import { signIntent, type LedgerSigner } from "../../src/protocol/ledger/signing.ts";
import { readFrames } from "../../src/protocol/messages/relay-frames.ts";
import { answerFrame, callFrame } from "../../src/protocol/messages/relay.ts";
import { openDatabaseFile } from "../support/libsql.ts";
import { cli } from "../support/cli.ts";
import { connect } from "../support/mcp.ts";
import { eventually, json, loopbackNode, startEverything, type NodeOptions, type NodeProc, type Upstream } from "../support/processes.ts";
import { sealAs } from "../support/seal-as.ts";
import { tick } from "../support/tick.ts";

interface Row {
  id: string;
  peer: string;
  role: string;
  status: string;
  record: string;
  amount: number;
}

const openNode = (name: string, opts: NodeOptions = {}) => loopbackNode(name, { ...opts, env: { PEER_POLICY: "open", ...opts.env } });

async function ledgerOf(n: NodeProc): Promise<Row[]> {
  const store = await openDatabaseFile(join(n.dataDir, "node.db"));
  try {
    return await store.db.all<Row>(sql`SELECT id, peer, role, status, record, amount FROM ledger_records ORDER BY completed_at, id`);
  } finally {
    store.close();
  }
}

/** The JSON-RPC code an SDK call failed with. */
async function errorCode(p: Promise<unknown>): Promise<number> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof McpError)) throw new Error(`expected an MCP error, got ${String(err)}`);
  return err.code;
}

const seedA = newSeed();
let everything: Upstream;
let a: NodeProc;
let b: NodeProc;
let atA: Client;
let atB: Client;
/** B's items as B lists them: the shared ones and one left unshared. */
let sharedUri: string;
let unsharedUri: string;
let template: string;
let promptName: string;

beforeAll(async () => {
  everything = await startEverything();
  [a, b] = await Promise.all([openNode("alpha", { env: { NODE_SEED: seedA } }), openNode("bravo")]);
  expect((await b.admin("POST", "/upstreams", { name: "everything", kind: "http", url: everything.url })).status).toBe(201);
  await json(await a.admin("POST", "/peers", { url: b.url }));
  atB = await connect(b.mcpUrl);
  const resources = (await atB.listResources()).resources.filter((r) => r.uri.startsWith("demo://resource/static/document/"));
  expect(resources.length).toBeGreaterThanOrEqual(2);
  [sharedUri, unsharedUri] = [resources[0]!.uri, resources[1]!.uri];
  template = (await atB.listResourceTemplates()).resourceTemplates.find((t) => t.uriTemplate.includes("/dynamic/text/"))!.uriTemplate;
  promptName = (await atB.listPrompts()).prompts.find((p) => p.name.endsWith("args-prompt"))!.name;

  const share = async (body: Record<string, unknown>) => json(await b.admin("POST", "/shares", { visibility: "peers", ...body }));
  await share({ resource: sharedUri, pricing: { model: "per_call", amount: 4, unit: "credit" } });
  await share({ resourceTemplate: template });
  // The prompt through the CLI, as an operator shares it.
  const shared = await cli(["share", "--prompt", promptName], { MCPFED_URL: b.url, ADMIN_TOKEN: b.adminToken });
  expect(shared.stdout).toContain("shared prompt everything/args-prompt (peers)");
  expect((await cli(["shares"], { MCPFED_URL: b.url, ADMIN_TOKEN: b.adminToken })).stdout).toMatch(/everything\/args-prompt\s+peers\s+-\s+live\s+prompt/);
  atA = await connect(a.mcpUrl);
  await eventually(async () => {
    expect((await atA.listPrompts()).prompts.map((p) => p.name)).toContain("bravo_everything_args-prompt");
    expect((await atA.listResources()).resources.map((r) => r.uri)).toContain(sharedUri);
    expect((await atA.listResourceTemplates()).resourceTemplates.map((t) => t.uriTemplate)).toContain(template);
  }, 15_000);
}, 90_000);

afterAll(async () => {
  await Promise.all([atA?.close(), atB?.close()]);
  await Promise.all([a, b, everything].map((n) => n?.stop()));
});

describe("a peer's resources, templates and prompts through A", () => {
  it("lists only what B shares, with the origin's URI and the origin in _meta", async () => {
    const listed = (await atA.listResources()).resources;
    const shared = listed.find((r) => r.uri === sharedUri)!;
    expect(shared._meta).toMatchObject({ "mcpfed/origin": b.nodeId, "mcpfed/pricing": { model: "per_call", amount: 4 } });
    expect(listed.map((r) => r.uri)).not.toContain(unsharedUri);
    const prompt = (await atA.listPrompts()).prompts.find((p) => p.name === "bravo_everything_args-prompt")!;
    expect(prompt.arguments?.map((x) => x.name)).toEqual(["city", "state"]);
    expect(prompt._meta).toMatchObject({ "mcpfed/id": `prompt:${b.nodeId}/everything/args-prompt` });
  });

  it("reads a shared resource as B's upstream serves it, and keeps one priced record on both sides", async () => {
    const direct = await atB.readResource({ uri: sharedUri });
    const relayed = await atA.readResource({ uri: sharedUri });
    expect(relayed.contents).toEqual(direct.contents);
    const id = (relayed._meta?.["mcpfed/relay"] as { record: string }).record;
    await tick(a);
    const [mine, theirs] = [(await ledgerOf(a)).find((r) => r.id === id)!, (await ledgerOf(b)).find((r) => r.id === id)!];
    expect(mine).toMatchObject({ peer: b.nodeId, role: "consumer", status: "confirmed", amount: 4 });
    expect(theirs).toMatchObject({ peer: a.nodeId, role: "provider", status: "confirmed", amount: 4 });
    expect(theirs.record).toBe(mine.record);
    const record = JSON.parse(mine.record) as LedgerRecord;
    expect(record.intent.tool.id).toBe(`${b.nodeId}/everything/${encodeURIComponent(sharedUri)}`);
  });

  it("reads a URI that a shared template matches, and gets a shared prompt with its arguments", async () => {
    const uri = template.replace(/\{[^}]+\}/, "7");
    const read = await atA.readResource({ uri });
    expect(read.contents[0]).toMatchObject({ uri, text: expect.stringContaining("7") });
    const got = await atA.getPrompt({ name: "bravo_everything_args-prompt", arguments: { city: "Lyon" } });
    expect(got.messages[0]?.content).toMatchObject({ type: "text", text: "What's weather in Lyon?" });
  });

  it("answers an unshared URI with resource-not-found and leaves no record", async () => {
    const before = (await ledgerOf(b)).length;
    // SEP-2164: resource-not-found is -32602 (with data.uri), as SDK v2 answers in both eras.
    expect(await errorCode(atA.readResource({ uri: unsharedUri }))).toBe(-32602);
    expect(await errorCode(atA.getPrompt({ name: "bravo_everything_simple-prompt" }))).toBe(-32602);
    expect((await ledgerOf(b)).length).toBe(before);
  });
});

/** A read sealed by the test as A, sent straight to B: what a tampering consumer could send. */
async function sealedReadAsA(o: { key: string; uri: string; signedUri?: string; fingerprint: string }) {
  const signing = await signingKeyFromSeed(await primitives(), parseSeed(seedA));
  const signer: LedgerSigner = { nodeId: a.nodeId, sign: (m, ctx) => signing.signer.sign(m, ctx) };
  const intent = await signIntent(signer, {
    provider: b.nodeId,
    tool: { id: `${b.nodeId}/${o.key}`, fingerprint: o.fingerprint },
    params: { name: o.signedUri ?? o.uri, arguments: {} },
    price: { model: "per_call", amount: 4, unit: "credit" } as never,
    requestedAt: Date.now(),
  });
  const request = { type: "read", kind: "resource", key: o.key, uri: o.uri, intent, timeoutMs: 10_000, countersigned: [] };
  const { sealed, post } = await sealAs({ seed: seedA, id: a.nodeId }, b, "call", request);
  const res = await post();
  for await (const frame of readFrames(res.body!)) {
    const f = callFrame.parse(JSON.parse(new TextDecoder().decode(await sealed.openResponse(frame))));
    if (f.type === "answer") return answerFrame.parse(f).answer;
  }
  throw new Error("no answer");
}

describe("B's checks on a relayed read", () => {
  const sharedKey = () => `everything/${encodeURIComponent(sharedUri)}`;
  const fingerprint = async () => (await atA.listResources()).resources.find((r) => r.uri === sharedUri)!._meta!["mcpfed/fingerprint"] as string;

  it("serves the untampered request it is checked against", async () => {
    const answer = await sealedReadAsA({ key: sharedKey(), uri: sharedUri, fingerprint: await fingerprint() });
    expect(answer).toMatchObject({ ok: true, result: { contents: [{ uri: sharedUri }] } });
  });

  it("refuses a shared key with another URI, an unshared key, and an intent signed for another URI, and records nothing", async () => {
    const before = (await ledgerOf(b)).length;
    const fp = await fingerprint();
    const swapped = await sealedReadAsA({ key: sharedKey(), uri: unsharedUri, fingerprint: fp });
    expect(swapped).toMatchObject({ ok: false, error: { code: "not_shared", mcp: -32002 } });
    const unshared = await sealedReadAsA({ key: `everything/${encodeURIComponent(unsharedUri)}`, uri: unsharedUri, fingerprint: fp });
    expect(unshared).toMatchObject({ ok: false, error: { code: "not_shared", mcp: -32002 } });
    const forged = await sealedReadAsA({ key: sharedKey(), uri: sharedUri, signedUri: unsharedUri, fingerprint: fp });
    expect(forged).toMatchObject({ ok: false, error: { code: "intent_refused" } });
    expect((await ledgerOf(b)).length).toBe(before);
  });
});

describe("policy on both sides", () => {
  it("hides a peer's prompt that A's policy denies, and B refuses a read its policy denies to A", async () => {
    const rule = await json<{ rule: { id: string } }>(await a.admin("POST", "/policy/rules", { effect: "deny", tool: "bravo_everything_args-prompt" }));
    try {
      expect((await atA.listPrompts()).prompts.map((p) => p.name)).not.toContain("bravo_everything_args-prompt");
      expect(await errorCode(atA.getPrompt({ name: "bravo_everything_args-prompt", arguments: { city: "Lyon" } }))).toBe(-32602);
    } finally {
      await a.admin("DELETE", `/policy/rules/${rule.rule.id}`);
    }
    const before = (await ledgerOf(b)).length;
    const denied = await json<{ rule: { id: string } }>(await b.admin("POST", "/policy/rules", { effect: "deny", subjectKind: "peer", subjectId: a.nodeId, tool: "*dynamic*" }));
    try {
      const err = await atA.readResource({ uri: template.replace(/\{[^}]+\}/, "8") }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(McpError);
      expect((err as McpError).data).toMatchObject({ peer: b.nodeId, code: "forbidden" });
      expect((await ledgerOf(b)).length).toBe(before);
    } finally {
      await b.admin("DELETE", `/policy/rules/${denied.rule.id}`);
    }
  });
});

describe("sharing, refused", () => {
  it("says what is wrong with a share that names nothing, or two things, and publishes nothing", async () => {
    const before = (await json<{ shares: unknown[] }>(await b.admin("GET", "/shares"))).shares.length;
    const missing = await b.admin("POST", "/shares", { resource: "demo://nothing/here", visibility: "peers" });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: "not_found", message: "no local resource demo://nothing/here" } });
    const two = await b.admin("POST", "/shares", { resource: sharedUri, prompt: promptName, visibility: "peers" });
    expect(two.status).toBe(400);
    const toolOptions = await b.admin("POST", "/shares", { prompt: promptName, visibility: "peers", cacheTtlSeconds: 5 });
    expect(toolOptions.status).toBe(400);
    expect((await json<{ shares: unknown[] }>(await b.admin("GET", "/shares"))).shares.length).toBe(before);
  });
});

describe("withdrawing", () => {
  it("takes a withdrawn resource out of A's listing, and a read of it is not found", async () => {
    const key = `everything/${encodeURIComponent(sharedUri)}`;
    const withdrawn = await cli(["unshare", key, "--kind", "resource"], { MCPFED_URL: b.url, ADMIN_TOKEN: b.adminToken });
    expect(withdrawn.stdout).toContain(`withdrew ${key}`);
    await eventually(async () => expect((await atA.listResources()).resources.map((r) => r.uri)).not.toContain(sharedUri), 15_000);
    expect(await errorCode(atA.readResource({ uri: sharedUri }))).toBe(-32602);
  });
});
