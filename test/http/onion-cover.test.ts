// Cover traffic on the anonymous route (docs/protocol.md §14.10), over five nodes served in this
// process with their real stores: A sends ONION_COVER_PER_MINUTE × TICK_SECONDS / 60 cover packets
// on its tick along three-hop paths through H1–H4; the first two hops see what a call's packet
// shows them (size, answer, log line, one replay tag), the last answers and drops it, leaving no log
// line, no gateway request and no ledger row, only a metric.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Card } from "../../src/protocol/card/schema.ts";
import { fromBase64url } from "../../src/protocol/encoding/bytes.ts";
import { primitives } from "../../src/protocol/identity/primitives.ts";
import { xWing } from "../../src/protocol/identity/xwing.ts";
import { buildOnion } from "../../src/protocol/routes/onion/packet.ts";
import { openReply } from "../../src/protocol/routes/onion/reply.ts";
import type { OnionRouting } from "../../src/protocol/routes/onion/routing.ts";
import { ONION_HEADER_BYTES } from "../../src/protocol/routes/onion/sizes.ts";
import { decodeExitAnswer } from "../../src/protocol/routes/onion/exit-answer.ts";
import type { CoverTickReport } from "../../src/node/routes/onion/cover.ts";
import { inProcessNode, stopAll, type InProcessNode } from "../support/in-process-node.ts";
import { eventually, json } from "../support/processes.ts";
import { tick } from "../support/tick.ts";

const TOKEN = "cover-admin-token-0123456789abcdef";
const BUCKET = 16384;

interface Exchange {
  path: string;
  sent: number;
  status: number;
  received: number;
}

/** What reached each node's onion and gateway paths, and what it answered. */
const exchanges = new Map<string, Exchange[]>();
const watched = (name: string) => (fetch: (req: Request) => Response | Promise<Response>) => async (req: Request) => {
  const path = new URL(req.url).pathname;
  if (!path.startsWith("/federation/v1/onion") && !path.startsWith("/federation/v1/gateway")) return fetch(req);
  const sent = (await req.clone().arrayBuffer()).byteLength;
  const res = await fetch(req);
  const received = (await res.clone().arrayBuffer()).byteLength;
  exchanges.get(name)!.push({ path, sent, status: res.status, received });
  return res;
};

let a: InProcessNode;
let hops: InProcessNode[];
const names = ["h1", "h2", "h3", "h4"];

async function count(n: InProcessNode, sql: string): Promise<number> {
  return Number((await n.local.client.execute(sql)).rows[0]![0]);
}

const coverCount = (n: InProcessNode, event: string) =>
  count(n, `SELECT coalesce(sum(value), 0) FROM metric_counters WHERE name = 'mcpfed_onion_cover_total' AND labels LIKE '%"${event}"%'`);

const onionLog = (spy: { mock: { calls: unknown[][] } }) =>
  spy.mock.calls.map((c) => String(c[0])).filter((l) => l.includes('"event":"onion.')).map((l) => JSON.parse(l) as { event: string; bucket?: number; next?: string; gateway?: string });

const all = () => [a, ...hops];

beforeAll(async () => {
  for (const n of names) exchanges.set(n, []);
  hops = await Promise.all(names.map((n) => inProcessNode(n, TOKEN, { env: { PUBLIC_NODE: "true" }, serveWith: watched(n) })));
  // 6 a minute over a 30-second tick: 3 packets each tick.
  a = await inProcessNode("a", TOKEN, { env: { ONION_COVER_PER_MINUTE: "6", TICK_SECONDS: "30" } });
  for (const h of hops) await json(await a.admin("POST", "/peers", { url: `http://127.0.0.1:${h.port}` }));
  await eventually(async () => {
    const { peers } = await json<{ peers: { state: string }[] }>(await a.admin("GET", "/peers"));
    expect(peers.filter((p) => p.state === "active")).toHaveLength(hops.length);
  }, 30_000);
}, 90_000);

afterAll(async () => {
  vi.restoreAllMocks();
  await stopAll(all());
});

