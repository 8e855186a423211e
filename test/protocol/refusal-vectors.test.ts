// The envelope refusal vectors (test/vectors/refusals.json): each envelope, replayed through the
// real opener with a real replay cache in libSQL, is refused with the stated code and status,
// and leaves no id behind. Hello bodies go through the real hello decoder.
import { describe, expect, it } from "vitest";
import { fromBase64url } from "../../src/protocol/encoding/bytes.ts";
import { ENVELOPE_ERRORS, EnvelopeError, type EnvelopeErrorCode } from "../../src/protocol/envelope/errors.ts";
import { openEnvelope, type KemKey } from "../../src/protocol/envelope/open.ts";
import { ReplayCache } from "../../src/store/replay-cache.ts";
import { compositeVerifier } from "../../src/protocol/identity/composite.ts";
import { signingKeyFromSeed } from "../../src/protocol/identity/keys.ts";
import { xWing } from "../../src/protocol/identity/xwing.ts";
import { decodeHello } from "../../src/protocol/messages/hello.ts";
import { replayCache } from "../../src/store/schema/index.ts";
import { memoryDb } from "../support/libsql.ts";
import { PATHS, vector } from "./paths.ts";
import { openOptions, type OpenWith } from "../../scripts/vectors/refusal-open.ts";


interface RefusalVectors {
  sender: { seed: string; nodeId: string };
  recipient: { seed: string; nodeId: string; kemSeed: string; kemKey: { kid: string; pub: string } };
  open: OpenWith;
  valid: { envelope: string; header: { jti: string; exp: number }; plaintext: string };
  cases: { name: string; code: EnvelopeErrorCode; status: number; with?: Partial<OpenWith>; envelope: string }[];
  hello: { valid: { body: string; card: unknown }; cases: { name: string; code: EnvelopeErrorCode; status: number; body: string }[] };
}

const v = vector<RefusalVectors>("refusals.json");
const b = fromBase64url;

describe.each(PATHS)("envelope refusal vectors (%s)", (_name, p) => {
  /** A recipient as the vectors describe it, with an empty replay cache of its own. */
  async function recipient(o: OpenWith) {
    const [sender, self] = await Promise.all([signingKeyFromSeed(p, b(v.sender.seed)), signingKeyFromSeed(p, b(v.recipient.seed))]);
    expect([sender.nodeId, self.nodeId]).toEqual([v.sender.nodeId, v.recipient.nodeId]);
    const kem: KemKey = { epoch: 0, keyId: v.recipient.kemKey.kid, ...(await xWing(p).fromSeed(b(v.recipient.kemSeed))) };
    const db = await memoryDb();
    const replay = new ReplayCache(db);
    if (o.seen) expect(await replay.record(v.sender.nodeId, v.valid.header.jti, v.valid.header.exp + o.skew)).toBe(true);
    const verifier = await compositeVerifier(p, sender.signer.publicKey);
    const options = openOptions(o, { nodeId: self.nodeId, kem, primitives: p, verifier, replay });
    return { options, rows: async () => (await db.select().from(replayCache)).length };
  }

  it("opens the valid envelope the refusals are made from", async () => {
    const r = await recipient(v.open);
    const opened = await openEnvelope(b(v.valid.envelope), r.options);
    expect(opened.plaintext).toEqual(b(v.valid.plaintext));
    expect(await r.rows()).toBe(1);
  });

  it("covers every code the bytes alone can earn", () => {
    const byDirectory = ["unknown_sender", "pending_sender", "blocked_sender", "bad_card", "rate_limited"];
    const covered = new Set([...v.cases, ...v.hello.cases].map((c) => c.code));
    expect(Object.keys(ENVELOPE_ERRORS).filter((c) => !covered.has(c as EnvelopeErrorCode) && !byDirectory.includes(c))).toEqual([]);
  });

  it.each(v.cases.map((c) => [c.name, c] as const))("refuses: %s", async (_case, c) => {
    const o = { ...v.open, ...c.with };
    const r = await recipient(o);
    const before = await r.rows();
    const err = await openEnvelope(b(c.envelope), r.options).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(EnvelopeError);
    expect((err as EnvelopeError).code).toBe(c.code);
    expect((err as EnvelopeError).status).toBe(c.status);
    expect(await r.rows()).toBe(before);
  });
});

describe("hello body vectors", () => {
  it("splits the valid body into the card and the envelope", () => {
    const hello = decodeHello(b(v.hello.valid.body));
    expect(hello.card).toEqual(v.hello.valid.card);
    expect(hello.envelope).toEqual(b(v.valid.envelope));
  });

  it.each(v.hello.cases.map((c) => [c.name, c] as const))("refuses: %s", (_case, c) => {
    let err: unknown;
    try {
      decodeHello(b(c.body));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(EnvelopeError);
    expect((err as EnvelopeError).code).toBe(c.code);
    expect((err as EnvelopeError).status).toBe(c.status);
  });
});
