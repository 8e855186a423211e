// A test worker, never deployed: it runs the committed crypto vectors (POSTed to it) through the
// primitives this isolate picked, and answers with what it computed, for
// test/runtimes/workerd-vectors.test.ts to compare with the files. It imports only the pure core.
import type { Card } from "../../../src/protocol/card/schema.ts";
import { CardError, verifyCard } from "../../../src/protocol/card/verify.ts";
import { fromBase64url, toBase64url } from "../../../src/protocol/encoding/bytes.ts";
import { EnvelopeError } from "../../../src/protocol/envelope/errors.ts";
import { openEnvelope, type KemKey, type OpenOptions } from "../../../src/protocol/envelope/open.ts";
import { compositeVerifier } from "../../../src/protocol/identity/composite.ts";
import { keyId, signingKeyFromSeed } from "../../../src/protocol/identity/keys.ts";
import { describe, noble, primitives, type Primitives } from "../../../src/protocol/identity/primitives.ts";
import { XWING_ALG, xWing } from "../../../src/protocol/identity/xwing.ts";
import { openOptions, type OpenWith } from "../../../scripts/vectors/refusal-open.ts";

export interface IdentityVector {
  seed: string;
  signing: { publicKey: string; keyId: string; nodeId: string };
  signature: { context: string; message: string; signature: string };
  xwing: { seed: string; publicKey: string; keyId: string; enc: string; sharedSecret: string };
}
export interface CardVector {
  seed: string;
  now: number;
  card: Card;
}
export interface EnvelopeVector {
  senderSeed: string;
  recipientSeed: string;
  recipientKemSeed: string;
  recipientKemKey: { kid: string };
  now: number;
  plaintext: string;
  envelope: string;
  response: { nonce: string; plaintext: string; sealed: string };
}
export interface RefusalVectors {
  sender: { seed: string };
  recipient: { seed: string; kemSeed: string; kemKey: { kid: string } };
  open: OpenWith;
  valid: { envelope: string; header: { jti: string; exp: number }; plaintext: string };
  cases: { name: string; with?: Partial<OpenWith>; envelope: string }[];
}
export interface Vectors {
  identity: IdentityVector;
  card: CardVector;
  envelope: EnvelopeVector;
  refusals: RefusalVectors;
}

const b = fromBase64url;
const flip = (bytes: Uint8Array, at: number) => bytes.map((x, i) => (i === at ? x ^ 1 : x));

async function identity(p: Primitives, v: IdentityVector) {
  const key = await signingKeyFromSeed(p, b(v.seed));
  const x = xWing(p);
  const kem = await x.fromSeed(b(v.xwing.seed));
  const sig = b(v.signature.signature);
  const msg = b(v.signature.message);
  const ctx = v.signature.context;
  const here = await compositeVerifier(p, b(v.signing.publicKey));
  const own = await key.signer.sign(msg, ctx);
  const fresh = await x.encapsulate(await x.importPublic(b(v.xwing.publicKey)));
  return {
    publicKey: toBase64url(key.signer.publicKey),
    keyId: key.keyId,
    nodeId: key.nodeId,
    xwingPublicKey: toBase64url(kem.publicKey),
    xwingKeyId: await keyId(XWING_ALG, kem.publicKey),
    sharedSecret: toBase64url(await x.decapsulate(kem.privateKey, b(v.xwing.enc))),
    vectorSignatureVerifies: await here.verify(sig, msg, ctx),
    // One flipped bit in the ML-DSA half, in the Ed25519 half, and another context.
    tamperedVerify: [await here.verify(flip(sig, 100), msg, ctx), await here.verify(flip(sig, sig.length - 1), msg, ctx), await here.verify(sig, msg, "mcpfed/1 other")],
    ownSignatureVerifiesOnNoble: await (await compositeVerifier(noble, key.signer.publicKey)).verify(own, msg, ctx),
    // Made here; the test decapsulates it with an independent implementation.
    encapsulation: { enc: toBase64url(fresh.enc), sharedSecret: toBase64url(fresh.sharedSecret) },
  };
}

