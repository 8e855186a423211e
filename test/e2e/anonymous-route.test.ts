// The anonymous route (docs/protocol.md §14) across real node processes on loopback: A, the
// consumer, peers only with D, a directory that relays and forwards; the provider P and three
// public hops (one under Deno) peer with D. A learns the hops' cards and P's public tool by gossip
// and calls it through three hops. Each hop sits behind a recording proxy (its PUBLIC_URL), so the
// test sees every onion packet on the wire. Then: what each hop wrote and logged for the call names
// only its neighbours; P cannot link two calls; a replayed packet is dropped at the first hop that
// sees it again; a tampered layer is dropped with the same answer wherever it is dropped. Then a call
// answered by a single-use reply block: A sits behind a recording proxy too, to see the delivery.
import { createClient } from "@libsql/client";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Card } from "../../src/protocol/card/schema.ts";
import { fromBase64url } from "../../src/protocol/encoding/bytes.ts";
import { primitives } from "../../src/protocol/identity/primitives.ts";
import { xWing } from "../../src/protocol/identity/xwing.ts";
import { ALL_METRICS } from "../../src/node/metrics/definitions.ts";
import { buildOnion } from "../../src/protocol/routes/onion/packet.ts";
import { ONION_BUCKETS, ONION_HEADER_BYTES } from "../../src/protocol/routes/onion/sizes.ts";
import { connect } from "../support/mcp.ts";
import { eventually, freePort, json, loopbackNode, startEverything, startNode, type NodeOptions, type NodeProc, type Upstream } from "../support/processes.ts";
import { recordingProxy, type RecordingProxy } from "../support/recording-proxy.ts";
import { startDenoNode } from "../support/runtimes.ts";
import { tick } from "../support/tick.ts";

const ONION = "/federation/v1/onion";
const openNode = (name: string, opts: NodeOptions = {}) => loopbackNode(name, { ...opts, env: { PEER_POLICY: "open", ...opts.env } });

interface Hop {
  node: NodeProc;
  proxy: RecordingProxy;
}

let up: Upstream;
let a: NodeProc;
/** A's own PUBLIC_URL: a reply block's last hop delivers to it, so the test sees that packet too. */
let aProxy: RecordingProxy;
let d: NodeProc;
let p: NodeProc;
let hops: Hop[];
let client: Client;
/** P's rows before any anonymous call: what it held of its own (tool ids, fingerprints, keys). */
let baseline: Set<string>;
const ECHO = () => `${p.nodeId.slice(0, 8)}_everything_echo`;

/** A public hop behind a recording proxy: its card's URL is the proxy's. */
async function hop(name: string, runtime: "node" | "deno"): Promise<Hop> {
  const [port, proxyPort] = [await freePort(), await freePort()];
  const proxy = await recordingProxy(proxyPort, port);
  const env = { NODE_NAME: name, PUBLIC_URL: proxy.url, PUBLIC_NODE: "true", PEER_POLICY: "open", ALLOW_PRIVATE_URLS: "true" };
  const node = runtime === "deno" ? await startDenoNode({ port, env }) : await startNode({ port, env });
  return { node, proxy };
}

/** Every row of every table of a node's database, one string per row. */
async function rows(n: NodeProc): Promise<Set<string>> {
  const db = createClient({ url: `file:${join(n.dataDir, "node.db")}` });
  try {
    const tables = await db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name");
    const out = new Set<string>();
    for (const { name } of tables.rows) {
      for (const row of (await db.execute(`SELECT * FROM "${String(name)}"`)).rows) {
        out.add(`${String(name)}: ${JSON.stringify(row, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v instanceof ArrayBuffer ? Buffer.from(v).toString("latin1") : v))}`);
      }
    }
    return out;
  } finally {
    db.close();
  }
}

const added = (before: Set<string>, after: Set<string>) => [...after].filter((r) => !before.has(r)).join("\n");

