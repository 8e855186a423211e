// The private route (docs/protocol.md §13) across real node processes on loopback: A, the
// consumer, peers with R, the relay, which peers with C, the provider; A never meets C. A learns
// C's public tool by gossip through R and calls it privately: sealed to C's gateway, handed on by
// R. C's database and logs must hold no trace of A's node id, R's no trace of the argument. C's
// gateway is also called directly, as any stranger could: a tool not shared publicly, a tampered
// request, a replayed one; R offers no gateway and refuses one. While R holds A in quarantine, R
// refuses A's forward and OHTTP relay requests with `quarantined` (issue 14). After a forwarded
// call, A's countersignature reaches C through R with no tick (§12.5), and C refuses it altered.
import { createClient } from "@libsql/client";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Card } from "../../src/protocol/card/schema.ts";
import { primitives } from "../../src/protocol/identity/primitives.ts";
import { anonymousCallRequest, readAnonymousAnswer, type AnonymousCall } from "../../src/protocol/routes/ohttp/anonymous-call.ts";
import { decodeResponse, encodeRequest } from "../../src/protocol/routes/ohttp/binary-http.ts";
import { encapsulateRequest } from "../../src/protocol/routes/ohttp/encapsulation.ts";
import { keyConfigOf } from "../../src/protocol/routes/ohttp/key-config.ts";
import { paddedLengths } from "../../src/protocol/routes/ohttp/padding.ts";
import { readFileSync } from "node:fs";
import { connect } from "../support/mcp.ts";
import { envelopeAs, openedAnswer, sealAs } from "../support/seal-as.ts";
import { toBase64url } from "../../src/protocol/encoding/bytes.ts";
import { CALL_STREAM_CONTENT_TYPE, readFrames } from "../../src/protocol/messages/relay-frames.ts";
import { FLUSH_AFTER_MS } from "../../src/node/metrics/recorder.ts";
import { eventually, json, loopbackNode, startEverything, type NodeOptions, type NodeProc, type Upstream } from "../support/processes.ts";

/** The argument no relay may see: searched for in R's every table and log line. */
const SECRET = "private-argument-7f3a9c1e";
/** R's relay role: requests per minute from one peer. */
const RELAY_LIMIT = 20;
const openNode = (name: string, opts: NodeOptions = {}) => loopbackNode(name, { ...opts, env: { PEER_POLICY: "open", ...opts.env } });

let upC: Upstream;
let a: NodeProc;
let r: NodeProc;
let c: NodeProc;
let client: Client;
/** C's alias at A is its id's first 8 characters while C is no peer of A, its card's name after. */
const named = (name: string) => `${c.nodeId.slice(0, 8)}_${name}`;
const ECHO = () => named("everything_echo");
/** The name A lists C's tool under now. */
async function listedName(suffix: string): Promise<string> {
  const tool = (await client.listTools()).tools.find((t) => t._meta?.["mcpfed/origin"] === c.nodeId && t.name.endsWith(`_${suffix}`));
  if (!tool) throw new Error(`A lists no ${suffix} of C`);
  return tool.name;
}
let cCard: Card;
const fingerprints = new Map<string, string>();

/** Every row of every table of a node's database, as text. */
/**
 * The dump once the node's writes deferred past earlier answers (invocations, metrics, audit) have
 * landed: two reads that agree, further apart than the metrics recorder holds its counts. A refusal
 * compared against it then shows its own writes only.
 */
async function settledDump(n: NodeProc): Promise<string> {
  let last = await dump(n);
  for (let i = 0; i < 5; i++) {
    await new Promise((r) => setTimeout(r, FLUSH_AFTER_MS + 100));
    const now = await dump(n);
    if (now === last) return now;
    last = now;
  }
  throw new Error("the node's store kept changing for 5 reads");
}

async function dump(n: NodeProc): Promise<string> {
  const db = createClient({ url: `file:${join(n.dataDir, "node.db")}` });
  try {
    const tables = await db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name");
    const out: string[] = [];
    for (const { name } of tables.rows) {
      const rows = await db.execute(`SELECT * FROM "${String(name)}"`);
      out.push(`${String(name)}: ${JSON.stringify(rows.rows, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v instanceof ArrayBuffer ? Buffer.from(v).toString("latin1") : v))}`);
    }
    return out.join("\n");
  } finally {
    db.close();
  }
}

