// The relayed call vectors (test/vectors/frames.json): the provider's side seals each frame to
// envelope.json's request byte for byte, the consumer's side opens it to a valid call frame, the
// reader splits the stream however it is chunked and refuses the bad streams; request hashes are
// checked against the code and, independently, against node:crypto over the stated JCS text.
import { createHash } from "node:crypto";
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
import { callFrame } from "../../src/protocol/messages/relay.ts";
import { encodeFrame, FrameError, readFrames } from "../../src/protocol/messages/relay-frames.ts";
import { requestHash } from "../../src/protocol/ledger/request-hash.ts";

interface FrameVectors {
  frames: { plaintext: string; nonce: string; sealed: string; framed: string }[];
  stream: string;
  refused: { name: string; stream: string; limits?: { maxFrameBytes?: number; maxStreamBytes?: number }; error: string }[];
  requestHashes: { name: string; tool: string; arguments?: Record<string, unknown>; canonical: string; hash: string }[];
}
const load = <T>(name: string) => JSON.parse(readFileSync(new URL(`../vectors/${name}`, import.meta.url), "utf8")) as T;
const v = load<FrameVectors>("frames.json");
const e = load<{ senderSeed: string; recipientSeed: string; recipientKemSeed: string; recipientKemKey: { kid: string; pub: string }; now: number; ekm: string; jti: string; plaintext: string; envelope: string }>(
  "envelope.json",
);
const b = fromBase64url;
const p = { ...noble, mlDsa65: deterministicMlDsa65 };
const PATH = "/federation/v1/ping";

/** Both ends of envelope.json's request: the sender's sealed request and the recipient's opened one. */
async function request() {
  const [alice, bob] = await Promise.all([signingKeyFromSeed(p, b(e.senderSeed)), signingKeyFromSeed(p, b(e.recipientSeed))]);
  const sent = await seal({
    primitives: p,
    signer: alice.signer,
    from: alice.nodeId,
    to: bob.nodeId,
    recipientKey: e.recipientKemKey,
    version: "mcpfed/1",
    method: "POST",
    path: PATH,
    plaintext: b(e.plaintext),
    now: e.now,
    fixed: { ekm: b(e.ekm), jti: b(e.jti) },
  });
  expect(toBase64url(sent.bytes)).toBe(e.envelope);
  const kem = { epoch: 0, keyId: e.recipientKemKey.kid, ...(await xWing(p).fromSeed(b(e.recipientKemSeed))) };
  const verifier = await compositeVerifier(p, alice.signer.publicKey);
  const received = await openEnvelope(sent.bytes, {
    self: { nodeId: bob.nodeId, keys: { find: async (kid) => (kid === kem.keyId ? kem : undefined) }, primitives: p },
    sender: async () => ({ verifier, version: "mcpfed/1" }),
    replay: { seen: async () => false, record: async () => true },
    now: e.now,
    skew: 60,
    method: "POST",
    path: PATH,
    maxBytes: 1 << 20,
  });
  return { sent, received };
}

/** The stream as `chunk`-byte reads, and what the reader makes of it. */
async function read(stream: Uint8Array, chunk: number, limits: FrameVectors["refused"][number]["limits"] = {}): Promise<string[]> {
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      for (let at = 0; at < stream.length; at += chunk) c.enqueue(stream.slice(at, at + chunk));
      c.close();
    },
  });
  const out: string[] = [];
  for await (const f of readFrames(body, limits.maxFrameBytes, limits.maxStreamBytes)) out.push(toBase64url(f));
  return out;
}

describe("relayed call frame vectors", () => {
  it("seals each frame to the request byte for byte, and opens it to a valid call frame", async () => {
    const { sent, received } = await request();
    for (const f of v.frames) {
      expect(toBase64url(await received.sealResponse(new TextEncoder().encode(f.plaintext), b(f.nonce)))).toBe(f.sealed);
      expect(toBase64url(encodeFrame(b(f.sealed)))).toBe(f.framed);
      const plaintext = new TextDecoder().decode(await sent.openResponse(b(f.sealed)));
      expect(plaintext).toBe(f.plaintext);
      expect(callFrame.safeParse(JSON.parse(plaintext)).success).toBe(true);
    }
    expect(toBase64url(Uint8Array.from(v.frames.flatMap((f) => [...b(f.framed)])))).toBe(v.stream);
  });

  it.each([[1], [3], [1 << 20]])("splits the stream read %i bytes at a time", async (chunk) => {
    expect(await read(b(v.stream), chunk)).toEqual(v.frames.map((f) => f.sealed));
  });

  it.each(v.refused.flatMap((r) => [1, 1 << 20].map((chunk) => [r.name, chunk, r] as const)))("refuses a stream that %s (read %i bytes at a time)", async (_name, chunk, r) => {
    const err = await read(b(r.stream), chunk, r.limits).then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(err).toBeInstanceOf(FrameError);
    expect((err as Error).message).toBe(r.error);
  });

  it.each(v.requestHashes.map((h) => [h.name, h] as const))("hashes a request: %s", async (_name, h) => {
    expect(JSON.parse(h.canonical)).toEqual({ name: h.tool, arguments: h.arguments ?? {} });
    expect(`sha256:${createHash("sha256").update(h.canonical).digest("hex")}`).toBe(h.hash);
    expect(await requestHash(h.tool, h.arguments)).toBe(h.hash);
  });
});