/** The path the last call took, from the hops' own log lines: each names only its successor. */
function pathFromLogs(since: Map<Hop, number>): Hop[] {
  const successor = new Map<Hop, string>();
  for (const h of hops) {
    const line = h.node.output().slice(since.get(h)).split("\n").find((l) => l.includes("onion.relayed") || l.includes("onion.exited"));
    if (line) successor.set(h, (JSON.parse(line.slice(line.indexOf("{"))) as { next?: string; gateway?: string }).next ?? (JSON.parse(line.slice(line.indexOf("{"))) as { gateway: string }).gateway);
  }
  const exit = hops.find((h) => successor.get(h) === p.nodeId)!;
  const second = hops.find((h) => successor.get(h) === exit.node.nodeId)!;
  const first = hops.find((h) => successor.get(h) === second.node.nodeId)!;
  return [first, second, exit];
}

const onionExchanges = (h: Hop) => h.proxy.exchanges().filter((e) => e.path === ONION);
const postOnion = (h: Hop, body: Uint8Array) => fetch(`${h.proxy.url}${ONION}`, { method: "POST", headers: { "content-type": "application/mcpfed-onion" }, body: body as BodyInit });
const call = (message: string) => client.callTool({ name: ECHO(), arguments: { message }, _meta: { "mcpfed/route": "anonymous" } });
/** The name A lists P's tool under now: P's alias is its id's first 8 characters until A peers with it. */
async function listedName(suffix: string): Promise<string> {
  const tool = (await client.listTools()).tools.find((t) => t._meta?.["mcpfed/origin"] === p.nodeId && t.name.endsWith(`_${suffix}`));
  if (!tool) throw new Error(`A lists no ${suffix} of P`);
  return tool.name;
}

beforeAll(async () => {
  up = await startEverything();
  // P logs arguments (LOG_ARGUMENTS): what a consumer puts in a call is in P's rows, to be searched.
  const [aPort, aProxyPort] = [await freePort(), await freePort()];
  aProxy = await recordingProxy(aProxyPort, aPort);
  [p, d, a] = await Promise.all([
    openNode("papa", { env: { LOG_ARGUMENTS: "true" } }),
    openNode("delta", { env: { ROUTES_OFFER: "forward,relay" } }),
    openNode("alpha", { port: aPort, env: { ROUTES_OFFER: "forward,relay", PUBLIC_URL: aProxy.url } }),
  ]);
  hops = await Promise.all([hop("hotel-one", "node"), hop("hotel-two", "deno"), hop("hotel-three", "node")]);
  expect((await p.admin("POST", "/upstreams", { name: "everything", kind: "http", url: up.url })).status).toBe(201);
  for (const n of [p.url, ...hops.map((h) => h.proxy.url)]) await json(await d.admin("POST", "/peers", { url: n }));
  await json(await a.admin("POST", "/peers", { url: d.url }));
  await json(await p.admin("POST", "/shares", { tool: "everything_echo", visibility: "public" }));
  client = await connect(a.mcpUrl);
  // The hops publish their cards as node entries; D passes them and P's share on to A.
  await eventually(async () => {
    for (const n of [...hops.map((h) => h.node), p, d, a]) await tick(n);
    const known = (await json<{ nodes: { id: string }[] }>(await a.admin("GET", "/nodes"))).nodes.map((n) => n.id);
    expect(known).toEqual(expect.arrayContaining(hops.map((h) => h.node.nodeId)));
    expect((await client.listTools()).tools.map((t) => t.name)).toContain(ECHO());
  }, 60_000);
  baseline = await rows(p);
}, 240_000);

afterAll(async () => {
  await client?.close();
  await Promise.all([a, d, p, up, ...(hops ?? []).map((h) => h.node)].map((n) => n?.stop()));
  await Promise.all([...(hops ?? []).map((h) => h.proxy.close()), aProxy?.close()]);
});

