// Peer channels between real node processes on loopback (docs/protocol.md §5.6): A calls B's tool
// through A, and gossip flows both ways; after the first handshake every request rides on the
// channel. Counts come from each node's GET /admin/federation/channels, channel rows from its
// libSQL file.
import { sql } from "drizzle-orm";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { CHANNEL_CONTENT_TYPE } from "../../src/protocol/channel/frame.ts";
import { epochAt, ratchet } from "../../src/protocol/channel/handshake.ts";
import { sealChannelFrame } from "../../src/protocol/channel/seal.ts";
import { RESPONSE_CONTENT_TYPE } from "../../src/protocol/envelope/response.ts";
import { CALL_STREAM_CONTENT_TYPE, readFrames } from "../../src/protocol/messages/relay-frames.ts";
import { fromBase64url } from "../../src/protocol/encoding/bytes.ts";
import { parseSeed } from "../../src/protocol/identity/seed.ts";
import { SecretBox } from "../../src/secrets/sealed-box.ts";
import { ChannelStore } from "../../src/store/channels.ts";
import { openDatabaseFile } from "../support/libsql.ts";
import { connect } from "../support/mcp.ts";
import { eventually, json, loopbackNode, startEverything, type NodeOptions, type NodeProc, type Upstream } from "../support/processes.ts";

interface Status {
  channels: { cid: string; peer: string; role: "initiator" | "responder"; epoch: number; startsAt: number; expiresAt: number }[];
  counts: Record<"opened" | "accepted" | "first" | "sent" | "received" | "reopened" | "fallbacks", number>;
}

export const channelStatus = async (n: NodeProc): Promise<Status> => json<Status>(await n.admin("GET", "/federation/channels"));

const openNode = (name: string, opts: NodeOptions = {}) => loopbackNode(name, { ...opts, env: { PEER_POLICY: "open", ...opts.env } });
const text = (r: unknown) => ((r as { content: { type: string; text: string }[] }).content[0]?.text ?? "");

/** Rows of a table in the node's database file, as the node wrote them. */
async function rows<T>(n: NodeProc, query: ReturnType<typeof sql>): Promise<T[]> {
  const store = await openDatabaseFile(join(n.dataDir, "node.db"));
  try {
    return await store.db.all<T>(query);
  } finally {
    store.close();
  }
}

const count = async (n: NodeProc, table: string) => (await rows<{ n: number }>(n, sql.raw(`SELECT count(*) AS n FROM ${table}`)))[0]!.n;
const ping = (from: NodeProc, to: NodeProc) => from.admin("POST", `/peers/${to.nodeId}/ping`);
const initiatorTo = (st: Status, peer: NodeProc) => st.channels.filter((c) => c.peer === peer.nodeId && c.role === "initiator");
const responderFor = (st: Status, peer: NodeProc) => st.channels.filter((c) => c.peer === peer.nodeId && c.role === "responder");

let up: Upstream;
let a: NodeProc;
let b: NodeProc;
let client: Client;

beforeAll(async () => {
  up = await startEverything();
  a = await openNode("alpha");
  b = await openNode("bravo");
  expect((await b.admin("POST", "/upstreams", { name: "everything", kind: "http", url: up.url })).status).toBe(201);
  await json(await a.admin("POST", "/peers", { url: b.url }));
  await json(await b.admin("POST", "/shares", { tool: "everything_get-sum", visibility: "peers", pricing: { model: "free" } }));
  client = await connect(a.mcpUrl);
  await eventually(async () => expect((await client.listTools()).tools.map((t) => t.name)).toContain("bravo_everything_get-sum"), 15_000);
}, 120_000);

afterAll(async () => {
  await client?.close();
  await Promise.all([a, b, up].map((n) => n?.stop()));
});

/** Stops the node and starts it again on its port and data folder (same seed, same database). */
async function restart(n: NodeProc, name: string): Promise<NodeProc> {
  await n.stop();
  return openNode(name, { port: n.port, dataDir: n.dataDir });
}

const LANE = crypto.getRandomValues(new Uint8Array(16));

