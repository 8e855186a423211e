// Node cards: the vector card verifies on every path, re-signs to the same bytes, and each way a
// card can be wrong is refused with its own reason.
import canonicalize from "canonicalize";
import { describe, expect, it } from "vitest";
import { fromBase64url, toBase64url } from "../../src/protocol/encoding/bytes.ts";
import type { Card, UnsignedCard } from "../../src/protocol/card/schema.ts";
import { signCard } from "../../src/protocol/card/sign.ts";
import { CardError, verifyCard, type CardRejection } from "../../src/protocol/card/verify.ts";
import { keyId, signingKeyFromSeed } from "../../src/protocol/identity/keys.ts";
import { deterministicMlDsa65 } from "../../src/protocol/identity/noble.ts";
import { noble, type Primitives } from "../../src/protocol/identity/primitives.ts";
import { PATHS, vector } from "./paths.ts";

interface CardVector {
  seed: string;
  nextSeed: string;
  now: number;
  card: Card;
  canonical: string;
  rotated: Card;
}

const v = vector<CardVector>("card.json");
const SKEW = 60;
const unsigned = (c: Card): UnsignedCard => {
  const { sig: _sig, ...rest } = c;
  return rest;
};

async function rejection(p: Primitives, card: unknown, now = v.now): Promise<CardRejection | "accepted"> {
  try {
    await verifyCard(card, { primitives: p, now, skew: SKEW });
    return "accepted";
  } catch (err) {
    if (err instanceof CardError) return err.reason;
    throw err;
  }
}

describe("node card", () => {
  it("is signed over its RFC 8785 canonical form without sig", () => {
    expect(canonicalize(unsigned(v.card))).toBe(v.canonical);
  });

  it("re-signs to the vector's bytes with deterministic ML-DSA", async () => {
    const key = await signingKeyFromSeed({ ...noble, mlDsa65: deterministicMlDsa65 }, fromBase64url(v.seed));
    expect(await signCard(unsigned(v.card), key.signer)).toEqual(v.card);
  });

  it.each(PATHS)("verifies on the %s path, and a card it signs verifies on the others", async (_name, p) => {
    const ok = await verifyCard(v.card, { primitives: p, now: v.now, skew: SKEW });
    expect(ok.card.id).toBe(v.card.id);
    expect(ok.signingKeys).toEqual([v.card.keys.sig.pub]);
    const key = await signingKeyFromSeed(p, fromBase64url(v.seed));
    const own = await signCard(unsigned(v.card), key.signer);
    for (const [, other] of PATHS) expect(await rejection(other, own)).toBe("accepted");
  });

  it.each(PATHS)("refuses each kind of bad card with its reason on the %s path", async (_name, p) => {
    const key = await signingKeyFromSeed(p, fromBase64url(v.seed));
    const resign = (c: UnsignedCard) => signCard(c, key.signer);
    const other = await signingKeyFromSeed(p, fromBase64url(v.nextSeed));
    const c = unsigned(v.card);

    expect(await rejection(p, { ...v.card, name: "someone else" })).toBe("bad_signature");
    expect(await rejection(p, { ...v.card, sig: toBase64url(fromBase64url(v.card.sig).map((x, i) => (i === 0 ? x ^ 1 : x))) })).toBe("bad_signature");
    expect(await rejection(p, v.card, v.card.exp + SKEW + 1)).toBe("expired");
    expect(await rejection(p, v.card, v.card.exp + SKEW)).toBe("accepted");
    expect(await rejection(p, v.card, v.card.iat - SKEW - 1)).toBe("not_yet_valid");
    expect(await rejection(p, await resign({ ...c, id: other.nodeId }))).toBe("id_mismatch");
    expect(await rejection(p, await resign({ ...c, keys: { ...c.keys, sig: { ...c.keys.sig, kid: other.keyId } } }))).toBe("kid_mismatch");
    const kem = c.keys.kem;
    expect(await rejection(p, await resign({ ...c, keys: { ...c.keys, kem: [{ ...kem[0]!, kid: kem[1]!.kid }] } }))).toBe("kid_mismatch");
    // Signed by a key other than the one the card lists.
    expect(await rejection(p, await signCard(c, other.signer))).toBe("bad_signature");
    expect(await rejection(p, { ...v.card, extra: 1 })).toBe("malformed");
    expect(await rejection(p, { ...v.card, exp: undefined })).toBe("malformed");
    expect(await rejection(p, { ...v.card, keys: { ...v.card.keys, kem: [] } })).toBe("malformed");
    expect(await rejection(p, await resign({ ...c, exp: c.iat }))).toBe("malformed");
    expect(await rejection(p, "not a card")).toBe("malformed");
  });

  it.each(PATHS)("refuses an encryption key that does not parse, even with a matching id, on the %s path", async (_name, p) => {
    const key = await signingKeyFromSeed(p, fromBase64url(v.seed));
    const short = fromBase64url(v.card.keys.kem[0]!.pub).subarray(1);
    const c = unsigned(v.card);
    const bad = { ...c, keys: { ...c.keys, kem: [{ alg: "x-wing" as const, kid: await keyId("x-wing", short), pub: toBase64url(short) }] } };
    expect(await rejection(p, await signCard(bad, key.signer))).toBe("bad_key");
  });

  it.each(PATHS)("keeps the node id across a signing-key rotation on the %s path", async (_name, p) => {
    const ok = await verifyCard(v.rotated, { primitives: p, now: v.now, skew: SKEW });
    expect(ok.card.id).toBe(v.card.id);
    expect(ok.signingKeys).toEqual([v.card.keys.sig.pub, v.rotated.keys.sig.pub]);

    const next = await signingKeyFromSeed(p, fromBase64url(v.nextSeed));
    const { rotations: _r, ...withoutChain } = unsigned(v.rotated);
    expect(await rejection(p, await signCard(withoutChain, next.signer))).toBe("id_mismatch");
    const forged = { ...unsigned(v.rotated), rotations: [{ ...v.rotated.rotations![0]!, iat: 1 }] };
    expect(await rejection(p, await signCard(forged, next.signer))).toBe("bad_rotation");
  });
});
