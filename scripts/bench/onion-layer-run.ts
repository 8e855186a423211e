// One runtime's cost of processing one onion layer (scripts/bench/onion.ts runs it per runtime):
// X-Wing decapsulation, the MAC over header and payload hash, the header and payload streams,
// for each bucket; and a reply layer. Prints one JSON line. MCPFED_ONION_NOBLE=1 forces noble;
// the streams and hash are node:crypto's (what the Node entry point passes in) unless
// MCPFED_ONION_CIPHER=webcrypto.
import { describe, noble, primitives } from "../../src/protocol/identity/primitives.ts";
import { xWing } from "../../src/protocol/identity/xwing.ts";
import { buildOnion, peelOnion } from "../../src/protocol/routes/onion/packet.ts";
import { wrapReply } from "../../src/protocol/routes/onion/reply.ts";
import { ONION_BUCKETS, ONION_HEADER_BYTES } from "../../src/protocol/routes/onion/sizes.ts";
import { webOnionCipher } from "../../src/protocol/routes/onion/stream-cipher.ts";
import { nodeOnionCipher } from "../../src/runtimes/node-onion-cipher.ts";

const p = process.env.MCPFED_ONION_NOBLE === "1" ? noble : await primitives();
const x = xWing(p);
const cipher = process.env.MCPFED_ONION_CIPHER === "webcrypto" ? webOnionCipher : nodeOnionCipher;
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 200);
const keys = await Promise.all([1, 2, 3].map((i) => x.fromSeed(new Uint8Array(32).fill(i))));
const pubs = await Promise.all(keys.map((k) => x.importPublic(k.publicKey)));
const routing = (kind: "relay" | "exit", node: string) => ({ kind, delayMs: 0, expires: 4_000_000_000, node, url: `https://${node}.example` });
const hops = [
  { publicKey: pubs[0]!, routing: routing("relay", "two") },
  { publicKey: pubs[1]!, routing: routing("relay", "three") },
  { publicKey: pubs[2]!, routing: routing("exit", "provider") },
];

/** CPU ms (user + system) per call of `run`, after a warm-up. */
async function cpuPer(run: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 20; i++) await run();
  const start = process.cpuUsage();
  for (let i = 0; i < ITERATIONS; i++) await run();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000 / ITERATIONS;
}

const perBucket: Record<string, { relayLayerMs: number; replyLayerMs: number; buildMs: number }> = {};
for (const bucket of ONION_BUCKETS) {
  const built = await buildOnion(x, hops, new Uint8Array(bucket - 64), { bucket, cipher });
  const reply = new Uint8Array(bucket);
  perBucket[bucket] = {
    relayLayerMs: await cpuPer(() => peelOnion(x, keys[0]!.privateKey, built.packet, 0, cipher)),
    replyLayerMs: await cpuPer(() => wrapReply(built.keys[0]!, reply, bucket, cipher)),
    buildMs: await cpuPer(() => buildOnion(x, hops, new Uint8Array(bucket - 64), { bucket, cipher })),
  };
}
console.log(JSON.stringify({ runtime: `Node ${process.versions.node}`, crypto: `${describe(p)}; streams ${cipher.impl}`, headerBytes: ONION_HEADER_BYTES, perBucket }));