describe("an anonymous call A → H1 → H2 → H3 → P", () => {
  let path: Hop[];

  it("succeeds; every packet on the wire is a bucket; each hop's new rows and log lines name only its neighbours", async () => {
    const since = new Map(hops.map((h) => [h, h.node.output().length]));
    const before = await Promise.all([...hops.map((h) => rows(h.node)), rows(p)]);
    const result = await call("through three hops");
    expect((result.content as { text: string }[])[0]!.text).toContain("through three hops");
    expect(result._meta?.["mcpfed/relay"]).toMatchObject({ provider: p.nodeId, route: "anonymous", cached: false });
    path = pathFromLogs(since);
    expect(new Set(path).size).toBe(3);

    for (const h of hops) {
      const exchanges = onionExchanges(h);
      expect(exchanges).toHaveLength(1);
      const [e] = exchanges;
      expect(e!.status).toBe(200);
      expect(ONION_BUCKETS.map((b) => b + ONION_HEADER_BYTES)).toContain(e!.request.length);
      expect(e!.response.length).toBe(e!.request.length - ONION_HEADER_BYTES);
    }

    // Who may appear where: each hop's predecessor and successor, nobody else.
    const [h1, h2, h3] = path as [Hop, Hop, Hop];
    const strangers = new Map<Hop, string[]>([
      [h1, [a.nodeId, h3.node.nodeId, p.nodeId]],
      [h2, [a.nodeId, p.nodeId]],
      [h3, [a.nodeId, h1.node.nodeId]],
    ]);
    const after = await Promise.all([...hops.map((h) => rows(h.node)), rows(p)]);
    for (const [i, h] of hops.entries()) {
      const written = added(before[i]!, after[i]!);
      expect(written).toContain("onion_replay_tags");
      const logged = h.node.output().slice(since.get(h));
      for (const id of strangers.get(h)!) {
        expect(written).not.toContain(id);
        expect(logged).not.toContain(id);
      }
    }
    // A was never anyone's neighbour but D's and H1's, and H1 saw only its address.
    for (const n of [...hops.map((h) => h.node), p]) expect([...(await rows(n))].join("\n")).not.toContain(a.nodeId);
    expect(p.output()).not.toContain(a.nodeId);
    // P's new rows name no hop but the exit, which it never stores either: the gateway names no one.
    const atP = added(before[3]!, after[3]!);
    for (const h of hops) expect(atP).not.toContain(h.node.nodeId);
  });

  it("leaves P nothing to link two calls by the same consumer", async () => {
    const existing = await rows(p);
    // The audit trail's hash chain links each of P's rows to the one before, whoever made it: it
    // orders the node's rows and names no caller, so its two hash columns are left out.
    const unchained = (text: string) => text.replace(/"(prev_hash|hash)":"[0-9a-f]{64}"/g, "");
    const tokens = (text: string) => new Set(unchained(text).replace(/^[a-z_]+: /gm, "").match(/[A-Za-z0-9_:.-]{12,}/g) ?? []);
    // Metric names are the code's constants: a running total's row says how many calls, not whose.
    const known = new Set([...tokens([...baseline].join("\n")), ...ALL_METRICS.map((m) => m.name)]);
    await call("first call");
    // A call's rows land after its answer: its audit entry and its invocation, both under its pseudonym.
    const settled = (text: string) => ["audit_log", "invocations"].every((t) => text.split("\n").some((l) => l.startsWith(`${t}: `) && l.includes("anon:")));
    const afterFirst = await eventually(async () => {
      const now = await rows(p);
      expect(settled(added(existing, now))).toBe(true);
      return now;
    });
    await call("second call");
    const afterSecond = await eventually(async () => {
      const now = await rows(p);
      expect(settled(added(afterFirst, now))).toBe(true);
      return now;
    });
    const first = [...tokens(added(existing, afterFirst))].filter((t) => !known.has(t));
    const second = tokens(added(afterFirst, afterSecond));
    expect(first.length).toBeGreaterThan(0);
    expect(first.filter((t) => second.has(t))).toEqual([]);
  });

  it("drops a replayed packet at the first hop that sees it again", async () => {
    const [h1, h2] = path as [Hop, Hop, Hop];
    const first = onionExchanges(h1)[0]!;
    const forwarded = onionExchanges(h2).length;
    const since = h1.node.output().length;
    const replay = await postOnion(h1, first.request);
    expect(replay.status).toBe(400);
    expect(await replay.json()).toEqual({ error: { code: "onion_dropped", message: "the onion packet was dropped" } });
    await eventually(async () => expect(h1.node.output().slice(since)).toMatch(/onion\.dropped.*replayed/));
    expect(onionExchanges(h2)).toHaveLength(forwarded);

    // The packet H2 received, sent to H2 again (by H1, or anyone who saw it): dropped there.
    const second = onionExchanges(h2)[0]!;
    const since2 = h2.node.output().length;
    expect((await postOnion(h2, second.request)).status).toBe(400);
    await eventually(async () => expect(h2.node.output().slice(since2)).toMatch(/onion\.dropped.*replayed/));
  });

  it("drops a tampered layer with one answer, whichever hop drops it", async () => {
    const answers: string[] = [];
    const answer = async (res: Response) => answers.push(`${res.status} ${res.headers.get("content-type")} ${await res.text()}`);
    for (const h of path) {
      const seen = onionExchanges(h)[0]!.request.slice();
      seen[ONION_HEADER_BYTES + 17]! ^= 1;
      await answer(await postOnion(h, seen));
      const header = onionExchanges(h)[0]!.request.slice();
      header[2000]! ^= 1;
      await answer(await postOnion(h, header));
    }
    // A packet H1 accepts whose second layer is sealed to the wrong key: H2 drops it, and H1
    // answers A exactly as if it had dropped it itself.
    const [h1, h2, h3] = path as [Hop, Hop, Hop];
    const cards = await Promise.all([h1, h2, h3].map(async (h) => (await (await fetch(`${h.proxy.url}/.well-known/mcpfed`)).json()) as Card));
    const x = xWing(await primitives());
    const key = (c: Card) => x.importPublic(fromBase64url(c.keys.kem[0]!.pub));
    const expires = Math.floor(Date.now() / 1000) + 60;
    const route = (kind: "relay" | "exit", c: { id: string; url: string }) => ({ kind, delayMs: 0, expires, node: c.id, url: c.url });
    const forwarded = onionExchanges(h2).length;
    const since = h2.node.output().length;
    const built = await buildOnion(
      x,
      [
        { publicKey: await key(cards[0]!), routing: route("relay", cards[1]!) },
        { publicKey: await key(cards[2]!), routing: route("relay", cards[2]!) },
        { publicKey: await key(cards[2]!), routing: route("exit", { id: p.nodeId, url: p.url }) },
      ],
      new Uint8Array(100),
      { bucket: 16384 },
    );
    await answer(await postOnion(h1, built.packet));
    expect(onionExchanges(h2)).toHaveLength(forwarded + 1);
    await eventually(async () => expect(h2.node.output().slice(since)).toMatch(/onion\.dropped.*bad_mac/));
    expect(new Set(answers).size).toBe(1);
    expect(answers[0]).toMatch(/^400 application\/json/);
  });

  it("is refused by a node that offers neither hop nor exit, with a typed code", async () => {
    const res = await fetch(`${d.url}${ONION}`, { method: "POST", headers: { "content-type": "application/mcpfed-onion" }, body: new Uint8Array(ONION_HEADER_BYTES + 2048) });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: { code: "route_not_offered" } });
  });

  it("drops a packet whose expiry is beyond the hop's ONION_MAX_TTL_SECONDS, so its tag could not be kept that long", async () => {
    const [h1, h2, h3] = path as [Hop, Hop, Hop];
    const cards = await Promise.all([h1, h2, h3].map(async (h) => (await (await fetch(`${h.proxy.url}/.well-known/mcpfed`)).json()) as Card));
    const x = xWing(await primitives());
    const key = (c: Card) => x.importPublic(fromBase64url(c.keys.kem[0]!.pub));
    const expires = Math.floor(Date.now() / 1000) + 3600;
    const route = (kind: "relay" | "exit", c: { id: string; url: string }) => ({ kind, delayMs: 0, expires, node: c.id, url: c.url });
    const built = await buildOnion(
      x,
      [
        { publicKey: await key(cards[0]!), routing: route("relay", cards[1]!) },
        { publicKey: await key(cards[1]!), routing: route("relay", cards[2]!) },
        { publicKey: await key(cards[2]!), routing: route("exit", { id: p.nodeId, url: p.url }) },
      ],
      new Uint8Array(100),
      { bucket: 2048 },
    );
    const forwarded = onionExchanges(h2).length;
    const since = h1.node.output().length;
    expect((await postOnion(h1, built.packet)).status).toBe(400);
    await eventually(async () => expect(h1.node.output().slice(since)).toMatch(/onion\.dropped.*bad_routing/));
    expect(onionExchanges(h2)).toHaveLength(forwarded);
  });
});

