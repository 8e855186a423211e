// Abuse of the federation surface by nodes nobody knows, against real node processes on loopback:
// hellos as a port scanner (issue 10, finding 2a), replayed envelopes, floods of requests and of
// pending peers (finding 7). Strangers are made up by the test (test/support/stranger.ts).
import { createServer } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signingKeyFromSeed } from "../../src/protocol/identity/keys.ts";
import { primitives } from "../../src/protocol/identity/primitives.ts";
import { newSeed, parseSeed } from "../../src/protocol/identity/seed.ts";
import { openedAnswer, sealAs } from "../support/seal-as.ts";
import { freePort, json, loopbackNode, type NodeProc } from "../support/processes.ts";
import { stranger, type Stranger } from "../support/stranger.ts";

interface PeerView {
  id: string;
  state: string;
}

const peersOf = async (n: NodeProc) => (await json<{ peers: PeerView[] }>(await n.admin("GET", "/peers"))).peers;
const refusalsOf = async (n: NodeProc) => (await json<{ refusals: Record<string, number> }>(await n.admin("GET", "/federation/refusals"))).refusals;

/** The same bytes with one bit of the composite signature's Ed25519 half flipped (its last byte). */
const badSignature = (b: Uint8Array) => {
  const out = b.slice();
  out[out.length - 1]! ^= 1;
  return out;
};

const seedP = newSeed();
let p: NodeProc; // a real peer, active at both
let guarded: NodeProc; // approve, at most 3 pending
let limited: NodeProc; // open, with low rate limits
const strangers: Stranger[] = [];
const made = async (o: Parameters<typeof stranger>[0] = {}) => {
  const s = await stranger(o);
  strangers.push(s);
  return s;
};

beforeAll(async () => {
  [p, guarded, limited] = await Promise.all([
    loopbackNode("p", { env: { NODE_SEED: seedP, PEER_POLICY: "open" } }),
    loopbackNode("guarded", { env: { PEER_POLICY: "approve", MAX_PENDING_PEERS: "3" } }),
    loopbackNode("limited", { env: { PEER_POLICY: "open", FEDERATION_RATE_PER_SOURCE: "40", FEDERATION_RATE_PER_SENDER: "5", HELLO_RATE_PER_SOURCE: "3" } }),
  ]);
  expect(p.nodeId).toBe((await signingKeyFromSeed(await primitives(), parseSeed(seedP))).nodeId);
  await json(await p.admin("POST", "/peers", { url: guarded.url }));
  await json(await guarded.admin("POST", `/peers/${p.nodeId}/approve`));
  await json(await p.admin("POST", "/peers", { url: limited.url }));
}, 60_000);

afterAll(async () => {
  await Promise.all([p, guarded, limited].map((n) => n?.stop()));
  await Promise.all(strangers.map((s) => s.close()));
});

describe("a stranger's hello", () => {
  it("gets one opaque refusal, whatever its card's URL hides: no port scanner", async () => {
    // Behind the URLs a stranger could name: a closed port, a server that is not a node, another node.
    const closed = await freePort();
    const web = createServer((_req, res) => void res.writeHead(404, { server: "intranet-wiki" }).end("not here"));
    const webPort = await freePort();
    await new Promise<void>((r) => web.listen(webPort, "127.0.0.1", r));
    try {
      const answers = [];
      for (const url of [`http://127.0.0.1:${closed}`, `http://127.0.0.1:${webPort}`, p.url]) {
        const s = await made({ url });
        const hello = await s.hello(guarded);
        const res = await hello.post();
        expect(res.status).toBe(200);
        answers.push(await hello.answer(res));
      }
      expect(answers[0]).toEqual({ ok: false, error: { code: "not_allowed", message: expect.any(String) } });
      for (const a of answers) expect(a).toEqual(answers[0]);
      const text = JSON.stringify(answers[0]);
      for (const leak of [String(closed), String(webPort), String(p.port), "404", "ECONNREFUSED", "fetch", "serves"]) expect(text).not.toContain(leak);
      // None was stored; the operator has the reasons.
      expect((await peersOf(guarded)).filter((x) => x.state === "pending")).toEqual([]);
      expect((await refusalsOf(guarded)).hello_url_unconfirmed).toBe(3);
    } finally {
      await new Promise((r) => web.close(r));
    }
  });

  it("is pending while there is room; beyond MAX_PENDING_PEERS it is refused the same way, without a fetch of its card", async () => {
    const ss = await Promise.all([1, 2, 3, 4, 5].map((i) => made({ name: `flood-${i}`, serve: true })));
    const answers = [];
    for (const s of ss) {
      const hello = await s.hello(guarded);
      answers.push(await hello.answer(await hello.post()));
    }
    expect(answers.slice(0, 3).map((a) => a.result?.state)).toEqual(["pending", "pending", "pending"]);
    for (const a of answers.slice(3)) expect(a).toMatchObject({ ok: false, error: { code: "not_allowed", message: "this node does not accept this hello" } });
    expect(ss.map((s) => s.fetches() > 0)).toEqual([true, true, true, false, false]);
    expect((await peersOf(guarded)).filter((x) => x.state === "pending").map((x) => x.id).sort()).toEqual(ss.slice(0, 3).map((s) => s.id).sort());
    expect((await refusalsOf(guarded)).hello_pending_full).toBe(2);

    // A node already pending may say hello again; the operator's own adds still go through.
    const again = await ss[0]!.hello(guarded);
    expect(await again.answer(await again.post())).toMatchObject({ ok: true, result: { state: "pending" } });
  });
});