/** An anonymous call sealed to C's gateway, as a consumer builds it. */
async function sealedToC(call: Partial<AnonymousCall> = {}) {
  const message: AnonymousCall = { type: "anonymous-call", key: "everything/echo", fingerprint: fingerprints.get("everything/echo")!, arguments: { message: "direct" }, iat: Math.floor(Date.now() / 1000), ...call };
  return encapsulateRequest(await primitives(), keyConfigOf(cCard.keys.kem[0]!), encodeRequest(anonymousCallRequest(cCard.id, message)));
}

const postGateway = (n: NodeProc, body: Uint8Array) =>
  fetch(`${n.url}/federation/v1/gateway`, { method: "POST", headers: { "content-type": "message/ohttp-req" }, body: body as BodyInit });

async function answerOf(sealed: Awaited<ReturnType<typeof sealedToC>>, res: Response) {
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("message/ohttp-res");
  return readAnonymousAnswer(decodeResponse(await sealed.openResponse(new Uint8Array(await res.arrayBuffer())), 1 << 20));
}

beforeAll(async () => {
  upC = await startEverything();
  c = await openNode("charlie");
  // R relays and forwards, and is no gateway itself.
  // Its relay limit is low enough for one test to pass it, far above what A's calls here take.
  r = await openNode("romeo", { env: { ROUTES_OFFER: "forward,relay,hop,exit", ROUTE_RATE_LIMITS: `relay:${RELAY_LIMIT}` } });
  a = await openNode("alpha");
  expect((await c.admin("POST", "/upstreams", { name: "everything", kind: "http", url: upC.url })).status).toBe(201);
  // Peered first: shares are pushed along the line as they are made.
  await json(await r.admin("POST", "/peers", { url: c.url }));
  await json(await a.admin("POST", "/peers", { url: r.url }));
  await json(await c.admin("POST", "/shares", { tool: "everything_echo", visibility: "public" }));
  await json(await c.admin("POST", "/shares", { tool: "everything_get-sum", visibility: "peers" }));
  cCard = (await (await fetch(`${c.url}/.well-known/mcpfed`)).json()) as Card;
  for (const e of (await json<{ entries: { key: string; fingerprint?: string; origin: string }[] }>(await c.admin("GET", "/registry"))).entries) {
    if (e.origin === c.nodeId && e.fingerprint) fingerprints.set(e.key, e.fingerprint);
  }
  client = await connect(a.mcpUrl);
  // C is no peer of A: its alias is the first 8 characters of its id.
  await eventually(async () => expect((await client.listTools()).tools.map((t) => t.name)).toContain(ECHO()), 20_000);
}, 180_000);

afterAll(async () => {
  await client?.close();
  await Promise.all([a, r, c, upC].map((n) => n?.stop()));
});

describe("a private call A → R → C", () => {
  it("succeeds, and C holds no trace of A's node id, R none of the argument", async () => {
    const result = await client.callTool({ name: ECHO(), arguments: { message: SECRET }, _meta: { "mcpfed/route": "private" } });
    expect((result.content as { text: string }[])[0]!.text).toContain(SECRET);
    expect(result._meta?.["mcpfed/relay"]).toMatchObject({ provider: c.nodeId, route: "private", cached: false });

    // C ran the call, and its invocation log has it under a pseudonym (written after the response).
    await eventually(async () => expect(await dump(c)).toMatch(/anon:[A-Za-z0-9_-]{22}/), 5000);
    const [atC, atR] = await Promise.all([dump(c), dump(r)]);
    // The dump does show node ids: R's, C's peer, is in it.
    expect(atC).toContain(r.nodeId);
    expect(atC).not.toContain(a.nodeId);
    expect(c.output()).not.toContain(a.nodeId);
    expect(atR).not.toContain(SECRET);
    expect(r.output()).not.toContain(SECRET);
    // R did relay it, and knows who asked: A is its peer.
    expect(r.output()).toContain("ohttp.relayed");
    expect(atR).toContain(a.nodeId);
    // No ledger record on any side: nobody is named to sign one.
    for (const n of [a, r, c]) expect(await json<{ records: unknown[] }>(await n.admin("GET", "/ledger/records?limit=10"))).toMatchObject({ records: [] });
  });
});

