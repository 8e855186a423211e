// Onion packets (docs/protocol.md §14): a 3-hop packet built with fixed encapsulation randomness,
// what each hop sees and derives, the reply as each hop passes it back, and packets each hop
// refuses with the code it gives; a single-use reply block through the same hops (§14.6). Every expectation is checked against the code as it is written.
import { sha256 } from "@noble/hashes/sha2.js";
import { utf8 } from "../../src/protocol/encoding/bytes.ts";
import { xWing } from "../../src/protocol/identity/xwing.ts";
import { OnionError } from "../../src/protocol/routes/onion/errors.ts";
import { buildOnion, peelOnion, peelWithSecret, type OnionHop } from "../../src/protocol/routes/onion/packet.ts";
import { openReply, sealReply, wrapReply } from "../../src/protocol/routes/onion/reply.ts";
import { decodeRouting, encodeRouting, type OnionRouting } from "../../src/protocol/routes/onion/routing.ts";
import { ONION_HEADER_BYTES } from "../../src/protocol/routes/onion/sizes.ts";
import { buildSurb, decodeSurb, openSurbReply, replyPacket, surbIdOf } from "../../src/protocol/routes/onion/surb.ts";
import { XWING_ENC_BYTES } from "../../src/protocol/identity/xwing.ts";
import { agree, b64, counting, p, write } from "./common.ts";

const NOW = 1_767_225_700;
const EXPIRES = NOW + 300;

async function code(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
    return "accepted";
  } catch (err) {
    if (err instanceof OnionError) return err.code;
    throw err;
  }
}

const flip = (bytes: Uint8Array, at: number) => {
  const out = bytes.slice();
  out[at]! ^= 0x01;
  return out;
};

