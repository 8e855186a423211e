// Card verification's checks at their edges, with the message an operator reads for each, and the
// rule that says a newer card is the same node. On the card test vector, on this runtime's path.
import { describe, expect, it } from "vitest";
import { fromBase64url, toBase64url } from "../../src/protocol/encoding/bytes.ts";
import type { Card, UnsignedCard } from "../../src/protocol/card/schema.ts";
import { signCard } from "../../src/protocol/card/sign.ts";
import { CardError, continuesCard, verifyCard } from "../../src/protocol/card/verify.ts";
import { keyId, signingKeyFromSeed } from "../../src/protocol/identity/keys.ts";
import { primitives } from "../../src/protocol/identity/primitives.ts";
import { vector } from "./paths.ts";

interface CardVector {
  seed: string;
  nextSeed: string;
  now: number;
  card: Card;
  rotated: Card;
}

const v = vector<CardVector>("card.json");
const SKEW = 60;
const p = await primitives();
const key = await signingKeyFromSeed(p, fromBase64url(v.seed));
const other = await signingKeyFromSeed(p, fromBase64url(v.nextSeed));
const { sig: _sig, ...c } = v.card;
const base: UnsignedCard = c;

async function outcome(card: unknown, now = v.now): Promise<{ reason: string; message: string } | "accepted"> {
  try {
    await verifyCard(card, { primitives: p, now, skew: SKEW });
    return "accepted";
  } catch (err) {
    if (err instanceof CardError) return { reason: err.reason, message: err.message };
    throw err;
  }
}

describe("card checks", () => {
  it("accepts a card from skew before its iat, and not a second earlier", async () => {
    expect(await outcome(v.card, v.card.iat - SKEW)).toBe("accepted");
    expect(await outcome(v.card, v.card.iat - SKEW - 1)).toEqual({ reason: "not_yet_valid", message: "the card was issued in the future" });
    expect(await outcome(v.card, v.card.exp + SKEW + 1)).toEqual({ reason: "expired", message: "the card has expired" });
  });

  it("takes a card whose exp is one second after its iat, and refuses exp at iat", async () => {
    expect(await outcome(await signCard({ ...base, exp: base.iat + 1 }, key.signer), base.iat)).toBe("accepted");
    expect(await outcome(await signCard({ ...base, exp: base.iat }, key.signer))).toEqual({ reason: "malformed", message: "card exp is not after iat" });
  });

  it("names the field of a card that does not parse", async () => {
    expect(await outcome({ ...v.card, exp: "soon" })).toMatchObject({ reason: "malformed", message: expect.stringMatching(/^card exp: /) });
    expect(await outcome("not a card")).toMatchObject({ reason: "malformed", message: expect.stringMatching(/^card \(root\): /) });
  });

  it("says which key id is wrong, and that a node id must be its key's thumbprint", async () => {
    expect(await outcome(await signCard({ ...base, keys: { ...base.keys, sig: { ...base.keys.sig, kid: other.keyId } } }, key.signer))).toEqual({
      reason: "kid_mismatch",
      message: "keys.sig.kid is not the thumbprint of keys.sig.pub",
    });
    const kem = base.keys.kem;
    expect(await outcome(await signCard({ ...base, keys: { ...base.keys, kem: [{ ...kem[0]!, kid: kem[1]!.kid }] } }, key.signer))).toEqual({
      reason: "kid_mismatch",
      message: `kem key ${kem[1]!.kid} is not the thumbprint of its public key`,
    });
    expect(await outcome(await signCard({ ...base, id: other.nodeId }, key.signer))).toEqual({
      reason: "id_mismatch",
      message: "the node id is not the thumbprint of the card's signing key",
    });
    expect(await outcome({ ...v.card, name: "someone else" })).toEqual({ reason: "bad_signature", message: "the card's signature does not verify" });
  });

  it("says a key is invalid, and why", async () => {
    const short = fromBase64url(base.keys.kem[0]!.pub).subarray(1);
    const bad = { ...base, keys: { ...base.keys, kem: [{ alg: "x-wing" as const, kid: await keyId("x-wing", short), pub: toBase64url(short) }] } };
    expect(await outcome(await signCard(bad, key.signer))).toMatchObject({ reason: "bad_key", message: expect.stringMatching(/^a public key in the card is invalid: .+/) });
  });

  it("refuses a key or signature that is not canonical base64url, naming the field", async () => {
    // Three more characters leave a length no base64url text has.
    const pub = `${base.keys.sig.pub}AAA`;
    expect(await outcome({ ...v.card, keys: { ...v.card.keys, sig: { ...v.card.keys.sig, pub } } })).toEqual({ reason: "malformed", message: "card keys.sig.pub is not canonical base64url" });
    const kem = [{ ...base.keys.kem[0]!, pub: `${base.keys.kem[0]!.pub}AAA` }];
    expect(await outcome({ ...v.card, keys: { ...v.card.keys, kem } })).toEqual({ reason: "malformed", message: "card keys.kem.pub is not canonical base64url" });
    expect(await outcome({ ...v.card, sig: `${v.card.sig}AAA` })).toEqual({ reason: "malformed", message: "card sig is not canonical base64url" });
  });

  it("continues a card only with the same id and a chain that holds the key it knew", async () => {
    const first = await verifyCard(v.card, { primitives: p, now: v.now, skew: SKEW });
    const rotated = await verifyCard(v.rotated, { primitives: p, now: v.now, skew: SKEW });
    expect(continuesCard(v.card, rotated)).toBe(true);
    expect(continuesCard(v.card, first)).toBe(true);
    // The rotated card's key alone is not the key the first card had.
    expect(continuesCard(v.rotated, first)).toBe(false);
    expect(continuesCard({ ...v.card, id: other.nodeId }, rotated)).toBe(false);
  });
});