describe("padding (§13.3.1)", () => {
  /** The sizes R logged for each private call it relayed, in the order it relayed them. */
  const relayedSizes = () =>
    r
      .output()
      .split("\n")
      .filter((l) => l.includes('"ohttp.relayed"'))
      .map((l) => JSON.parse(l.slice(l.indexOf("{"))) as { requestBytes: number; responseBytes: number })
      .map(({ requestBytes, responseBytes }) => ({ requestBytes, responseBytes }));

  it("carries two calls of different lengths across R as messages of one length each way", async () => {
    const before = relayedSizes().length;
    const texts = [];
    for (const message of ["s", "l".repeat(400)]) {
      const result = await client.callTool({ name: ECHO(), arguments: { message }, _meta: { "mcpfed/route": "private" } });
      texts.push((result.content as { text: string }[])[0]!.text);
    }
    // The answers differ in length as the calls do; on the wire neither does.
    expect(texts[1]!.length - texts[0]!.length).toBe(399);
    const sizes = await eventually(async () => {
      const now = relayedSizes().slice(before);
      expect(now).toHaveLength(2);
      return now;
    });
    expect(sizes[0]).toEqual(sizes[1]);
    expect(sizes[0]).toEqual({ requestBytes: paddedLengths("request")[0], responseBytes: paddedLengths("response")[0] });
  });

  it("refuses at C's gateway a request not of a bucket's length, with nothing written", async () => {
    const sealed = await sealedToC();
    const before = await settledDump(c);
    for (const bytes of [sealed.bytes.subarray(0, sealed.bytes.length - 1), new Uint8Array([...sealed.bytes, 0])]) {
      const res = await postGateway(c, bytes);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: "bad_padding" } });
    }
    expect(await dump(c)).toBe(before);
    // The same request at its bucket's length runs.
    expect((await answerOf(sealed, await postGateway(c, sealed.bytes)))?.ok).toBe(true);
  });
});

describe("C's gateway, called directly", () => {
  it("runs a public tool for anyone, under a fresh pseudonym each time", async () => {
    const anonymous = async () => (await json<{ invocations: { caller: string }[] }>(await c.admin("GET", "/invocations?limit=1000"))).invocations.filter((i) => i.caller.startsWith("anon:"));
    // The test before this one ends with a call whose log row is written after its answer.
    await settledDump(c);
    const before = (await anonymous()).length;
    for (let i = 0; i < 2; i++) {
      const sealed = await sealedToC();
      const answer = await answerOf(sealed, await postGateway(c, sealed.bytes));
      expect(answer).toMatchObject({ ok: true, result: { content: [{ type: "text", text: expect.stringContaining("direct") }] } });
    }
    const callers = await eventually(async () => {
      const now = await anonymous();
      expect(now).toHaveLength(before + 2);
      return now.map((i) => i.caller);
    }, 15_000); // the log is written after the answer: slow on a loaded machine
    expect(new Set(callers).size).toBe(callers.length);
  });

  it("refuses a tool shared with peers only, with the answer an unknown tool gets", async () => {
    const sealed = await sealedToC({ key: "everything/get-sum", fingerprint: fingerprints.get("everything/get-sum")!, arguments: { a: 1, b: 2 } });
    const answer = await answerOf(sealed, await postGateway(c, sealed.bytes));
    expect(answer).toEqual({ ok: false, error: { code: "not_shared", message: "everything/get-sum is not shared publicly by this node" } });
    const unknown = await sealedToC({ key: "everything/nothing" });
    expect((await answerOf(unknown, await postGateway(c, unknown.bytes)))?.ok).toBe(false);
  });

  it("refuses a tampered request with nothing written, then takes the untouched one once, and refuses its replay", async () => {
    const sealed = await sealedToC({ arguments: { message: "once" } });
    const tampered = sealed.bytes.slice();
    tampered[tampered.length - 30]! ^= 1;
    const before = await settledDump(c);
    const refused = await postGateway(c, tampered);
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: { code: "decrypt_failed" } });
    expect(await dump(c)).toBe(before);

    expect((await answerOf(sealed, await postGateway(c, sealed.bytes)))?.ok).toBe(true);
    const replayed = await postGateway(c, sealed.bytes);
    expect(replayed.status).toBe(409);
    expect(await replayed.json()).toMatchObject({ error: { code: "replayed" } });
  });

  it("refuses a call issued outside C's clock window, sealed, and the same call in time runs", async () => {
    const late = await sealedToC({ iat: Math.floor(Date.now() / 1000) - 3600 });
    expect(await answerOf(late, await postGateway(c, late.bytes))).toMatchObject({ ok: false, error: { code: "stale" } });
    const onTime = await sealedToC();
    expect((await answerOf(onTime, await postGateway(c, onTime.bytes)))?.ok).toBe(true);
  });

  it("refuses a key id that is not C's", async () => {
    const sealed = await sealedToC();
    const wrong = sealed.bytes.slice();
    wrong[0] = (wrong[0]! + 1) & 0xff;
    const res = await postGateway(c, wrong);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: "unknown_key" } });
  });
});