/** A frame on A's channel to `to`, made here from A's stored secrets (opened with A's seed), on a lane of the test's own. */
async function frameFromA(to: NodeProc, path: string, seq: number, plaintext = '{"type":"ping"}', laneAnswers = false) {
  const store = await openDatabaseFile(join(a.dataDir, "node.db"));
  try {
    const seed = parseSeed(readFileSync(join(a.dataDir, "node-seed"), "utf8").trim());
    const [row] = initiatorTo(await channelStatus(a), to);
    const channel = (await new ChannelStore(store.db, new SecretBox(seed)).find(row!.cid, "initiator"))!;
    const now = Math.floor(Date.now() / 1000);
    const secrets = ratchet({ epoch: channel.epoch, c: channel.requestSecret, s: channel.answerSecret }, epochAt(channel, now));
    return sealChannelFrame({ cid: fromBase64url(channel.cid), secrets, lane: LANE, seq, laneAnswers, now, path, plaintext: new TextEncoder().encode(plaintext) });
  } finally {
    store.close();
  }
}

describe("a channel between two Node processes", () => {
  it("carries gossip: B told A of its share on a channel B opened, and A answered on it", async () => {
    const [atA, atB] = [await channelStatus(a), await channelStatus(b)];
    const opened = atB.channels.filter((c) => c.peer === a.nodeId && c.role === "initiator");
    expect(opened).toHaveLength(1);
    expect(atA.channels.filter((c) => c.peer === b.nodeId && c.role === "responder").map((c) => c.cid)).toEqual(opened.map((c) => c.cid));
    expect(atB.counts).toMatchObject({ opened: 1, fallbacks: 0 });
    expect(atB.counts.sent).toBeGreaterThanOrEqual(1);
    expect(atA.counts.received).toBeGreaterThanOrEqual(1);
  });

  it("carries relayed calls after one handshake, and both sides keep its secrets sealed", async () => {
    const before = await channelStatus(a);
    for (let i = 0; i < 3; i++) {
      const sum = await client.callTool({ name: "bravo_everything_get-sum", arguments: { a: i, b: 40 } });
      expect(text(sum)).toContain(String(40 + i));
    }
    const [atA, atB] = [await channelStatus(a), await channelStatus(b)];
    // The first of them may ride inside A's handshake (a first flight) if A held no channel to B yet.
    expect(atA.counts.sent + atA.counts.first - (before.counts.sent + before.counts.first)).toBeGreaterThanOrEqual(3);
    expect(atA.counts.fallbacks).toBe(0);
    expect(atA.channels.filter((c) => c.peer === b.nodeId && c.role === "initiator")).toHaveLength(1);
    expect(atB.channels.filter((c) => c.peer === a.nodeId && c.role === "responder").map((c) => c.cid)).toEqual(
      atA.channels.filter((c) => c.peer === b.nodeId && c.role === "initiator").map((c) => c.cid),
    );
    expect(atB.counts.received + atB.counts.first).toBeGreaterThanOrEqual(3);
    const stored = await rows<{ request_secret: string; answer_secret: string }>(b, sql`SELECT request_secret, answer_secret FROM peer_channels`);
    for (const r of stored) {
      expect(r.request_secret).toMatch(/^sealed:v1:/);
      expect(r.answer_secret).toMatch(/^sealed:v1:/);
    }
  });
});