describe("an anonymous call answered by a single-use reply block (§14.6)", () => {
  const BUCKETS = ONION_BUCKETS.map((b) => b + ONION_HEADER_BYTES);
  /** The onion events a node logged since `from`: name and fields. */
  const events = (n: NodeProc, from: number) =>
    n
      .output()
      .slice(from)
      .split("\n")
      .filter((l) => /onion\.(relayed|delivered|exited|surb_sent|surb_failed|dropped|surb_answered)/.test(l))
      .map((l) => ({ event: /onion\.[a-z_]+/.exec(l)![0], fields: JSON.parse(l.slice(l.indexOf("{"))) as Record<string, unknown> }));
  let since: Map<Hop, number>;
  let seenBefore: Map<Hop, number>;
  let aSeenBefore: number;
  let forward: Hop[];
  let reply: Hop[];

  it("comes back along the block: the exit acknowledges the forward exchange, three reply hops carry the answer to A", async () => {
    since = new Map(hops.map((h) => [h, h.node.output().length]));
    seenBefore = new Map(hops.map((h) => [h, onionExchanges(h).length]));
    aSeenBefore = aProxy.exchanges().filter((e) => e.path === ONION).length;
    const before = await Promise.all(hops.map((h) => rows(h.node)));
    const aSince = a.output().length;
    const result = await client.callTool({ name: await listedName("everything_echo"), arguments: { message: "answered by a reply block" }, _meta: { "mcpfed/route": "anonymous-surb" } });
    expect((result.content as { text: string }[])[0]!.text).toContain("answered by a reply block");
    expect(result._meta?.["mcpfed/relay"]).toMatchObject({ provider: p.nodeId, route: "anonymous", cached: false });

    // Which hop did what, from each hop's own log lines (each names only its successor). A reply hop
    // logs once its successor answered, which may be after A took the answer: wait for all six.
    let exit!: Hop;
    await eventually(async () => {
      const byHop = new Map(hops.map((h) => [h, events(h.node, since.get(h)!)]));
      const find = (pred: (e: { event: string; fields: Record<string, unknown> }) => boolean) => hops.find((h) => byHop.get(h)!.some(pred));
      exit = find((e) => e.event === "onion.exited" && e.fields.surb === true && e.fields.gateway === p.nodeId)!;
      const h2 = find((e) => e.event === "onion.relayed" && !e.fields.reply && e.fields.next === exit?.node.nodeId);
      const h1 = find((e) => e.event === "onion.relayed" && !e.fields.reply && e.fields.next === h2?.node.nodeId);
      const r3 = find((e) => e.event === "onion.delivered" && e.fields.reply === true && e.fields.next === a.nodeId);
      const r2 = find((e) => e.event === "onion.relayed" && e.fields.reply === true && e.fields.next === r3?.node.nodeId);
      const r1 = find((e) => e.event === "onion.relayed" && e.fields.reply === true && e.fields.next === r2?.node.nodeId);
      forward = [h1!, h2!, exit];
      reply = [r1!, r2!, r3!];
      expect(new Set(forward.filter(Boolean)).size).toBe(3);
      expect(new Set(reply.filter(Boolean)).size).toBe(3);
      expect(events(exit.node, since.get(exit)!)).toContainEqual({ event: "onion.surb_sent", fields: expect.objectContaining({ first: r1!.node.nodeId }) });
    }, 20_000);
    expect(events(a, aSince).map((e) => e.event)).toContain("onion.surb_answered");

    // On the wire: every onion exchange with a hop, forward and reply, is a packet of a bucket's size
    // answered by exactly that bucket; each hop saw one packet a path it is on, six in all.
    let total = 0;
    for (const h of hops) {
      const fresh = onionExchanges(h).slice(seenBefore.get(h));
      total += fresh.length;
      expect(fresh).toHaveLength([...forward, ...reply].filter((x) => x === h).length);
      for (const e of fresh) {
        expect(e.status).toBe(200);
        expect(BUCKETS).toContain(e.request.length);
        expect(e.response.length).toBe(e.request.length - ONION_HEADER_BYTES);
      }
    }
    expect(total).toBe(6);
    // And the delivery to A: the same size again, acknowledged with a bucket of bytes.
    const delivered = aProxy.exchanges().filter((e) => e.path === ONION).slice(aSeenBefore);
    expect(delivered).toHaveLength(1);
    expect(delivered[0]!.status).toBe(200);
    expect(BUCKETS).toContain(delivered[0]!.request.length);
    expect(delivered[0]!.response.length).toBe(delivered[0]!.request.length - ONION_HEADER_BYTES);

    // Who may appear where: each hop's neighbours on the paths it is on (A only at the last reply
    // hop, which delivers to it; P and the first reply hop only at the exit), never anyone else.
    const everyone = [a.nodeId, p.nodeId, ...hops.map((h) => h.node.nodeId)];
    const neighbours = (h: Hop) => {
      const out = new Set([h.node.nodeId]);
      const fi = forward.indexOf(h);
      out.add(fi === 2 ? p.nodeId : forward[fi + 1]!.node.nodeId);
      if (fi > 0) out.add(forward[fi - 1]!.node.nodeId);
      // The exit sends the answer to the block's first reply hop.
      if (fi === 2) out.add(reply[0]!.node.nodeId);
      const ri = reply.indexOf(h);
      out.add(ri === 2 ? a.nodeId : reply[ri + 1]!.node.nodeId);
      out.add(ri === 0 ? exit.node.nodeId : reply[ri - 1]!.node.nodeId);
      return out;
    };
    const after = await Promise.all(hops.map((h) => rows(h.node)));
    for (const [i, h] of hops.entries()) {
      const written = added(before[i]!, after[i]!);
      expect(written).toContain("onion_replay_tags");
      const logged = h.node.output().slice(since.get(h));
      for (const id of everyone.filter((n) => !neighbours(h).has(n))) {
        expect(written).not.toContain(id);
        expect(logged).not.toContain(id);
      }
    }
    // A kept the block's row, its answer taken; P never learned A.
    expect([...(await rows(a))].filter((r) => r.startsWith("onion_surbs: ")).some((r) => r.includes('"state":"taken"') && r.includes('"answer":null'))).toBe(true);
    expect(p.output()).not.toContain(a.nodeId);
  });

  it("drops a replayed reply packet at the reply hop that sees it again", async () => {
    const [r1] = reply as [Hop, Hop, Hop];
    const from = r1.node.output().length;
    // R1's fresh exchanges are its forward packet (if it is on the forward path too) and the reply packet: both replays.
    const fresh = onionExchanges(r1).slice(seenBefore.get(r1));
    for (const e of fresh) expect((await postOnion(r1, e.request)).status).toBe(400);
    await eventually(async () => expect(events(r1.node, from).filter((e) => e.event === "onion.dropped" && e.fields.reason === "replayed")).toHaveLength(fresh.length));
  });

  it("refuses a block answered once already (replayed, the one drop answer) and a block A never made (unknown)", async () => {
    const delivered = aProxy.exchanges().filter((e) => e.path === ONION).slice(aSeenBefore)[0]!;
    const from = a.output().length;
    const post = (body: Uint8Array) => fetch(`${aProxy.url}${ONION}`, { method: "POST", headers: { "content-type": "application/mcpfed-onion" }, body: body as BodyInit });
    const again = await post(delivered.request);
    expect(again.status).toBe(400);
    expect(await again.json()).toEqual({ error: { code: "onion_dropped", message: "the onion packet was dropped" } });
    const stranger = crypto.getRandomValues(new Uint8Array(delivered.request.length));
    // A offers no hop role: a packet naming no block of it is answered as any packet to a non-hop.
    const unknown = await post(stranger);
    expect(unknown.status).toBe(403);
    expect(await unknown.json()).toMatchObject({ error: { code: "route_not_offered" } });
    await eventually(async () => expect(events(a, from).map((e) => e.fields.reason)).toEqual(["surb_replayed", "surb_unknown"]));
  });
});