describe("R as a relay, asked directly by its peer A", () => {
  const relayAsA = async (payload: unknown) => {
    const seed = readFileSync(join(a.dataDir, "node-seed"), "utf8").trim();
    const request = await sealAs({ seed, id: a.nodeId }, r, "ohttp-relay", payload);
    return openedAnswer(request, await request.post());
  };

  it("refuses a gateway it holds no card of, and passes on the code of a gateway that refused the bytes", async () => {
    expect(await relayAsA({ type: "ohttp-relay", gateway: "a".repeat(32), request: "AAAA" })).toMatchObject({ ok: true, result: { type: "ohttp-refused", code: "unknown_gateway" } });
    expect(await relayAsA({ type: "ohttp-relay", gateway: c.nodeId, request: "AAAA" })).toMatchObject({
      ok: true,
      result: { type: "ohttp-refused", code: "gateway_refused", gatewayCode: "malformed" },
    });
    expect(await relayAsA({ type: "ohttp-relay", gateway: c.nodeId })).toMatchObject({ ok: false, error: { code: "bad_request" } });
  });
});

describe("R's relay limit, per sending peer", () => {
  it("refuses C, its other peer, as rate_limited once over, before looking for the gateway; A's calls still pass", async () => {
    const seed = readFileSync(join(c.dataDir, "node-seed"), "utf8").trim();
    const codes: string[] = [];
    // Twice the limit and two more: however a minute boundary falls, more than the limit land in one window.
    for (let i = 0; i < 2 * RELAY_LIMIT + 2; i++) {
      const request = await sealAs({ seed, id: c.nodeId }, r, "ohttp-relay", { type: "ohttp-relay", gateway: "a".repeat(32), request: "AAAA" });
      const answer = await openedAnswer(request, await request.post());
      expect(answer.ok).toBe(true);
      const result = answer.result as { type: string; code: string; message: string };
      expect(result.type).toBe("ohttp-refused");
      if (result.code === "rate_limited") expect(result.message).toMatch(/retry in \d+ s/);
      codes.push(result.code);
    }
    expect(new Set(codes)).toEqual(new Set(["unknown_gateway", "rate_limited"]));
    // The first request of a window passes, and each window lets exactly the limit through.
    expect(codes[0]).toBe("unknown_gateway");
    const passed = codes.filter((x) => x === "unknown_gateway").length;
    expect(passed).toBeGreaterThanOrEqual(RELAY_LIMIT);
    expect(passed).toBeLessThanOrEqual(2 * RELAY_LIMIT);
    // A is counted apart: its private call goes through R.
    const result = await client.callTool({ name: ECHO(), arguments: { message: "after C's flood" }, _meta: { "mcpfed/route": "private" } });
    expect((result.content as { text: string }[])[0]!.text).toContain("after C's flood");
  }, 60_000);
});

describe("a node that offers no gateway", () => {
  it("refuses with route_not_offered, and its card does not advertise one", async () => {
    const card = (await (await fetch(`${r.url}/.well-known/mcpfed`)).json()) as Card;
    expect(card.features).not.toContain("ohttp-gateway");
    expect(card.features).toContain("ohttp-relay");
    const sealed = await sealedToC();
    const res = await postGateway(r, sealed.bytes);
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: { code: "route_not_offered" } });
  });
});