describe("cover traffic", () => {
  it("sends the configured number per tick along three-hop paths; the last hop answers, drops it, and leaves only a metric", async () => {
    for (const n of names) exchanges.set(n, []);
    const ledgerBefore = await Promise.all(all().map((n) => count(n, "SELECT count(*) FROM ledger_records")));
    const spy = vi.spyOn(console, "log");
    const report = await tick(a);
    const lines = onionLog(spy);
    spy.mockRestore();
    expect(report.cover as CoverTickReport).toEqual({ sent: 3, answered: 3, lost: 0 });

    const onion = [...exchanges.values()].flat();
    // Three packets, three hops each; every request the header plus the bucket, every answer the bucket.
    expect(onion.filter((e) => e.path === "/federation/v1/onion")).toHaveLength(9);
    for (const e of onion) expect(e).toEqual({ path: "/federation/v1/onion", sent: ONION_HEADER_BYTES + BUCKET, status: 200, received: BUCKET });
    // No provider's gateway was asked, no exit logged a hand-over: only the two relaying hops logged.
    expect(lines.filter((l) => l.event === "onion.relayed")).toHaveLength(6);
    expect(lines.filter((l) => l.event !== "onion.relayed")).toEqual([]);
    expect(await Promise.all(all().map((n) => count(n, "SELECT count(*) FROM ledger_records")))).toEqual(ledgerBefore);

    expect(await coverCount(a, "sent")).toBe(3);
    expect(await coverCount(a, "answered")).toBe(3);
    await eventually(async () => expect((await Promise.all(hops.map((h) => coverCount(h, "dropped")))).reduce((x, y) => x + y, 0)).toBe(3));
    // Another tick sends as many again: the rate is per tick period, not a one-off.
    expect((await tick(a)).cover).toEqual({ sent: 3, answered: 3, lost: 0 });
    expect(await coverCount(a, "sent")).toBe(6);
  });

  it("shows the first and second hop the same as a call's packet: size, answer, log line, replay tag", async () => {
    const [h1, h2, h3, gateway] = hops as [InProcessNode, InProcessNode, InProcessNode, InProcessNode];
    const cards = await Promise.all([h1, h2, h3, gateway].map(async (h) => (await (await fetch(`http://127.0.0.1:${h.port}/.well-known/mcpfed`)).json()) as Card));
    const x = xWing(await primitives());
    const key = (c: Card) => x.importPublic(fromBase64url(c.keys.kem[0]!.pub));
    const expires = Math.floor(Date.now() / 1000) + 60;
    const route = (kind: OnionRouting["kind"], c: Card): OnionRouting => ({ kind, delayMs: 0, expires, node: c.id, url: c.url });
    // The same path twice: once to h4's gateway (a call, whose sealed request h4 refuses), once as cover.
    const send = async (last: OnionRouting) => {
      for (const n of names) exchanges.set(n, []);
      const tags = await Promise.all(hops.map((h) => count(h, "SELECT count(*) FROM onion_replay_tags")));
      const built = await buildOnion(
        x,
        [
          { publicKey: await key(cards[0]!), routing: route("relay", cards[1]!) },
          { publicKey: await key(cards[1]!), routing: route("relay", cards[2]!) },
          { publicKey: await key(cards[2]!), routing: last },
        ],
        crypto.getRandomValues(new Uint8Array(last.kind === "cover" ? 0 : 600)),
        { bucket: BUCKET },
      );
      const spy = vi.spyOn(console, "log");
      const res = await fetch(`http://127.0.0.1:${h1.port}/federation/v1/onion`, { method: "POST", headers: { "content-type": "application/mcpfed-onion" }, body: built.packet as Uint8Array<ArrayBuffer> });
      const reply = new Uint8Array(await res.arrayBuffer());
      const lines = onionLog(spy);
      spy.mockRestore();
      const added = (await Promise.all(hops.map((h) => count(h, "SELECT count(*) FROM onion_replay_tags")))).map((n, i) => n - tags[i]!);
      return { status: res.status, content: await openReply(built.keys, reply, BUCKET), seen: new Map(exchanges), lines, added };
    };
    const call = await send(route("exit", cards[3]!));
    const cover = await send(route("cover", cards[2]!));

    expect(call.status).toBe(200);
    expect(cover.status).toBe(200);
    for (const h of ["h1", "h2"]) expect(cover.seen.get(h)).toEqual(call.seen.get(h));
    expect(cover.seen.get("h1")).toEqual([{ path: "/federation/v1/onion", sent: ONION_HEADER_BYTES + BUCKET, status: 200, received: BUCKET }]);
    const relayed = (lines: typeof call.lines) => lines.filter((l) => l.event === "onion.relayed").map(({ bucket, next }) => ({ bucket, next }));
    expect(relayed(cover.lines)).toEqual(relayed(call.lines));
    expect(relayed(cover.lines)).toEqual([{ bucket: BUCKET, next: cards[2]!.id }, { bucket: BUCKET, next: cards[1]!.id }]);
    // Each of the three hops kept one tag either way, so a replayed cover packet is dropped as a call's is.
    expect(cover.added).toEqual([1, 1, 1, 0]);
    expect(call.added).toEqual([1, 1, 1, 0]);

    // Where they part: the call's exit asked h4's gateway and logged it; the cover's last hop did neither.
    expect(call.seen.get("h4")!.map((e) => e.path)).toEqual(["/federation/v1/gateway"]);
    expect(call.lines.map((l) => l.event)).toContain("onion.exited");
    expect(decodeExitAnswer(call.content)).toMatchObject({ error: { code: "gateway_refused" } });
    expect(cover.seen.get("h4")).toEqual([]);
    expect(cover.lines.map((l) => l.event)).not.toContain("onion.exited");
    expect(cover.content).toEqual(new Uint8Array(0));
  });
});