describe("continuing a channel", () => {
  it("opens one channel however many requests start at once", async () => {
    const c = await openNode("charlie");
    try {
      await json(await a.admin("POST", "/peers", { url: c.url }));
      const before = await channelStatus(a);
      const pongs = await Promise.all(Array.from({ length: 8 }, () => ping(a, c)));
      for (const p of pongs) expect(p.status).toBe(200);
      const after = await channelStatus(a);
      expect(after.counts.opened - before.counts.opened).toBe(1);
      expect(initiatorTo(after, c)).toHaveLength(1);
      expect((await channelStatus(c)).counts.received).toBeGreaterThanOrEqual(8);
    } finally {
      await c.stop();
    }
  });

  it("survives a restart of the responder, then of the initiator, without a new handshake", async () => {
    const [cid] = initiatorTo(await channelStatus(a), b).map((c) => c.cid);
    b = await restart(b, "bravo");
    expect((await ping(a, b)).status).toBe(200);
    expect((await channelStatus(b)).counts).toMatchObject({ accepted: 0, received: 1 });

    await client.close();
    a = await restart(a, "alpha");
    client = await connect(a.mcpUrl);
    const sum = await client.callTool({ name: "bravo_everything_get-sum", arguments: { a: 1, b: 2 } });
    expect(text(sum)).toContain("3");
    const atA = await channelStatus(a);
    expect(atA.counts).toMatchObject({ opened: 0, fallbacks: 0 });
    expect(atA.counts.sent).toBeGreaterThanOrEqual(1);
    expect(initiatorTo(atA, b).map((c) => c.cid)).toEqual([cid]);
    expect((await channelStatus(b)).counts.accepted).toBe(0);
    // Two restarts: under load each node takes its time to start.
  }, 180_000);

  it("is continued by a second process on the same database, on a lane of its own", async () => {
    const [cid] = initiatorTo(await channelStatus(a), b).map((c) => c.cid);
    const second = await openNode("alpha", { dataDir: a.dataDir });
    try {
      const received = (await channelStatus(b)).counts.received;
      // Both processes send on the one channel at once: distinct lanes, so no nonce is used twice and none is refused.
      const pongs = await Promise.all([ping(a, b), ping(second, b), ping(a, b), ping(second, b)]);
      for (const p of pongs) expect(p.status).toBe(200);
      // Its start-up tick gossips too: at least the two pings went on the channel.
      const counts = (await channelStatus(second)).counts;
      expect(counts).toMatchObject({ opened: 0, fallbacks: 0 });
      expect(counts.sent).toBeGreaterThanOrEqual(2);
      expect((await channelStatus(b)).counts.received - received).toBeGreaterThanOrEqual(4);
      expect(initiatorTo(await channelStatus(second), b).map((c) => c.cid)).toEqual([cid]);
    } finally {
      await second.stop();
    }
  });
});

describe("the operator ending channels", () => {
  it("makes the next request open a new channel, and refuses an unknown peer", async () => {
    const [old] = initiatorTo(await channelStatus(a), b).map((c) => c.cid);
    expect((await a.admin("DELETE", `/peers/${b.nodeId}/channels`)).status).toBe(204);
    expect(initiatorTo(await channelStatus(a), b)).toHaveLength(0);
    const opened = (await channelStatus(a)).counts.opened;
    expect((await ping(a, b)).status).toBe(200);
    const after = await channelStatus(a);
    expect(after.counts.opened - opened).toBe(1);
    expect(initiatorTo(after, b).map((c) => c.cid)).not.toContain(old);
    expect((await a.admin("DELETE", "/peers/nosuchpeer/channels")).status).toBe(404);
  });

  it("carries the first call on a new channel inside the handshake: B answers it in one request", async () => {
    expect((await a.admin("DELETE", `/peers/${b.nodeId}/channels`)).status).toBe(204);
    const since = async (n: NodeProc, before: Status) => {
      const now = (await channelStatus(n)).counts;
      return Object.fromEntries(Object.entries(now).map(([k, v]) => [k, v - before.counts[k as keyof Status["counts"]]]));
    };
    // Calls B ran for A (its audit), written after the answer: read once they are all in.
    const calls = () => count(b, `audit_log WHERE action = 'tool.call' AND actor = 'peer:${a.nodeId}'`);
    const ran = async (n: number) => eventually(async () => expect(await calls()).toBe(n), 10_000);
    const [atA, atB, before] = [await channelStatus(a), await channelStatus(b), await calls()];
    expect(text(await client.callTool({ name: "bravo_everything_get-sum", arguments: { a: 20, b: 3 } }))).toContain("23");
    // The call ran once at B, answered inside the one handshake that carried it: one request. (Frames
    // A sends afterwards are its deferred countersignature push, not the call.)
    await ran(before + 1);
    expect(await since(b, atB)).toMatchObject({ accepted: 1, first: 1 });
    expect(await since(a, atA)).toMatchObject({ opened: 1, first: 1, fallbacks: 0 });
    const [cid] = initiatorTo(await channelStatus(a), b).map((c) => c.cid);
    expect(responderFor(await channelStatus(b), a).map((c) => c.cid)).toContain(cid);

    // The next call rides the channel that handshake made: one frame, no handshake.
    const [atA2, atB2] = [await channelStatus(a), await channelStatus(b)];
    expect(text(await client.callTool({ name: "bravo_everything_get-sum", arguments: { a: 20, b: 4 } }))).toContain("24");
    await ran(before + 2);
    expect(await since(b, atB2)).toMatchObject({ accepted: 0, first: 0 });
    expect((await since(b, atB2)).received).toBeGreaterThanOrEqual(1);
    expect(await since(a, atA2)).toMatchObject({ opened: 0, first: 0 });
    expect(initiatorTo(await channelStatus(a), b).map((c) => c.cid)).toEqual([cid]);
  });
});