describe("A held in quarantine by R (issue 14)", () => {
  const seedOfA = () => ({ seed: readFileSync(join(a.dataDir, "node-seed"), "utf8").trim(), id: a.nodeId });
  const echoes = async () => (await json<{ invocations: { tool: string }[] }>(await c.admin("GET", "/invocations?limit=1000"))).invocations.length;
  /** A `forward` message to R carrying a call envelope A sealed and signed to C, as A's consumer builds one. */
  const forwardAsA = async () => {
    const inner = await envelopeAs(seedOfA(), cCard, "/federation/v1/call", { type: "call", key: "everything/echo", arguments: { message: "held" } });
    const request = await sealAs(seedOfA(), r, "forward", { type: "forward", to: c.nodeId, envelope: toBase64url(inner.bytes) });
    return openedAnswer(request, await request.post());
  };
  const relayAsA = async () => {
    const request = await sealAs(seedOfA(), r, "ohttp-relay", { type: "ohttp-relay", gateway: c.nodeId, request: toBase64url((await sealedToC()).bytes) });
    return openedAnswer(request, await request.post());
  };

  beforeAll(async () => {
    // The quarantine is R's alone: A stays R's active peer, and C knows nothing of it.
    await json(await r.admin("POST", `/peers/${a.nodeId}/quarantine`, { reason: "e2e" }));
  });

  it("refuses A's forward and A's OHTTP relay request with `quarantined`, and nothing reaches C", async () => {
    const before = await echoes();
    expect(await forwardAsA()).toMatchObject({ ok: false, error: { code: "quarantined" } });
    expect(await relayAsA()).toMatchObject({ ok: true, result: { type: "ohttp-refused", code: "quarantined" } });
    // A's own consumer meets the same refusals: R is its only relay and forwarder, so both routes fail.
    await expect(client.callTool({ name: ECHO(), arguments: { message: "held" }, _meta: { "mcpfed/route": "forwarded" } })).rejects.toThrow(/quarantine/);
    await expect(client.callTool({ name: ECHO(), arguments: { message: "held" }, _meta: { "mcpfed/route": "private" } })).rejects.toMatchObject({ data: { type: "route_unavailable", route: "private" } });
    expect(await echoes()).toBe(before);
  });

  it("carries both again once R's operator releases A", async () => {
    expect((await r.admin("DELETE", `/peers/${a.nodeId}/quarantine`)).status).toBe(200);
    const forwarded = await client.callTool({ name: ECHO(), arguments: { message: "released" }, _meta: { "mcpfed/route": "forwarded" } });
    expect((forwarded.content as { text: string }[])[0]!.text).toContain("released");
    expect(forwarded._meta?.["mcpfed/relay"]).toMatchObject({ provider: c.nodeId, route: "forwarded" });
    const relayed = await client.callTool({ name: ECHO(), arguments: { message: "released" }, _meta: { "mcpfed/route": "private" } });
    expect(relayed._meta?.["mcpfed/relay"]).toMatchObject({ provider: c.nodeId, route: "private" });
  });
});

describe("A's countersignature of C's record, through R (§12.5)", () => {
  const seedOf = (n: NodeProc) => ({ seed: readFileSync(join(n.dataDir, "node-seed"), "utf8").trim(), id: n.nodeId });
  const statusAt = async (n: NodeProc, id: string) => (await json<{ records: { id: string; status: string }[] }>(await n.admin("GET", "/ledger/records"))).records.find((r) => r.id === id)?.status;
  let id: string;

  it("reaches C soon after the call, so C's record is confirmed with no call after it and no tick (C never asks A, no peer of it)", async () => {
    const answer = await client.callTool({ name: ECHO(), arguments: { message: "countersigned" }, _meta: { "mcpfed/route": "forwarded" } });
    const meta = answer._meta?.["mcpfed/relay"] as { provider: string; route: string; record: string };
    expect(meta).toMatchObject({ provider: c.nodeId, route: "forwarded" });
    id = meta.record;
    expect(await statusAt(a, id)).toBe("confirmed");
    // Every node's tick is an hour apart here: only A's push, through R, can confirm C's copy.
    await eventually(async () => expect(await statusAt(c, id)).toBe("confirmed"), 10_000);
    // R keeps no copy of the record it carried.
    expect(await statusAt(r, id)).toBeUndefined();
  });

  it("cannot be altered by R: C refuses the envelope with a ciphertext bit flipped, with its typed code and nothing written; the untouched one is acknowledged to A alone", async () => {
    const record = (await json<{ records: { id: string; record: unknown }[] }>(await a.admin("GET", "/ledger/records"))).records.find((r) => r.id === id)!.record;
    const inner = await envelopeAs(seedOf(a), cCard, "/federation/v1/countersigned", { type: "countersigned", records: [record] });
    const tampered = inner.bytes.slice();
    // A bit of the ciphertext (it ends 16 bytes of tag before the signature's 2 + 3373 bytes): what R would alter.
    tampered[tampered.length - 3375 - 20]! ^= 1;
    // R's own `forwarded` message is a valid envelope of R's: its id lands in C's replay cache, and nothing else may.
    const withoutR = (dumped: string) => dumped.replace(/^replay_cache: (.*)$/m, (_l, rows: string) => `replay_cache: ${JSON.stringify((JSON.parse(rows) as { sender: string }[]).filter((row) => row.sender !== r.nodeId))}`);
    const before = withoutR(await settledDump(c));
    const altered = await sealAs(seedOf(r), c, "forwarded", { type: "forwarded", envelope: toBase64url(tampered) });
    expect(await openedAnswer(altered, await altered.post())).toMatchObject({ ok: false, error: { code: "bad_signature" } });
    expect(withoutR(await settledDump(c))).toBe(before);
    // The same envelope as A sealed it: C answers in one frame sealed to A's envelope, which R passes on and cannot open.
    const untouched = await sealAs(seedOf(r), c, "forwarded", { type: "forwarded", envelope: toBase64url(inner.bytes) });
    const res = await untouched.post();
    expect(res.headers.get("content-type")).toBe(CALL_STREAM_CONTENT_TYPE);
    const frames: Uint8Array[] = [];
    for await (const f of readFrames(res.body!)) frames.push(f);
    expect(frames).toHaveLength(1);
    await expect(untouched.sealed.openResponse(frames[0]!)).rejects.toThrow();
    expect(JSON.parse(new TextDecoder().decode(await inner.openResponse(frames[0]!)))).toEqual({ acked: [id] });
    expect(await statusAt(c, id)).toBe("confirmed");
  });
});

