// The onion vectors (test/vectors/onion.json) on every crypto path: the packet rebuilt byte for
// byte from the fixed randomness, each hop's view (routing, tag, reply key, what it forwards), the
// reply as each hop passes it back, and every refused packet with its code. The symmetric work runs
// on WebCrypto and on node:crypto (what the Node entry point passes in), which must agree byte for byte.
import { sha256 } from "@noble/hashes/sha2.js";
import { describe, expect, it } from "vitest";
import { fromBase64url, toBase64url } from "../../src/protocol/encoding/bytes.ts";
import { xWing } from "../../src/protocol/identity/xwing.ts";
import { OnionError } from "../../src/protocol/routes/onion/errors.ts";
import { hopKeys } from "../../src/protocol/routes/onion/layer-keys.ts";
import { buildOnion, peelOnion } from "../../src/protocol/routes/onion/packet.ts";
import { openReply, sealReply, wrapReply } from "../../src/protocol/routes/onion/reply.ts";
import { decodeRouting, encodeRouting, type OnionRouting } from "../../src/protocol/routes/onion/routing.ts";
import { ONION_BUCKETS, ONION_HEADER_BYTES, type OnionBucket } from "../../src/protocol/routes/onion/sizes.ts";
import { PATHS, vector } from "./paths.ts";
import { buildSurb, decodeSurb, openSurbReply, replyPacket, surbIdOf } from "../../src/protocol/routes/onion/surb.ts";
import { noble } from "../../src/protocol/identity/primitives.ts";
import { webOnionCipher, type OnionCipher } from "../../src/protocol/routes/onion/stream-cipher.ts";
import { nodeOnionCipher } from "../../src/runtimes/node-onion-cipher.ts";

interface OnionVectors {
  now: number;
  hopSeeds: string[];
  eseeds: string[];
  routings: OnionRouting[];
  content: string;
  bucket: OnionBucket;
  packet: string;
  hops: { sharedSecret: string; receivedSha256: string; routing: OnionRouting; tag: string; replyKey: string; nextSha256?: string; content?: string }[];
  reply: { content: string; atExit: string; atHopTwo: string; atHopOne: string };
  negatives: { name: string; hop: number; now: number; packet: string; code: string }[];
  replyNegatives: { name: string; reply: string; code: string }[];
  cover: { routing: OnionRouting; packet: string; lastReceivedSha256: string; atLast: string; atHopOne: string; unknownKindRouting: { routing: string; code: string } };
  surb: {
    first: OnionRouting;
    routings: OnionRouting[];
    id: string;
    key: string;
    tail: string;
    eseeds: string[];
    surb: string;
    secrets: string;
    answer: string;
    replyAtExit: string;
    hops: { receivedSha256: string; routing: OnionRouting; tag: string }[];
    delivered: string;
    negatives: { name: string; at: string; packet: string; code: string }[];
  };
}

const v = vector<OnionVectors>("onion.json");
const b = fromBase64url;
const b64 = toBase64url;

async function refusal(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
    return "accepted";
  } catch (err) {
    if (err instanceof OnionError) return err.code;
    throw err;
  }
}

it("a 3-hop header is at most 6 KiB and every packet is a bucket", () => {
  expect(ONION_HEADER_BYTES).toBeLessThanOrEqual(6 * 1024);
  expect(ONION_BUCKETS).toContain(v.bucket);
  expect(b(v.packet).length).toBe(ONION_HEADER_BYTES + v.bucket);
});

it("rebuilds the packet byte for byte from the fixed randomness (noble: the only path that takes it)", async () => {
  const x = xWing(noble);
  const keys = await Promise.all(v.hopSeeds.map((s) => x.fromSeed(b(s))));
  const hops = await Promise.all(v.routings.map(async (routing, i) => ({ routing, publicKey: await x.importPublic(keys[i]!.publicKey) })));
  const built = await buildOnion(x, hops, b(v.content), { eseeds: v.eseeds.map(b) });
  expect(b64(built.packet)).toBe(v.packet);
  expect(built.sharedSecrets.map(b64)).toEqual(v.hops.map((h) => h.sharedSecret));
});