describe("a peer without channels", () => {
  it("is sent envelopes: CHANNELS=off leaves the feature out of its card, and no channel is opened", async () => {
    const d = await openNode("delta", { env: { CHANNELS: "off" } });
    try {
      const card = (await (await fetch(`${d.url}/.well-known/mcpfed`)).json()) as { features: string[] };
      expect(card.features).not.toContain("channel");
      await json(await a.admin("POST", "/peers", { url: d.url }));
      const before = await channelStatus(a);
      for (const [from, to] of [[a, d], [d, a]] as const) expect((await ping(from, to)).status).toBe(200);
      const after = await channelStatus(a);
      expect(after.counts).toMatchObject({ opened: before.counts.opened, sent: before.counts.sent, fallbacks: before.counts.fallbacks });
      expect(after.channels.filter((c) => c.peer === d.nodeId)).toEqual([]);
      expect((await channelStatus(d)).channels).toEqual([]);
      // Nor does it answer a handshake.
      expect((await fetch(`${d.url}/federation/v1/channel`, { method: "POST", body: "x" })).status).toBe(404);
    } finally {
      await d.stop();
    }
  });
});

describe("a peer that does not key answers per lane", () => {
  it("is sent frames whose answers are keyed per request, and refuses one asking for answers per lane as malformed, as a node before the feature", async () => {
    const d = await openNode("echo", { env: { FEATURES_OFF: "channel-lane-answers" } });
    try {
      const card = (await (await fetch(`${d.url}/.well-known/mcpfed`)).json()) as { features: string[] };
      expect(card.features).toContain("channel");
      expect(card.features).not.toContain("channel-lane-answers");
      await json(await a.admin("POST", "/peers", { url: d.url }));
      const before = await channelStatus(a);
      for (let i = 0; i < 3; i++) expect((await ping(a, d)).status).toBe(200);
      const after = await channelStatus(a);
      // Every ping went on the channel (a refused frame would have failed it: the envelope is no retry for a malformed frame).
      expect(after.counts.sent - before.counts.sent).toBeGreaterThanOrEqual(3);
      expect(after.counts.fallbacks).toBe(before.counts.fallbacks);
      expect(initiatorTo(after, d)).toHaveLength(1);

      const post = (frame: Uint8Array) => fetch(`${d.url}/federation/v1/ping`, { method: "POST", headers: { "content-type": CHANNEL_CONTENT_TYPE }, body: frame as BodyInit });
      const replays = await count(d, "replay_cache");
      const flagged = await frameFromA(d, "/federation/v1/ping", 0, '{"type":"ping"}', true);
      const res = await post(flagged.bytes);
      expect([res.status, ((await res.json()) as { error: { code: string } }).error.code]).toEqual([400, "malformed"]);
      expect(await count(d, "replay_cache")).toBe(replays);
      const plain = await frameFromA(d, "/federation/v1/ping", 0);
      const ok = await post(plain.bytes);
      expect(ok.status).toBe(200);
      expect(JSON.parse(new TextDecoder().decode(await plain.openResponse(new Uint8Array(await ok.arrayBuffer()))))).toMatchObject({ ok: true, result: { type: "pong" } });
    } finally {
      await d.stop();
    }
  });
});