describe("a priced tool, paid with tokens", () => {
  const IMAGE = () => named("everything_get-tiny-image");
  const wallet = async () => (await json<{ wallet: { issuer: string; count: number }[] }>(await a.admin("GET", "/payment-tokens"))).wallet.filter((h) => h.issuer === c.nodeId).reduce((n, h) => n + h.count, 0);
  const redeemed = async () => (await json<{ issuer: { redeemed: number } }>(await c.admin("GET", "/payment-tokens"))).issuer.redeemed;
  const callImage = async () => client.callTool({ name: await listedName("everything_get-tiny-image"), arguments: {}, _meta: { "mcpfed/route": "private" } });

  beforeAll(async () => {
    await json(await c.admin("POST", "/shares", { tool: "everything_get-tiny-image", visibility: "public", pricing: { model: "per_call", amount: 2, unit: "credit" } }));
    await eventually(async () => expect((await client.listTools()).tools.map((t) => t.name)).toContain(IMAGE()), 20_000);
    const listed = (await client.listTools()).tools.find((t) => t.name === IMAGE())!;
    fingerprints.set("everything/get-tiny-image", listed._meta!["mcpfed/fingerprint"] as string);
  }, 60_000);

  it("is refused at the gateway without tokens, and by A's wallet before anything is sent", async () => {
    const sealed = await sealedToC({ key: "everything/get-tiny-image", fingerprint: fingerprints.get("everything/get-tiny-image")!, arguments: {} });
    expect(await answerOf(sealed, await postGateway(c, sealed.bytes))).toMatchObject({ ok: false, error: { code: "payment_required" } });
    await expect(callImage()).rejects.toMatchObject({ data: { type: "peer_payment_required", peer: c.nodeId } });
  });

  it("runs once paid: two tokens leave A's wallet, C counts two redemptions and names no one", async () => {
    // The purchase is named (A peers with C to buy); the call that spends the tokens is not.
    await json(await a.admin("POST", "/peers", { url: c.url }));
    await json(await a.admin("POST", "/payment-tokens", { origin: c.nodeId, count: 4 }));
    expect(await wallet()).toBe(4);
    const before = await redeemed();
    const result = await callImage();
    expect(result.isError).toBeFalsy();
    expect(result._meta?.["mcpfed/relay"]).toMatchObject({ route: "private" });
    expect(await wallet()).toBe(2);
    expect(await redeemed()).toBe(before + 2);
    // The pseudonymous call is C's only record of the spending: no ledger record for it.
    const records = (await json<{ records: { record: { intent: { tool: { id: string } } } }[] }>(await c.admin("GET", "/ledger/records?limit=100"))).records;
    expect(records.filter((r) => r.record.intent.tool.id.endsWith("get-tiny-image"))).toEqual([]);
  });
});

describe("the relay gone", () => {
  it("fails the private call with route_unavailable; it does not go direct, though C is now A's peer", async () => {
    await r.stop();
    const failed = client.callTool({ name: await listedName("everything_echo"), arguments: { message: "no relay" }, _meta: { "mcpfed/route": "private" } });
    await expect(failed).rejects.toMatchObject({ data: { type: "route_unavailable", route: "private" } });
    await expect(failed).rejects.toThrow(/no relay took the call/);
  });
});