describe("a hop's rate limit", () => {
  it("answers 429 with Retry-After once over, before any cryptography", async () => {
    const limited = await openNode("lima", { env: { ROUTE_RATE_LIMITS: "hop:2" } });
    try {
      const junk = new Uint8Array(ONION_HEADER_BYTES + 2048);
      const post = () => fetch(`${limited.url}${ONION}`, { method: "POST", headers: { "content-type": "application/mcpfed-onion" }, body: junk });
      // A sliding minute: six posts in a row put more than two in it, wherever its slots fall.
      const answers = [];
      for (let i = 0; i < 6; i++) answers.push(await post());
      expect(answers[0]!.status).toBe(400);
      expect(answers.every((r) => r.status === 400 || r.status === 429)).toBe(true);
      expect(answers.filter((r) => r.status === 400).length).toBeLessThanOrEqual(4);
      const over = answers.find((r) => r.status === 429)!;
      expect(Number(over.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(await over.json()).toMatchObject({ error: { code: "rate_limited" } });
    } finally {
      await limited.stop();
    }
  });
});

describe("a priced tool, called anonymously", () => {
  interface RecordView {
    id: string;
    peer: string;
    role: string;
    status: string;
    record: { intent: { tool: { id: string }; price: { amount: number; unit: string } } };
  }
  const records = async (n: NodeProc) => (await json<{ records: RecordView[] }>(await n.admin("GET", "/ledger/records?limit=100"))).records;
  const IMAGE = () => `${p.nodeId.slice(0, 8)}_everything_get-tiny-image`;

  it("is paid with tokens bought under A's name: the sale is the one record, on A and P only; the call leaves none", async () => {
    await json(await p.admin("POST", "/shares", { tool: "everything_get-tiny-image", visibility: "public", pricing: { model: "per_call", amount: 2, unit: "credit" } }));
    await eventually(async () => {
      for (const n of [p, d, a]) await tick(n);
      expect((await client.listTools()).tools.map((t) => t.name)).toContain(IMAGE());
    }, 30_000);
    // The purchase is named: A peers with P to buy.
    await json(await a.admin("POST", "/peers", { url: p.url }));
    const { purchase } = await json<{ purchase: { recordId: string; count: number } }>(await a.admin("POST", "/payment-tokens", { origin: p.nodeId, count: 3 }));
    expect(purchase.count).toBe(3);
    const sale = { id: purchase.recordId, tool: { id: `${p.nodeId}/privacy-pass/tokens` } };
    await eventually(async () => expect((await records(p)).map((r) => ({ id: r.id, peer: r.peer, role: r.role, status: r.status }))).toEqual([{ id: sale.id, peer: a.nodeId, role: "provider", status: "confirmed" }]), 10_000);
    expect(await records(a)).toMatchObject([{ id: sale.id, peer: p.nodeId, role: "consumer", status: "confirmed", record: { intent: { tool: sale.tool, price: { amount: 3, unit: "credit" } } } }]);
    const redeemed = async () => (await json<{ issuer: { redeemed: number } }>(await p.admin("GET", "/payment-tokens"))).issuer.redeemed;
    const before = await redeemed();

    const result = await client.callTool({ name: await listedName("everything_get-tiny-image"), arguments: {}, _meta: { "mcpfed/route": "anonymous" } });
    expect(result.isError).toBeFalsy();
    expect(result._meta?.["mcpfed/relay"]).toMatchObject({ provider: p.nodeId, route: "anonymous" });
    expect((result.content as { type: string }[]).map((c) => c.type)).toContain("image");
    // Two tokens left A's wallet and P redeemed two; the sale is still each side's only record.
    const wallet = await json<{ wallet: { issuer: string; count: number }[] }>(await a.admin("GET", "/payment-tokens"));
    expect(wallet.wallet.filter((h) => h.issuer === p.nodeId).reduce((n, h) => n + h.count, 0)).toBe(1);
    expect(await redeemed()).toBe(before + 2);
    expect((await records(a)).map((r) => r.id)).toEqual([sale.id]);
    expect((await records(p)).map((r) => r.id)).toEqual([sale.id]);
    for (const n of [d, ...hops.map((h) => h.node)]) expect(await records(n)).toEqual([]);
  }, 90_000);
});

describe("a hop gone", () => {
  it("fails the anonymous call with route_unavailable, and nothing else is tried: P never hears of A", async () => {
    // A knows no other hop, so every path has this one.
    await hops[1]!.node.stop();
    const before = await rows(p);
    // P knows A by now (A bought tokens of it): this call is what must not name A.
    const since = p.output().length;
    const failed = client.callTool({ name: await listedName("everything_echo"), arguments: { message: "with a hop down" }, _meta: { "mcpfed/route": "anonymous" } });
    await expect(failed).rejects.toMatchObject({ data: { type: "route_unavailable", route: "anonymous" } });
    expect(added(before, await rows(p))).not.toContain(a.nodeId);
    expect(p.output().slice(since)).not.toContain(a.nodeId);
  });
});