export async function onionVectors(): Promise<void> {
  const x = xWing(p);
  const seeds = [counting(0x11), counting(0x22), counting(0x33)];
  const hopKeys = await Promise.all(seeds.map((s) => x.fromSeed(s)));
  const routings: OnionRouting[] = [
    { kind: "relay", delayMs: 0, expires: EXPIRES, node: "hop-two.example", url: "https://hop-two.example" },
    { kind: "relay", delayMs: 250, expires: EXPIRES, node: "exit.example", url: "https://exit.example" },
    { kind: "exit", delayMs: 0, expires: EXPIRES, node: "provider.example", url: "https://provider.example" },
  ];
  const hops: OnionHop[] = await Promise.all(routings.map(async (routing, i) => ({ routing, publicKey: await x.importPublic(hopKeys[i]!.publicKey) })));
  const eseeds = [counting(0x40, 64), counting(0x80, 64), counting(0xc0, 64)];
  const content = utf8("an OHTTP request for the provider's gateway");
  const built = await buildOnion(x, hops, content, { eseeds });

  const views = [];
  let packet = built.packet;
  const received: Uint8Array[] = [];
  const peeled = [];
  for (let i = 0; i < 3; i++) {
    received.push(packet);
    const view = await peelOnion(x, hopKeys[i]!.privateKey, packet, NOW);
    agree(`hop ${i + 1} routing`, routings[i], view.routing);
    peeled.push(view);
    views.push({
      sharedSecret: b64(built.sharedSecrets[i]!),
      receivedSha256: b64(sha256(packet)),
      routing: view.routing,
      tag: b64(view.keys.tag),
      replyKey: b64(view.keys.reply),
      ...(view.next ? { nextSha256: b64(sha256(view.next)) } : { content: b64(view.content!) }),
    });
    if (view.next) packet = view.next;
  }
  agree("exit content", b64(content), b64(peeled[2]!.content!));

  const answer = utf8("an OHTTP response from the gateway");
  const atExit = await sealReply(peeled[2]!.keys, answer, built.bucket);
  const atTwo = await wrapReply(peeled[1]!.keys, atExit, built.bucket);
  const atOne = await wrapReply(peeled[0]!.keys, atTwo, built.bucket);
  agree("reply opens", b64(answer), b64(await openReply(built.keys, atOne, built.bucket)));

  // Each refused packet: which hop gets it, the bytes (or how they are made) and the code.
  const refused = [
    { name: "header byte changed", hop: 1, packet: flip(built.packet, ONION_HEADER_BYTES - 10), now: NOW },
    { name: "MAC byte changed", hop: 1, packet: flip(built.packet, 1130), now: NOW },
    { name: "KEM ciphertext byte changed", hop: 1, packet: flip(built.packet, 5), now: NOW },
    { name: "payload byte changed", hop: 1, packet: flip(built.packet, ONION_HEADER_BYTES + 100), now: NOW },
    { name: "payload changed by hop 1 before hop 2", hop: 2, packet: flip(received[1]!, ONION_HEADER_BYTES + 7), now: NOW },
    { name: "header changed by hop 2 before the exit", hop: 3, packet: flip(received[2]!, 2000), now: NOW },
    { name: "packet for hop 1 given to hop 2 (wrong hop key)", hop: 2, packet: built.packet, now: NOW },
    { name: "one byte short", hop: 1, packet: built.packet.subarray(0, built.packet.length - 1), now: NOW },
    { name: "header only", hop: 1, packet: built.packet.subarray(0, ONION_HEADER_BYTES), now: NOW },
    { name: "expired", hop: 1, packet: built.packet, now: EXPIRES + 1 },
    { name: "all zero bytes (no usable X25519 point)", hop: 1, packet: new Uint8Array(built.packet.length), now: NOW },
  ];
  const expected: Record<string, string> = {
    "header byte changed": "bad_mac",
    "MAC byte changed": "bad_mac",
    "KEM ciphertext byte changed": "bad_mac",
    "payload byte changed": "bad_mac",
    "payload changed by hop 1 before hop 2": "bad_mac",
    "header changed by hop 2 before the exit": "bad_mac",
    "packet for hop 1 given to hop 2 (wrong hop key)": "bad_mac",
    "one byte short": "wrong_size",
    "header only": "wrong_size",
    expired: "expired",
    "all zero bytes (no usable X25519 point)": "bad_kem",
  };
  const negatives = [];
  for (const r of refused) {
    const got = await code(() => peelOnion(x, hopKeys[r.hop - 1]!.privateKey, r.packet, r.now));
    agree(r.name, expected[r.name], got);
    negatives.push({ name: r.name, hop: r.hop, now: r.now, packet: b64(r.packet), code: got });
  }
  const badReplies = [
    { name: "reply byte changed on the way back", reply: flip(atOne, 30) },
    { name: "reply MAC changed", reply: flip(atOne, built.bucket - 1) },
    { name: "reply one byte short", reply: atOne.subarray(1) },
  ];
  const replyNegatives = [];
  for (const r of badReplies) {
    const got = await code(() => openReply(built.keys, r.reply, built.bucket));
    agree(r.name, "bad_reply", got);
    replyNegatives.push({ name: r.name, reply: b64(r.reply), code: got });
  }
  // A hop that knows only the secret of another packet learns nothing: the same check fails.
  agree("foreign secret", "bad_mac", await code(() => peelWithSecret(built.sharedSecrets[1]!, built.packet, NOW)));

  // Cover (§14.10): the same hops and randomness, the last routing "cover". Hops 1 and 2 find what
  // they found in the call's packet; the last finds "cover" and no content, and answers empty.
  const coverRouting: OnionRouting = { kind: "cover", delayMs: 0, expires: EXPIRES, node: "exit.example", url: "https://exit.example" };
  const coverBuilt = await buildOnion(x, [...hops.slice(0, 2), { ...hops[2]!, routing: coverRouting }], new Uint8Array(0), { eseeds, bucket: built.bucket });
  let coverPacket = coverBuilt.packet;
  for (let i = 0; i < 2; i++) {
    const view = await peelOnion(x, hopKeys[i]!.privateKey, coverPacket, NOW);
    agree(`cover hop ${i + 1} routing`, routings[i], view.routing);
    agree(`cover hop ${i + 1} tag`, views[i]!.tag, b64(view.keys.tag));
    coverPacket = view.next!;
  }
  const coverLast = await peelOnion(x, hopKeys[2]!.privateKey, coverPacket, NOW);
  agree("cover last routing", coverRouting, coverLast.routing);
  agree("cover content", "", b64(coverLast.content!));
  const coverAnswer = await sealReply(coverLast.keys, new Uint8Array(0), coverBuilt.bucket);
  const coverBack = await wrapReply(peeled[0]!.keys, await wrapReply(peeled[1]!.keys, coverAnswer, coverBuilt.bucket), coverBuilt.bucket);
  agree("cover reply opens empty", "", b64(await openReply(coverBuilt.keys, coverBack, coverBuilt.bucket)));
  const unknownKind = encodeRouting(coverRouting);
  unknownKind[0] = 9;
  agree("routing kind 9", "bad_routing", await code(async () => decodeRouting(unknownKind)));

  // A single-use reply block (§14.6) through the same three hops as reply hops, delivering to its owner.
  const surbRoutings: OnionRouting[] = [
    { kind: "relay", delayMs: 0, expires: EXPIRES, node: "hop-two.example", url: "https://hop-two.example" },
    { kind: "relay", delayMs: 0, expires: EXPIRES, node: "exit.example", url: "https://exit.example" },
    { kind: "deliver", delayMs: 0, expires: EXPIRES, node: "owner.example", url: "https://owner.example" },
  ];
  const surbFirst: OnionRouting = { kind: "relay", delayMs: 0, expires: EXPIRES, node: "hop-one.example", url: "https://hop-one.example" };
  const surbFixed = { id: counting(0x50, 32), key: counting(0x70, 32), tail: counting(0x90, XWING_ENC_BYTES), eseeds: [counting(0x41, 64), counting(0x81, 64), counting(0xc1, 64)] };
  const surb = await buildSurb(x, { first: surbFirst, hops: surbRoutings.map((routing, i) => ({ routing, publicKey: hops[i]!.publicKey })), ...surbFixed });
  const surbAnswer = utf8("the exit's answer, sealed under the block's key");
  const replyAtExit = await replyPacket(decodeSurb(surb.surb), surbAnswer, built.bucket);
  let replyOnWay = replyAtExit;
  const replyHops = [];
  for (let i = 0; i < 3; i++) {
    const view = await peelOnion(x, hopKeys[i]!.privateKey, replyOnWay, NOW);
    agree(`reply hop ${i + 1} routing`, surbRoutings[i], view.routing);
    agree(`reply hop ${i + 1} sees a reply`, true, view.reply);
    replyHops.push({ receivedSha256: b64(sha256(replyOnWay)), routing: view.routing, tag: b64(view.keys.tag) });
    replyOnWay = view.next!;
  }
  agree("delivered id", surb.id, surbIdOf(replyOnWay));
  const entry = { secrets: surb.secrets, answered: false };
  agree("owner opens", b64(surbAnswer), b64(await openSurbReply(entry, replyOnWay)));
  let tamperedPayload: Uint8Array = flip(replyAtExit, ONION_HEADER_BYTES + 50);
  for (let i = 0; i < 3; i++) tamperedPayload = (await peelOnion(x, hopKeys[i]!.privateKey, tamperedPayload, NOW)).next!;
  const surbNegatives = [
    { name: "reply header changed before the first reply hop", at: "hop 1", packet: flip(replyAtExit, 3000), code: await code(() => peelOnion(x, hopKeys[0]!.privateKey, flip(replyAtExit, 3000), NOW)) },
    { name: "reply payload changed before the first reply hop", at: "owner", packet: tamperedPayload, code: await code(() => openSurbReply(entry, tamperedPayload)) },
    { name: "block already answered (replayed)", at: "owner (answered)", packet: replyOnWay, code: await code(() => openSurbReply({ ...entry, answered: true }, replyOnWay)) },
    { name: "block unknown to the owner", at: "owner (no entry)", packet: replyOnWay, code: await code(() => openSurbReply(undefined, replyOnWay)) },
  ];
  agree("surb negatives", ["bad_mac", "bad_reply", "surb_replayed", "surb_unknown"], surbNegatives.map((n) => n.code));

  write("onion.json", {
    about: "Onion packets (docs/protocol.md §14). X-Wing seeds per hop; eseeds fix each encapsulation. Bytes are base64url.",
    now: NOW,
    hopSeeds: seeds.map(b64),
    eseeds: eseeds.map(b64),
    routings,
    content: b64(content),
    bucket: built.bucket,
    packet: b64(built.packet),
    hops: views,
    reply: { content: b64(answer), atExit: b64(atExit), atHopTwo: b64(atTwo), atHopOne: b64(atOne) },
    negatives,
    replyNegatives,
    cover: {
      routing: coverRouting,
      packet: b64(coverBuilt.packet),
      lastReceivedSha256: b64(sha256(coverPacket)),
      atLast: b64(coverAnswer),
      atHopOne: b64(coverBack),
      unknownKindRouting: { routing: b64(unknownKind), code: "bad_routing" },
    },
    surb: {
      first: surbFirst,
      routings: surbRoutings,
      id: surb.id,
      key: b64(surbFixed.key),
      tail: b64(surbFixed.tail),
      eseeds: surbFixed.eseeds.map(b64),
      surb: b64(surb.surb),
      secrets: b64(surb.secrets),
      answer: b64(surbAnswer),
      replyAtExit: b64(replyAtExit),
      hops: replyHops,
      delivered: b64(replyOnWay),
      negatives: surbNegatives.map((n) => ({ ...n, packet: b64(n.packet) })),
    },
  });
}