describe("frames the responder refuses", () => {
  /** A frame on A's channel to B, made here from A's stored secrets (opened with A's seed), on a lane of the test's own. */
  const frameAsA = (path: string, seq: number, plaintext = '{"type":"ping"}', laneAnswers = false) => frameFromA(b, path, seq, plaintext, laneAnswers);
  const post = (path: string, body: Uint8Array) => fetch(`${b.url}${path}`, { method: "POST", headers: { "content-type": CHANNEL_CONTENT_TYPE }, body: body as BodyInit });
  const refusal = async (res: Response) => ({ status: res.status, code: ((await res.json()) as { error: { code: string } }).error.code });

  it("answers a frame once; its copy, a tampered one, one for another route or an unknown channel are refused with their codes and record nothing", async () => {
    const frame = await frameAsA("/federation/v1/ping", 0);
    const res = await post("/federation/v1/ping", frame.bytes);
    expect(res.status).toBe(200);
    const answer = JSON.parse(new TextDecoder().decode(await frame.openResponse(new Uint8Array(await res.arrayBuffer()))));
    expect(answer).toMatchObject({ ok: true, result: { type: "pong" } });
    const [replays, records] = [await count(b, "replay_cache"), await count(b, "ledger_records")];

    expect(await refusal(await post("/federation/v1/ping", frame.bytes))).toEqual({ status: 409, code: "replayed" });
    const next = await frameAsA("/federation/v1/ping", 1);
    const tampered = next.bytes.slice();
    tampered[tampered.length - 1]! ^= 1;
    expect(await refusal(await post("/federation/v1/ping", tampered))).toEqual({ status: 400, code: "decrypt_failed" });
    expect(await refusal(await post("/federation/v1/cards", (await frameAsA("/federation/v1/ping", 2)).bytes))).toEqual({ status: 400, code: "wrong_endpoint" });
    const stranger = (await frameAsA("/federation/v1/ping", 3)).bytes.slice();
    stranger[2 + 0]! ^= 0xff; // the first byte of the channel id, right after the u16 header length
    expect(await refusal(await post("/federation/v1/ping", stranger))).toEqual({ status: 401, code: "unknown_channel" });
    expect([await count(b, "replay_cache"), await count(b, "ledger_records")]).toEqual([replays, records]);

    // The tampered frame's id was not used up: its intact copy still opens.
    expect((await post("/federation/v1/ping", next.bytes)).status).toBe(200);
  });

  it("answers a frame that asks for answers per lane under its lane's answer key, a call's stream frame by frame, and refuses its copy", async () => {
    const frame = await frameAsA("/federation/v1/ping", 40, '{"type":"ping"}', true);
    const res = await post("/federation/v1/ping", frame.bytes);
    expect(res.status).toBe(200);
    const sealed = new Uint8Array(await res.arrayBuffer());
    expect(JSON.parse(new TextDecoder().decode(await frame.openResponse(sealed)))).toMatchObject({ ok: true, result: { type: "pong" } });
    // Keyed to the lane and seq, not to the header: the same bytes do not open as the per-request answer of that header.
    const perRequest = await frameAsA("/federation/v1/ping", 40);
    await expect(perRequest.openResponse(sealed)).rejects.toMatchObject({ code: "decrypt_failed" });
    expect(await refusal(await post("/federation/v1/ping", frame.bytes))).toEqual({ status: 409, code: "replayed" });

    const call = JSON.stringify({ type: "call", key: "nowhere/nothing", intent: {}, timeoutMs: 5000, progress: false, countersigned: [] });
    const framed = await frameAsA("/federation/v1/call", 41, call, true);
    const streamed = await fetch(`${b.url}/federation/v1/call`, { method: "POST", headers: { "content-type": CHANNEL_CONTENT_TYPE, accept: CALL_STREAM_CONTENT_TYPE }, body: framed.bytes as BodyInit });
    const frames: unknown[] = [];
    for await (const f of readFrames(streamed.body!)) frames.push(JSON.parse(new TextDecoder().decode(await framed.openResponse(f))));
    expect(frames).toEqual([{ type: "answer", seq: 0, answer: { ok: false, error: expect.objectContaining({ code: "not_shared" }), acked: [] } }]);
  });

  it("answers a call that asked no progress with one sealed answer when the consumer accepts it, else with its one-frame stream", async () => {
    // A call the provider refuses before running anything (no such share): an answer all the same.
    const call = JSON.stringify({ type: "call", key: "nowhere/nothing", intent: {}, timeoutMs: 5000, progress: false, countersigned: [] });
    const callPath = "/federation/v1/call";
    const records = await count(b, "ledger_records");

    const plain = await frameAsA(callPath, 20, call);
    const res = await fetch(`${b.url}${callPath}`, {
      method: "POST",
      headers: { "content-type": CHANNEL_CONTENT_TYPE, accept: `${CALL_STREAM_CONTENT_TYPE}, ${RESPONSE_CONTENT_TYPE}` },
      body: plain.bytes as BodyInit,
    });
    expect(res.headers.get("content-type")).toBe(RESPONSE_CONTENT_TYPE);
    const answer = JSON.parse(new TextDecoder().decode(await plain.openResponse(new Uint8Array(await res.arrayBuffer()))));
    expect(answer).toMatchObject({ ok: true, result: { ok: false, error: { code: "not_shared" }, acked: [] } });

    const framed = await frameAsA(callPath, 21, call);
    const streamed = await fetch(`${b.url}${callPath}`, { method: "POST", headers: { "content-type": CHANNEL_CONTENT_TYPE, accept: CALL_STREAM_CONTENT_TYPE }, body: framed.bytes as BodyInit });
    expect(streamed.headers.get("content-type")).toBe(CALL_STREAM_CONTENT_TYPE);
    const frames: unknown[] = [];
    for await (const f of readFrames(streamed.body!)) frames.push(JSON.parse(new TextDecoder().decode(await framed.openResponse(f))));
    expect(frames).toEqual([{ type: "answer", seq: 0, answer: { ok: false, error: expect.objectContaining({ code: "not_shared" }), acked: [] } }]);
    expect(await count(b, "ledger_records")).toBe(records);
  });

  it("refuses a frame replayed to another process of the responder sharing its database, and of copies racing both, accepts one", async () => {
    // A second process of B behind the same address, as behind a balancer: its card names B's URL.
    const other = await openNode("bravo", { dataDir: b.dataDir, env: { PUBLIC_URL: b.url } });
    try {
      const postTo = (n: NodeProc, body: Uint8Array) =>
        fetch(`${n.url}/federation/v1/ping`, { method: "POST", headers: { "content-type": CHANNEL_CONTENT_TYPE }, body: body as BodyInit });
      const first = await frameAsA("/federation/v1/ping", 10);
      expect((await postTo(b, first.bytes)).status).toBe(200);
      // Rows a minute or more from expiry: the other process's start sweeps expired ones meanwhile (slow under load).
      const cutoff = Math.floor(Date.now() / 1000) + 60;
      const fresh = async () => (await rows<{ n: number }>(b, sql.raw(`SELECT count(*) AS n FROM replay_cache WHERE expires_at > ${cutoff}`)))[0]!.n;
      const [replays, records] = [await fresh(), await count(b, "ledger_records")];
      expect(await refusal(await postTo(other, first.bytes))).toEqual({ status: 409, code: "replayed" });
      const second = await frameAsA("/federation/v1/ping", 11);
      expect((await postTo(other, second.bytes)).status).toBe(200);
      expect(await refusal(await postTo(b, second.bytes))).toEqual({ status: 409, code: "replayed" });
      expect([await fresh(), await count(b, "ledger_records")]).toEqual([replays + 1, records]);
      const raced = await Promise.all([b, other, b, other].map(async (n) => (await postTo(n, (await frameAsA("/federation/v1/ping", 12)).bytes)).status));
      expect(raced.filter((status) => status === 200)).toHaveLength(1);
      expect(raced.filter((status) => status === 409)).toHaveLength(3);
    } finally {
      await other.stop();
    }
  });
});