it("routing information round-trips and refuses what is not canonical", () => {
  for (const r of v.routings) expect(decodeRouting(encodeRouting(r))).toEqual(r);
  const trailing = encodeRouting(v.routings[0]!);
  trailing[383] = 1;
  expect(() => decodeRouting(trailing)).toThrow(OnionError);
  const badKind = encodeRouting(v.routings[0]!);
  badKind[0] = 9;
  expect(() => decodeRouting(badKind)).toThrow(OnionError);
  expect(decodeRouting(encodeRouting(v.cover.routing))).toEqual(v.cover.routing);
  expect(() => decodeRouting(b(v.cover.unknownKindRouting.routing))).toThrow(expect.objectContaining({ code: v.cover.unknownKindRouting.code }));
});

it("rebuilds the cover packet byte for byte: the call's hops and randomness, the last routing cover (§14.10)", async () => {
  const x = xWing(noble);
  const keys = await Promise.all(v.hopSeeds.map((s) => x.fromSeed(b(s))));
  const routings = [v.routings[0]!, v.routings[1]!, v.cover.routing];
  const hops = await Promise.all(routings.map(async (routing, i) => ({ routing, publicKey: await x.importPublic(keys[i]!.publicKey) })));
  const built = await buildOnion(x, hops, new Uint8Array(0), { eseeds: v.eseeds.map(b), bucket: v.bucket });
  expect(b64(built.packet)).toBe(v.cover.packet);
  expect(b64(await openReply(built.keys, b(v.cover.atHopOne), v.bucket))).toBe("");
});

const CIPHERS: [string, OnionCipher][] = [
  [webOnionCipher.impl, webOnionCipher],
  [nodeOnionCipher.impl, nodeOnionCipher],
];

it.each(CIPHERS)("the %s streams and hash are AES-256-CTR from a zero counter and SHA-256, at any length", async (_name, cipher) => {
  const key = Uint8Array.from({ length: 32 }, (_, i) => i * 7 + 1);
  for (const length of [0, 1, 15, 16, 17, 2048, ONION_HEADER_BYTES + 16 * 1024]) {
    const data = Uint8Array.from({ length }, (_, i) => (i * 31 + 5) & 0xff);
    const streamed = await cipher.xorStream(key, data);
    // Against the other implementation, and back: the stream is its own inverse.
    expect(b64(streamed)).toBe(b64(await CIPHERS.find(([n]) => n !== cipher.impl)![1].xorStream(key, data)));
    expect(await cipher.xorStream(key, streamed)).toEqual(data);
    expect(b64(await cipher.sha256(data))).toBe(b64(sha256(data)));
  }
});

it.each(CIPHERS)("builds the packet byte for byte with the %s streams", async (_name, cipher) => {
  const x = xWing(noble);
  const keys = await Promise.all(v.hopSeeds.map((s) => x.fromSeed(b(s))));
  const hops = await Promise.all(v.routings.map(async (routing, i) => ({ routing, publicKey: await x.importPublic(keys[i]!.publicKey) })));
  const built = await buildOnion(x, hops, b(v.content), { eseeds: v.eseeds.map(b), cipher });
  expect(b64(built.packet)).toBe(v.packet);
});