async function cardVerdict(p: Primitives, card: unknown, now: number): Promise<string> {
  try {
    return (await verifyCard(card, { primitives: p, now, skew: 60 })).card.id;
  } catch (err) {
    if (err instanceof CardError) return err.reason;
    throw err;
  }
}

async function card(p: Primitives, v: CardVector) {
  return {
    verified: await cardVerdict(p, v.card, v.now),
    renamed: await cardVerdict(p, { ...v.card, name: "someone else" }, v.now),
    flippedSignature: await cardVerdict(p, { ...v.card, sig: toBase64url(flip(b(v.card.sig), 0)) }, v.now),
  };
}

/** Ids in memory: the worker keeps nothing between requests that matters. */
function memoryReplay() {
  const ids = new Set<string>();
  return {
    seen: async (s: string, j: string) => ids.has(`${s} ${j}`),
    record: async (s: string, j: string) => !ids.has(`${s} ${j}`) && !!ids.add(`${s} ${j}`),
  };
}

async function envelope(p: Primitives, v: EnvelopeVector): Promise<Record<string, string>> {
  const [alice, bob] = await Promise.all([signingKeyFromSeed(p, b(v.senderSeed)), signingKeyFromSeed(p, b(v.recipientSeed))]);
  const kem: KemKey = { epoch: 0, keyId: v.recipientKemKey.kid, ...(await xWing(p).fromSeed(b(v.recipientKemSeed))) };
  const opened = await openEnvelope(b(v.envelope), {
    self: { nodeId: bob.nodeId, keys: { find: async (kid) => (kid === kem.keyId ? kem : undefined) }, primitives: p },
    sender: async () => ({ verifier: await compositeVerifier(p, alice.signer.publicKey), version: "mcpfed/1" }),
    replay: memoryReplay(),
    now: v.now,
    skew: 60,
    method: "POST",
    path: "/federation/v1/ping",
    maxBytes: 1 << 20,
  }).catch((err: unknown) => {
    if (err instanceof EnvelopeError) return err.code;
    throw err;
  });
  if (typeof opened === "string") return { refused: opened };
  return {
    plaintext: toBase64url(opened.plaintext),
    sealedResponse: toBase64url(await opened.sealResponse(b(v.response.plaintext), b(v.response.nonce))),
  };
}

async function refusals(p: Primitives, v: RefusalVectors) {
  const [sender, self] = await Promise.all([signingKeyFromSeed(p, b(v.sender.seed)), signingKeyFromSeed(p, b(v.recipient.seed))]);
  const kem: KemKey = { epoch: 0, keyId: v.recipient.kemKey.kid, ...(await xWing(p).fromSeed(b(v.recipient.kemSeed))) };
  const verifier = await compositeVerifier(p, sender.signer.publicKey);
  const options = async (o: OpenWith): Promise<OpenOptions> => {
    const replay = memoryReplay();
    if (o.seen) await replay.record(sender.nodeId, v.valid.header.jti);
    return openOptions(o, { nodeId: self.nodeId, kem, primitives: p, verifier, replay });
  };
  const outcome = async (bytes: string, o: OpenWith) => {
    try {
      return new TextDecoder().decode((await openEnvelope(b(bytes), await options(o))).plaintext) === new TextDecoder().decode(b(v.valid.plaintext)) ? "opened" : "wrong plaintext";
    } catch (err) {
      if (err instanceof EnvelopeError) return err.code;
      throw err;
    }
  };
  const cases: Record<string, string> = {};
  for (const c of v.cases) cases[c.name] = await outcome(c.envelope, { ...v.open, ...c.with });
  return { valid: await outcome(v.valid.envelope, v.open), cases };
}

export default {
  async fetch(request: Request): Promise<Response> {
    if (request.method !== "POST") return new Response("ready");
    const v = (await request.json()) as Vectors;
    const p = await primitives();
    return Response.json({
      crypto: describe(p),
      identity: await identity(p, v.identity),
      card: await card(p, v.card),
      envelope: await envelope(p, v.envelope),
      refusals: await refusals(p, v.refusals),
    });
  },
};
