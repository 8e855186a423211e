// The forwarded route's vectors (test/vectors/routes/forward.json, docs/protocol.md §12): the call
// envelope A seals to C is reproduced byte for byte, passes the forwarder's checks and opens at C
// only; every refused envelope is refused by those checks for its stated reason; the forward and
// forwarded messages parse and the malformed ones do not.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { fromBase64url, toBase64url } from "../../src/protocol/encoding/bytes.ts";
import { openEnvelope } from "../../src/protocol/envelope/open.ts";
import { seal } from "../../src/protocol/envelope/seal.ts";
import { compositeVerifier } from "../../src/protocol/identity/composite.ts";
import { signingKeyFromSeed } from "../../src/protocol/identity/keys.ts";
import { deterministicMlDsa65 } from "../../src/protocol/identity/noble.ts";
import { noble } from "../../src/protocol/identity/primitives.ts";
import { xWing } from "../../src/protocol/identity/xwing.ts";
import { checkForwardable, ForwardError, forwardedRequest, forwardRequest } from "../../src/protocol/routes/forward.ts";

interface Vectors {
  senderSeed: string;
  destinationSeed: string;
  destinationKemSeed: string;
  destinationKemKey: { kid: string; pub: string };
  now: number;
  ekm: string;
  jti: string;
  call: Record<string, unknown>;
  envelope: string;
  header: Record<string, unknown>;
  countersigned: { message: Record<string, unknown>; envelope: string; header: Record<string, unknown> };
  tokenSale: { message: Record<string, unknown>; envelope: string; header: Record<string, unknown> };
  check: { from: string; to: string; now: number; skew: number; maxBytes: number };
  forward: unknown;
  forwardToPeer: unknown;
  forwarded: unknown;
  refused: { name: string; envelope: string; with?: Partial<Vectors["check"]>; message: string; code: string }[];
  invalid: { name: string; schema: "forward" | "forwarded"; message: unknown }[];
}

const v = JSON.parse(readFileSync(new URL("../vectors/routes/forward.json", import.meta.url), "utf8")) as Vectors;
const p = { ...noble, mlDsa65: deterministicMlDsa65 };
const b = fromBase64url;

async function parties() {
  const [a, c] = await Promise.all([signingKeyFromSeed(p, b(v.senderSeed)), signingKeyFromSeed(p, b(v.destinationSeed))]);
  return { a, c, verifier: await compositeVerifier(p, a.signer.publicKey) };
}

/** A's envelope to C bound to `path`, with the vectors' fixed randomness. */
async function sealedByA(path: string, message: unknown) {
  const { a, c } = await parties();
  return seal({
    primitives: p,
    signer: a.signer,
    from: a.nodeId,
    to: c.nodeId,
    recipientKey: v.destinationKemKey,
    version: "mcpfed/1",
    method: "POST",
    path,
    plaintext: new TextEncoder().encode(JSON.stringify(message)),
    now: v.now,
    fixed: { ekm: b(v.ekm), jti: b(v.jti) },
  });
}

/** The envelope opened by C at its endpoint `path`. */
async function openedAtC(envelope: string, path: string) {
  const { c, verifier } = await parties();
  const kem = { epoch: 0, keyId: v.destinationKemKey.kid, ...(await xWing(p).fromSeed(b(v.destinationKemSeed))) };
  return openEnvelope(b(envelope), {
    self: { nodeId: c.nodeId, keys: { find: async (kid) => (kid === kem.keyId ? kem : undefined) }, primitives: p },
    sender: async () => ({ verifier, version: "mcpfed/1" }),
    replay: { seen: async () => false, record: async () => true },
    now: v.now,
    skew: 60,
    method: "POST",
    path,
    maxBytes: 1 << 20,
  });
}

describe("the forwarded call envelope", () => {
  it("is reproduced byte for byte from the sender's seed, the destination's key and the fixed randomness", async () => {
    expect(toBase64url((await sealedByA("/federation/v1/call", v.call)).bytes)).toBe(v.envelope);
  });

  it("passes the forwarder's checks, which read the header and the signature only", async () => {
    const { verifier } = await parties();
    expect(await checkForwardable(v.envelope, { ...v.check, verifier })).toEqual(v.header);
  });

  it("opens at the destination to the call", async () => {
    const opened = await openedAtC(v.envelope, "/federation/v1/call");
    expect(JSON.parse(new TextDecoder().decode(opened.plaintext))).toEqual(v.call);
  });

  it.each([
    ["countersigned", "countersignatures (§12.5)", v.countersigned],
    ["token-sale", "a token sale (§15.3.1)", v.tokenSale],
  ] as const)("bound to %s, of %s, is reproduced, passes the same checks, and opens at that endpoint only", async (endpoint, _what, passed) => {
    const { verifier } = await parties();
    const path = `/federation/v1/${endpoint}`;
    expect(toBase64url((await sealedByA(path, passed.message)).bytes)).toBe(passed.envelope);
    expect(await checkForwardable(passed.envelope, { ...v.check, verifier })).toEqual(passed.header);
    await expect(openedAtC(passed.envelope, "/federation/v1/call")).rejects.toMatchObject({ code: "wrong_endpoint" });
    expect(JSON.parse(new TextDecoder().decode((await openedAtC(passed.envelope, path)).plaintext))).toEqual(passed.message);
  });

  it.each(v.refused.map((r) => [r.name, r] as const))("refused: %s", async (_name, r) => {
    const { verifier } = await parties();
    const checked = checkForwardable(r.envelope, { ...v.check, ...r.with, verifier });
    await expect(checked).rejects.toBeInstanceOf(ForwardError);
    await expect(checked).rejects.toMatchObject({ code: r.code, message: expect.stringContaining(r.message) });
  });
});

describe("the forward and forwarded messages", () => {
  it("parse", () => {
    expect(forwardRequest.safeParse(v.forward).success).toBe(true);
    expect(forwardRequest.safeParse(v.forwardToPeer).success).toBe(true);
    expect(forwardedRequest.safeParse(v.forwarded).success).toBe(true);
  });

  it.each(v.invalid.map((m) => [m.name, m] as const))("refused: %s", (_name, m) => {
    expect((m.schema === "forward" ? forwardRequest : forwardedRequest).safeParse(m.message).success).toBe(false);
  });
});