describe("replayed envelopes", () => {
  it("are refused as replays before any signature check, and a forged copy never uses up an id", async () => {
    const ping = await sealAs({ seed: seedP, id: p.nodeId }, guarded, "ping", { type: "ping" });
    const post = (b: Uint8Array) => fetch(`${guarded.url}/federation/v1/ping`, { method: "POST", headers: { "content-type": "application/mcpfed-envelope" }, body: b as BodyInit });
    const forged = badSignature(ping.sealed.bytes);
    // Before the real one arrives, the forged copy is checked in full, and records nothing.
    const first = await post(forged);
    expect(first.status).toBe(401);
    expect(await first.json()).toMatchObject({ error: { code: "bad_signature" } });
    const ok = await ping.post();
    expect(ok.status).toBe(200);
    expect(await openedAnswer(ping, ok)).toMatchObject({ ok: true, result: { type: "pong" } });
    // After it, any copy with its (from, jti) is a replay, whatever its signature.
    for (const copy of [ping.sealed.bytes, forged]) {
      const res = await post(copy);
      expect(res.status).toBe(409);
      expect(await res.json()).toMatchObject({ error: { code: "replayed" } });
    }
  });

  it("refuse a replayed hello before its card or signature is checked", async () => {
    const s = await made({ serve: true, name: "replayer" });
    const hello = await s.hello(p);
    expect(await hello.answer(await hello.post())).toMatchObject({ ok: true, result: { state: "active" } });
    // The card travels first: break its signature, then the envelope's.
    const cardLength = new DataView(hello.body.buffer, hello.body.byteOffset).getUint32(0);
    const at = 4 + new TextDecoder().decode(hello.body.subarray(4, 4 + cardLength)).lastIndexOf('"sig":"') + 7;
    const brokenCard = hello.body.slice();
    brokenCard[at] = brokenCard[at] === 65 ? 66 : 65;
    for (const body of [hello.body, badSignature(hello.body), brokenCard]) {
      const res = await hello.post(body);
      expect(res.status).toBe(409);
      expect(await res.json()).toMatchObject({ error: { code: "replayed" } });
    }
  });
});

describe("rate limits on /federation", () => {
  it("limit hellos per client address, before anything is read", async () => {
    const garbage = new Uint8Array([0, 0, 0, 1]);
    const statuses = [];
    for (let i = 0; i < 7; i++) {
      const res = await fetch(`${limited.url}/federation/v1/hello`, { method: "POST", body: garbage });
      statuses.push(res.status);
      if (res.status === 429) {
        expect(res.headers.get("retry-after")).toMatch(/^\d+$/);
        expect(await res.json()).toMatchObject({ error: { code: "rate_limited" } });
      }
    }
    // 3 a minute (the earlier hellos count too); a window may turn over once within the test.
    expect(statuses.filter((s) => s !== 429).length).toBeLessThanOrEqual(6);
    expect(statuses.slice(-1)).toEqual([429]);
    expect((await refusalsOf(limited)).hello_source_rate).toBeGreaterThan(0);
  });

  it("limit an authenticated sender", async () => {
    const statuses = [];
    for (let i = 0; i < 11; i++) statuses.push((await (await sealAs({ seed: seedP, id: p.nodeId }, limited, "ping", { type: "ping" })).post()).status);
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(10);
    expect(statuses).toContain(429);
    expect(statuses.filter((s) => s !== 200 && s !== 429)).toEqual([]);
    expect((await refusalsOf(limited)).sender_rate).toBeGreaterThan(0);
  });

  it("limit every request per client address, before anything is read", async () => {
    const statuses = [];
    for (let i = 0; i < 81; i++) statuses.push((await fetch(`${limited.url}/federation/v1/ping`, { method: "POST", body: "x" })).status);
    expect(statuses.filter((s) => s !== 429).length).toBeLessThanOrEqual(80);
    expect(statuses.slice(-1)).toEqual([429]);
    expect((await refusalsOf(limited)).source_rate).toBeGreaterThan(0);
  });
});
