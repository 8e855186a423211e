// One onion hop's whole request (issue 15), this checkout against another (a worktree of main),
// interleaved in one run so the machine's load falls on both alike. Each side is one node process
// that is all three hops of every packet: the bench builds a packet whose three layers are all
// sealed to that node (relay to itself, relay to itself, cover), posts it, and checks the empty
// reply; the node peels, records the tag, forwards to itself over HTTP twice and answers as a
// cover packet's last hop. Its process CPU over a batch, divided by packets × 3, is a hop's CPU
// (without the exit's request to a gateway). Batches alternate between the sides, the order
// flipping each round; medians over rounds.
//
//   HOP_BASELINE_ROOT=<checkout> npx tsx scripts/bench/onion-hop.ts
//   HOP_PACKETS (100) per batch, HOP_ROUNDS (6), HOP_BUCKET (16384); BENCH_NODE runs the nodes on
//   another binary (tools/node_modules/.bin/node: Node 24)
import { execFileSync } from "node:child_process";
import { loadavg } from "node:os";
import { fromBase64url } from "../../src/protocol/encoding/bytes.ts";
import { noble, primitives } from "../../src/protocol/identity/primitives.ts";
import { xWing } from "../../src/protocol/identity/xwing.ts";
import { CARD_PATH } from "../../src/protocol/card/schema.ts";
import { verifyCard } from "../../src/protocol/card/verify.ts";
import { buildOnion } from "../../src/protocol/routes/onion/packet.ts";
import { openReply } from "../../src/protocol/routes/onion/reply.ts";
import type { OnionRouting } from "../../src/protocol/routes/onion/routing.ts";
import { ONION_MEDIA_TYPE, type OnionBucket } from "../../src/protocol/routes/onion/sizes.ts";
import { freePort, type NodeProc } from "../../test/support/processes.ts";
import { fmt, intEnv, machine, median, table } from "./lib.ts";
import { cpuMsOf, startBenchNode } from "./node-process.ts";

const PACKETS = intEnv("HOP_PACKETS", 100);
const ROUNDS = intEnv("HOP_ROUNDS", 6);
const BUCKET = intEnv("HOP_BUCKET", 16384) as OnionBucket;
const baseline = process.env.HOP_BASELINE_ROOT;
if (!baseline) throw new Error("HOP_BASELINE_ROOT: the checkout to compare with (e.g. a worktree of main)");

const x = xWing(await primitives());

async function startHop(name: string, root?: string): Promise<NodeProc> {
  const port = await freePort();
  return startBenchNode({
    port,
    ...(root ? { root } : {}),
    ...(process.env.BENCH_NODE ? { node: process.env.BENCH_NODE } : {}),
    env: { NODE_NAME: name, PUBLIC_URL: `http://127.0.0.1:${port}`, ROUTES_OFFER: "hop,exit", ROUTE_RATE_LIMITS: "hop:1000000,exit:1000000", GATEWAY_ANSWER_FLOOR_MS: "0" },
  });
}

/** Sends `count` packets through `node` three times over; throws unless every reply opens empty. */
async function sendThrough(node: NodeProc, count: number): Promise<void> {
  const raw = (await (await fetch(new URL(CARD_PATH, node.url))).json()) as unknown;
  const { card } = await verifyCard(raw, { primitives: noble, now: Math.floor(Date.now() / 1000), skew: 60 });
  const publicKey = await x.importPublic(fromBase64url(card.keys.kem[0]!.pub));
  for (let i = 0; i < count; i++) {
    const expires = Math.floor(Date.now() / 1000) + 120;
    const to = (kind: OnionRouting["kind"]): OnionRouting => ({ kind, delayMs: 0, expires, node: card.id, url: card.url });
    const built = await buildOnion(x, [{ publicKey, routing: to("relay") }, { publicKey, routing: to("relay") }, { publicKey, routing: to("cover") }], new Uint8Array(0), { bucket: BUCKET });
    const res = await fetch(new URL("/federation/v1/onion", node.url), { method: "POST", headers: { "content-type": ONION_MEDIA_TYPE }, body: built.packet as Uint8Array<ArrayBuffer> });
    if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
    const reply = await openReply(built.keys, new Uint8Array(await res.arrayBuffer()), BUCKET);
    if (reply.length !== 0) throw new Error("a cover reply that is not empty");
  }
}

const nodeVersion = execFileSync(process.env.BENCH_NODE ?? process.execPath, ["--version"], { encoding: "utf8" }).trim();
console.log(`# onion hop, interleaved\n\n${machine()}; the nodes on Node ${nodeVersion}; bucket ${BUCKET}; load ${loadavg().map((l) => l.toFixed(2)).join(" ")} at the start\n`);
const sides: [string, NodeProc][] = [
  ["baseline", await startHop("hop-baseline", baseline)],
  ["this checkout", await startHop("hop-branch")],
];
try {
  for (const [, n] of sides) await sendThrough(n, 20); // warm-up: cards, statements, JIT
  const perHop = new Map<string, number[]>(sides.map(([k]) => [k, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [label, n] of round % 2 ? [...sides].reverse() : sides) {
      const before = cpuMsOf(n.child.pid!);
      await sendThrough(n, PACKETS);
      perHop.get(label)!.push((cpuMsOf(n.child.pid!) - before) / (PACKETS * 3));
    }
  }
  const base = median(perHop.get("baseline")!);
  console.log(`${PACKETS} packets × ${ROUNDS} rounds per side, each packet three hops at one node; CPU ms per hop (process CPU / packets / 3), median over rounds\n`);
  console.log(table(["side", "CPU per hop", "rounds", "ratio"], sides.map(([k]) => {
    const xs = perHop.get(k)!;
    return [k, fmt(median(xs)), xs.map((v) => fmt(v)).join(", "), fmt(median(xs) / base)];
  })));
  console.log(`\nload ${loadavg().map((l) => l.toFixed(2)).join(" ")} at the end`);
} finally {
  await Promise.all(sides.map(([, n]) => n.stop()));
}