describe.each(PATHS.flatMap(([name, p]) => CIPHERS.map(([c, cipher]) => [`${name}, ${c} streams`, p, cipher] as const)))("onion on %s", (_name, primitives, cipher) => {
  const x = xWing(primitives);
  const keys = Promise.all(v.hopSeeds.map((s) => x.fromSeed(b(s))));

  it("a cover packet shows hops 1 and 2 the call's routing and tags; its last hop finds cover, no content, and answers as the vectors say", async () => {
    const k = await keys;
    let packet: Uint8Array = b(v.cover.packet);
    for (const i of [0, 1]) {
      const view = await peelOnion(x, k[i]!.privateKey, packet, v.now, cipher);
      expect(view.routing).toEqual(v.hops[i]!.routing);
      expect(b64(view.keys.tag)).toBe(v.hops[i]!.tag);
      expect(view.next!.length).toBe(packet.length);
      packet = view.next!;
    }
    expect(b64(sha256(packet))).toBe(v.cover.lastReceivedSha256);
    const last = await peelOnion(x, k[2]!.privateKey, packet, v.now, cipher);
    expect(last.routing).toEqual(v.cover.routing);
    expect(last.content).toEqual(new Uint8Array(0));
    expect(b64(await sealReply(last.keys, new Uint8Array(0), v.bucket, cipher))).toBe(v.cover.atLast);
  });

  it("each hop sees only its own routing and forwards what the vectors say", async () => {
    const k = await keys;
    let packet: Uint8Array = b(v.packet);
    for (const [i, hop] of v.hops.entries()) {
      expect(b64(sha256(packet))).toBe(hop.receivedSha256);
      const view = await peelOnion(x, k[i]!.privateKey, packet, v.now, cipher);
      expect(view.routing).toEqual(hop.routing);
      expect(b64(view.keys.tag)).toBe(hop.tag);
      expect(b64(view.keys.reply)).toBe(hop.replyKey);
      if (hop.nextSha256) {
        expect(view.next!.length).toBe(packet.length);
        expect(b64(sha256(view.next!))).toBe(hop.nextSha256);
        packet = view.next!;
      } else {
        expect(b64(view.content!)).toBe(hop.content);
        expect(view.content).toEqual(b(v.content));
      }
    }
  });

  it("the reply is layered hop by hop and opens at the sender", async () => {
    const keys3 = v.hops.map((h) => hopKeys(b(h.sharedSecret)));
    expect(b64(await sealReply(keys3[2]!, b(v.reply.content), v.bucket, cipher))).toBe(v.reply.atExit);
    expect(b64(await wrapReply(keys3[1]!, b(v.reply.atExit), v.bucket, cipher))).toBe(v.reply.atHopTwo);
    expect(b64(await wrapReply(keys3[0]!, b(v.reply.atHopTwo), v.bucket, cipher))).toBe(v.reply.atHopOne);
    expect(b64(await openReply(keys3, b(v.reply.atHopOne), v.bucket, cipher))).toBe(v.reply.content);
  });

  it.each(v.negatives)("refuses: $name ($code)", async (n) => {
    const k = await keys;
    expect(await refusal(() => peelOnion(x, k[n.hop - 1]!.privateKey, b(n.packet), n.now, cipher))).toBe(n.code);
  });

  it.each(v.replyNegatives)("the sender refuses a reply: $name", async (n) => {
    const keys3 = v.hops.map((h) => hopKeys(b(h.sharedSecret)));
    expect(await refusal(() => openReply(keys3, b(n.reply), v.bucket, cipher))).toBe(n.code);
  });
});

describe("a single-use reply block (§14.6)", () => {
  const x = xWing(noble);
  const keys = Promise.all(v.hopSeeds.map((s) => x.fromSeed(b(s))));
  const entry = { secrets: b(v.surb.secrets), answered: false };

  it("is rebuilt byte for byte from the fixed randomness, and the exit's reply packet from it", async () => {
    const k = await keys;
    const hops = await Promise.all(v.surb.routings.map(async (routing, i) => ({ routing, publicKey: await x.importPublic(k[i]!.publicKey) })));
    const built = await buildSurb(x, { first: v.surb.first, hops, id: b(v.surb.id), key: b(v.surb.key), tail: b(v.surb.tail), eseeds: v.surb.eseeds.map(b) });
    expect(b64(built.surb)).toBe(v.surb.surb);
    expect(b64(built.secrets)).toBe(v.surb.secrets);
    expect(b64(await replyPacket(decodeSurb(built.surb), b(v.surb.answer), v.bucket))).toBe(v.surb.replyAtExit);
  });

  it("each reply hop sees a reply packet, its routing and tag; the owner finds the id and opens the answer", async () => {
    const k = await keys;
    let packet: Uint8Array = b(v.surb.replyAtExit);
    for (const [i, hop] of v.surb.hops.entries()) {
      expect(b64(sha256(packet))).toBe(hop.receivedSha256);
      const view = await peelOnion(x, k[i]!.privateKey, packet, v.now);
      expect(view.reply).toBe(true);
      expect(view.routing).toEqual(hop.routing);
      expect(b64(view.keys.tag)).toBe(hop.tag);
      packet = view.next!;
    }
    expect(b64(packet)).toBe(v.surb.delivered);
    expect(surbIdOf(packet)).toBe(v.surb.id);
    expect(b64(await openSurbReply(entry, packet))).toBe(v.surb.answer);
  });

  it.each(v.surb.negatives)("refuses: $name ($code at $at)", async (n) => {
    const k = await keys;
    const run = n.at === "hop 1" ? () => peelOnion(x, k[0]!.privateKey, b(n.packet), v.now) : () => openSurbReply(n.at === "owner (no entry)" ? undefined : { ...entry, answered: n.at === "owner (answered)" }, b(n.packet));
    expect(await refusal(run)).toBe(n.code);
  });
});
