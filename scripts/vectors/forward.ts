// The forwarded route's vectors (docs/protocol.md §12, test/vectors/routes/forward.json): a call
// envelope A seals to C, the `forward` message A sends B and the `forwarded` message B sends C,
// the checks B makes without opening it (also of a countersignatures envelope, §12.5, and of a token sale, §15.3.1), and the envelopes and messages B refuses, each with the
// reason. Every expectation is checked against the code before it is written.
import type { Card } from "../../src/protocol/card/schema.ts";
import { fromBase64url, utf8 } from "../../src/protocol/encoding/bytes.ts";
import { seal, type SealInput } from "../../src/protocol/envelope/seal.ts";
import { compositeVerifier } from "../../src/protocol/identity/composite.ts";
import type { SigningKey } from "../../src/protocol/identity/keys.ts";
import { checkForwardable, ForwardError, forwardedRequest, forwardRequest, type ForwardCheck } from "../../src/protocol/routes/forward.ts";
import { tokenSaleRequest } from "../../src/protocol/tokens/sale.ts";
import { agree, b64, counting, p, write } from "./common.ts";

export interface ForwardInputs {
  /** A: seals and signs. */
  sender: { seed: Uint8Array; key: SigningKey; card: Card };
  /** C: the destination, with the encryption key A seals to. */
  destination: { seed: Uint8Array; key: SigningKey; kemSeed: Uint8Array; kemKey: { kid: string; pub: string } };
  stranger: { key: SigningKey };
  now: number;
}

const CALL_PATH = "/federation/v1/call";