describe("ending a channel", () => {
  it("refuses a blocked peer's frames at once as unknown_channel, and the refusal changes nothing", async () => {
    const [replays, records] = [await count(b, "replay_cache"), await count(b, "ledger_records")];
    expect((await b.admin("POST", `/peers/${a.nodeId}/block`)).status).toBe(200);
    expect(responderFor(await channelStatus(b), a)).toHaveLength(0);
    const reopened = (await channelStatus(a)).counts.reopened;

    const refused = await client.callTool({ name: "bravo_everything_get-sum", arguments: { a: 1, b: 1 } }).catch((err: unknown) => err);
    expect(JSON.stringify(refused)).not.toContain('"2"');
    expect(b.output()).toMatch(/"event":"federation\.refused".*"code":"unknown_channel"/);
    // A dropped the refused channel and tried a new handshake, which B refused as well.
    expect((await channelStatus(a)).counts.reopened).toBe(reopened + 1);
    expect(b.output()).toMatch(/"code":"blocked_sender"/);
    expect([await count(b, "replay_cache"), await count(b, "ledger_records")]).toEqual([replays, records]);
    expect((await channelStatus(b)).channels).toEqual((await channelStatus(b)).channels.filter((c) => c.peer !== a.nodeId));

    // Unblocked, A reaches B again (by envelope for a minute after the refused handshake, then on a new channel).
    expect((await b.admin("POST", `/peers/${a.nodeId}/unblock`)).status).toBe(200);
    expect((await ping(a, b)).status).toBe(200);
  });
});
