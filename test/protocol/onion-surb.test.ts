// Single-use reply blocks on the wire (docs/protocol.md §14.6): a block built by the owner, used by
// an exit, peeled by three reply hops with the forward packet's own code, opened by the owner; and
// what each party refuses: a changed header (the first reply hop), a changed payload (the owner),
// a replayed or unknown block (the owner), a reply packet posing as a forward one and back.
import { describe, expect, it } from "vitest";
import { concat, utf8 } from "../../src/protocol/encoding/bytes.ts";
import { noble } from "../../src/protocol/identity/primitives.ts";
import { xWing } from "../../src/protocol/identity/xwing.ts";
import { OnionError } from "../../src/protocol/routes/onion/errors.ts";
import { buildOnion, peelOnion } from "../../src/protocol/routes/onion/packet.ts";
import type { OnionRouting } from "../../src/protocol/routes/onion/routing.ts";
import { buildSurb, decodeSurb, openSurbReply, replyPacket, splitSurbContent, SURB_BYTES, surbIdOf } from "../../src/protocol/routes/onion/surb.ts";
import { ONION_HEADER_BYTES } from "../../src/protocol/routes/onion/sizes.ts";

const x = xWing(noble);
const NOW = 1_767_225_700;
const EXPIRES = NOW + 120;
const at = (kind: OnionRouting["kind"], node: string): OnionRouting => ({ kind, delayMs: 0, expires: EXPIRES, node, url: `https://${node}` });

async function setup() {
  const keys = await Promise.all([1, 2, 3].map(() => x.fromSeed(crypto.getRandomValues(new Uint8Array(32)))));
  const pubs = await Promise.all(keys.map((k) => x.importPublic(k.publicKey)));
  const built = await buildSurb(x, {
    first: at("relay", "r1.example"),
    hops: [
      { publicKey: pubs[0]!, routing: at("relay", "r2.example") },
      { publicKey: pubs[1]!, routing: at("relay", "r3.example") },
      { publicKey: pubs[2]!, routing: at("deliver", "owner.example") },
    ],
  });
  return { keys, pubs, built };
}

/** The code of the OnionError `run` throws. */
const refusal = (run: () => Promise<unknown>) => run().then(
  () => "accepted",
  (err: unknown) => (err instanceof OnionError ? err.code : Promise.reject(err)),
);

describe("a single-use reply block", () => {
  it("carries the answer through three reply hops to its owner, each hop seeing a packet of the forward size", async () => {
    const { keys, built } = await setup();
    expect(built.surb.length).toBe(SURB_BYTES);
    const surb = decodeSurb(built.surb);
    expect(surb.first).toEqual(at("relay", "r1.example"));
    const answer = utf8("the gateway's answer");
    let packet = await replyPacket(surb, answer, 16384);
    expect(packet.length).toBe(ONION_HEADER_BYTES + 16384);
    const seen = [];
    for (const k of keys) {
      const view = await peelOnion(x, k.privateKey, packet, NOW);
      expect(view.reply).toBe(true);
      expect(view.next!.length).toBe(packet.length);
      // Each hop's payload layer changes every payload byte range an observer could match.
      expect(view.next!.subarray(ONION_HEADER_BYTES, ONION_HEADER_BYTES + 64)).not.toEqual(packet.subarray(ONION_HEADER_BYTES, ONION_HEADER_BYTES + 64));
      seen.push(view.routing);
      packet = view.next!;
    }
    expect(seen.map((r) => [r.kind, r.node])).toEqual([
      ["relay", "r2.example"],
      ["relay", "r3.example"],
      ["deliver", "owner.example"],
    ]);
    expect(surbIdOf(packet)).toBe(built.id);
    expect(await openSurbReply({ secrets: built.secrets, answered: false }, packet)).toEqual(answer);
    expect(await refusal(() => openSurbReply({ secrets: built.secrets, answered: true }, packet))).toBe("surb_replayed");
    expect(await refusal(() => openSurbReply(undefined, packet))).toBe("surb_unknown");
  });

  it("is refused by the first reply hop when its header changed, and by its owner when the payload changed", async () => {
    const { keys, built } = await setup();
    const surb = decodeSurb(built.surb);
    const packet = await replyPacket(surb, utf8("answer"), 16384);
    const headerFlipped = packet.slice();
    headerFlipped[ONION_HEADER_BYTES - 5]! ^= 1;
    expect(await refusal(() => peelOnion(x, keys[0]!.privateKey, headerFlipped, NOW))).toBe("bad_mac");

    // The header MAC does not cover the payload: a changed payload passes the hops, and the exit's MAC catches it at the owner.
    let changed: Uint8Array = packet.slice();
    changed[ONION_HEADER_BYTES + 40]! ^= 1;
    for (const k of keys) changed = (await peelOnion(x, k.privateKey, changed, NOW)).next!;
    expect(await refusal(() => openSurbReply({ secrets: built.secrets, answered: false }, changed))).toBe("bad_reply");

    // A block whose key was changed seals an answer its owner cannot open.
    const wrongKey = built.surb.slice();
    wrongKey[SURB_BYTES - 1]! ^= 1;
    let other = await replyPacket(decodeSurb(wrongKey), utf8("answer"), 16384);
    for (const k of keys) other = (await peelOnion(x, k.privateKey, other, NOW)).next!;
    expect(await refusal(() => openSurbReply({ secrets: built.secrets, answered: false }, other))).toBe("bad_reply");
  });

  it("keeps forward and reply kinds apart: no forward packet delivers, no reply packet exits", async () => {
    const { keys, pubs } = await setup();
    // A forward packet (MAC over the payload too) whose last routing says deliver: refused.
    await expect(
      buildOnion(
        x,
        [
          { publicKey: pubs[0]!, routing: at("relay", "b") },
          { publicKey: pubs[1]!, routing: at("relay", "c") },
          { publicKey: pubs[2]!, routing: at("deliver", "d") },
        ],
        utf8("x"),
      ),
    ).rejects.toThrow(RangeError);
    // A reply header whose last routing says exit, built by hand: the last hop refuses it.
    await expect(
      buildSurb(x, {
        first: at("relay", "a"),
        hops: [
          { publicKey: pubs[0]!, routing: at("relay", "b") },
          { publicKey: pubs[1]!, routing: at("relay", "c") },
          { publicKey: pubs[2]!, routing: at("exit", "d") },
        ],
      }),
    ).rejects.toThrow(RangeError);
    expect(keys).toHaveLength(3);
  });

  it("rides in front of the request in a surb-exit packet's content", async () => {
    const { built } = await setup();
    const request = utf8("an OHTTP request");
    const parts = splitSurbContent(concat(built.surb, request));
    expect(parts.surb).toEqual(built.surb);
    expect(parts.request).toEqual(request);
    expect(await refusal(async () => splitSurbContent(request))).toBe("bad_payload");
    expect(await refusal(async () => decodeSurb(built.surb.subarray(1)))).toBe("bad_payload");
  });
});