export async function forwardVectors(v: ForwardInputs): Promise<void> {
  const fixed = { ekm: counting(0xd0, 64), jti: counting(0x70, 16) };
  const call = {
    type: "call",
    key: "everything/echo",
    arguments: { message: "forwarded" },
    intent: { note: "a SignedIntent (§8.4); B never sees it" },
    timeoutMs: 60_000,
    progress: false,
    countersigned: [],
  };
  const input: SealInput = {
    primitives: p,
    signer: v.sender.key.signer,
    from: v.sender.key.nodeId,
    to: v.destination.key.nodeId,
    recipientKey: v.destination.kemKey,
    version: "mcpfed/1",
    method: "POST",
    path: CALL_PATH,
    plaintext: utf8(JSON.stringify(call)),
    now: v.now,
    fixed,
  };
  const sealWith = async (o: Partial<SealInput>) => b64((await seal({ ...input, ...o })).bytes);
  const envelope = await sealWith({});
  const verifier = await compositeVerifier(p, v.sender.key.signer.publicKey);
  const check = { from: v.sender.key.nodeId, to: v.destination.key.nodeId, now: v.now, skew: 60, maxBytes: 1 << 20 };
  const header = await checkForwardable(envelope, { ...check, verifier });
  // A's countersignatures of C's records (§12.5): the same checks, bound to the second endpoint passed on.
  const countersignedMessage = { type: "countersigned", records: [{ note: "a confirmed record (§8.3); B never sees it" }] };
  const countersignedEnvelope = await sealWith({ path: "/federation/v1/countersigned", plaintext: utf8(JSON.stringify(countersignedMessage)) });
  const countersigned = { message: countersignedMessage, envelope: countersignedEnvelope, header: await checkForwardable(countersignedEnvelope, { ...check, verifier }) };
  // A's purchase of C's payment tokens (§15.3.1): the third endpoint passed on. The request bytes are placeholders of the right length.
  const tokenSaleMessage = { type: "token-sale", keyId: "00".repeat(32), requests: [b64(counting(0x20, 259))], intent: { note: "a SignedIntent for the sale (§15.3); B never sees it" } };
  agree("the token-sale message parses", true, tokenSaleRequest.safeParse(tokenSaleMessage).success);
  const tokenSaleEnvelope = await sealWith({ path: "/federation/v1/token-sale", plaintext: utf8(JSON.stringify(tokenSaleMessage)) });
  const tokenSale = { message: tokenSaleMessage, envelope: tokenSaleEnvelope, header: await checkForwardable(tokenSaleEnvelope, { ...check, verifier }) };

  const bytes = fromBase64url(envelope);
  const flipped = bytes.slice();
  const at = bytes.length - 3000;
  flipped[at] = flipped[at]! ^ 0x01;
  const cases: { name: string; envelope: string; with?: Partial<typeof check>; message: string }[] = [
    { name: "another node's envelope", envelope, with: { from: v.stranger.key.nodeId }, message: "not the sender's own" },
    { name: "addressed to another node than the message names", envelope, with: { to: v.stranger.key.nodeId }, message: "is addressed to" },
    { name: "bound to an endpoint a forwarder does not pass on", envelope: await sealWith({ path: "/federation/v1/ping" }), message: "not an endpoint a forwarder passes on" },
    { name: "expired", envelope, with: { now: v.now + 3600 }, message: "outside its time window" },
    { name: "issued in the future", envelope, with: { now: v.now - 3600 }, message: "outside its time window" },
    { name: "a flipped bit in the ciphertext", envelope: b64(flipped), message: "signature does not verify" },
    { name: "signed by another node under the sender's name", envelope: await sealWith({ signer: v.stranger.key.signer }), message: "signature does not verify" },
    { name: "truncated", envelope: b64(bytes.subarray(0, bytes.length - 1)), message: "truncated" },
    { name: "larger than the forwarder takes", envelope, with: { maxBytes: 1024 }, message: "exceeds" },
  ];
  const refused = [];
  for (const c of cases) {
    let got: unknown;
    try {
      await checkForwardable(c.envelope, { ...check, ...c.with, verifier } as ForwardCheck);
    } catch (err) {
      got = err;
    }
    if (!(got instanceof ForwardError) || got.code !== "forward_refused" || !got.message.includes(c.message)) throw new Error(`${c.name}: the code gives ${String(got)}`);
    refused.push({ ...c, code: "forward_refused" });
  }

  const forward = { type: "forward", to: v.destination.key.nodeId, envelope, card: v.sender.card };
  const forwarded = { type: "forwarded", envelope, card: v.sender.card };
  agree("forward parses", true, forwardRequest.safeParse(forward).success);
  agree("forwarded parses", true, forwardedRequest.safeParse(forwarded).success);
  // To a destination that is its peer, A leaves its card out.
  const forwardToPeer = { type: "forward", to: v.destination.key.nodeId, envelope };
  agree("forward without a card parses", true, forwardRequest.safeParse(forwardToPeer).success);
  const invalid = [
    { name: "forward without `to`", schema: "forward", message: { type: "forward", envelope, card: v.sender.card } },
    { name: "forward to something that is not a node id", schema: "forward", message: { ...forward, to: "https://c.example" } },
    { name: "forward with an envelope that is not base64url", schema: "forward", message: { ...forward, envelope: "not base64url!" } },
    { name: "forward with a field of another message", schema: "forward", message: { ...forward, key: "everything/echo" } },
    { name: "forwarded naming a destination (B's choice is not C's to read)", schema: "forwarded", message: { ...forwarded, to: v.destination.key.nodeId } },
    { name: "forwarded of another type", schema: "forwarded", message: { ...forwarded, type: "forward" } },
  ];
  for (const m of invalid) agree(m.name, false, (m.schema === "forward" ? forwardRequest : forwardedRequest).safeParse(m.message).success);

  write("routes/forward.json", {
    about: "The forwarded route (docs/protocol.md §12). A = card.json's node (senderSeed), C = envelope.json's recipient (destinationSeed, sealed to its X-Wing key). Bytes are base64url.",
    senderSeed: b64(v.sender.seed),
    destinationSeed: b64(v.destination.seed),
    destinationKemSeed: b64(v.destination.kemSeed),
    destinationKemKey: v.destination.kemKey,
    strangerId: v.stranger.key.nodeId,
    now: v.now,
    ekm: b64(fixed.ekm),
    jti: b64(fixed.jti),
    call,
    envelope,
    header,
    countersigned,
    tokenSale,
    check,
    forward,
    forwardToPeer,
    forwarded,
    refused,
    invalid,
  });
}
