// The crypto vectors inside workerd, on both of its paths: a test worker (workerd-vectors/worker.ts)
// runs identity, card, envelope and refusal vectors through the primitives its isolate picked,
// once with the webcrypto_modern_algorithms flag (native ML-DSA-65 and ML-KEM-768) and once without
// (noble). Each run must report its path and reproduce the files' bytes and verdicts.
import { ml_kem768_x25519 } from "@noble/post-quantum/hybrid.js";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fromBase64url, toBase64url } from "../../src/protocol/encoding/bytes.ts";
import { vector } from "../protocol/paths.ts";
import { ROOT } from "../support/processes.ts";
import { startTestWorker, type TestWorker } from "../support/runtimes.ts";
import type { CardVector, EnvelopeVector, IdentityVector, RefusalVectors, Vectors } from "./workerd-vectors/worker.ts";

const vectors: Vectors = {
  identity: vector<IdentityVector>("identity.json"),
  card: vector<CardVector>("card.json"),
  envelope: vector<EnvelopeVector>("envelope.json"),
  refusals: vector<RefusalVectors>("refusals.json"),
};
const expectedRefusals = vector<{ cases: { name: string; code: string }[] }>("refusals.json").cases;

const RUNS = [
  ["with webcrypto_modern_algorithms", ["webcrypto_modern_algorithms"], "ML-DSA-65 native, Ed25519 native, ML-KEM-768 native, X25519 native"],
  ["without the flag", [], "ML-DSA-65 noble, Ed25519 native, ML-KEM-768 noble, X25519 native"],
] as const;

interface Computed {
  crypto: string;
  identity: Record<string, unknown> & { encapsulation: { enc: string; sharedSecret: string } };
  card: Record<string, string>;
  envelope: Record<string, string>;
  refusals: { valid: string; cases: Record<string, string> };
}

const workers = new Map<string, TestWorker>();
const computed = new Map<string, Computed>();

beforeAll(async () => {
  const started = await Promise.all(RUNS.map(([, flags]) => startTestWorker(join(ROOT, "test/runtimes/workerd-vectors/worker.ts"), [...flags])));
  RUNS.forEach(([name], i) => workers.set(name, started[i]!));
  for (const [name] of RUNS) {
    const res = await fetch(workers.get(name)!.url, { method: "POST", body: JSON.stringify(vectors) });
    expect(res.status, `${name}: ${await res.clone().text()}\n${workers.get(name)!.output()}`).toBe(200);
    computed.set(name, (await res.json()) as Computed);
  }
}, 180_000);

afterAll(async () => {
  await Promise.all([...workers.values()].map((w) => w.stop()));
});

describe.each(RUNS)("workerd %s", (name, _flags, path) => {
  const got = () => computed.get(name)!;

  it("reports the path it probed", () => {
    expect(got().crypto).toBe(path);
  });

  it("derives the vector's signing and X-Wing keys, and decapsulates its shared secret", () => {
    const v = vectors.identity;
    expect(got().identity).toMatchObject({
      publicKey: v.signing.publicKey,
      keyId: v.signing.keyId,
      nodeId: v.signing.nodeId,
      xwingPublicKey: v.xwing.publicKey,
      xwingKeyId: v.xwing.keyId,
      sharedSecret: v.xwing.sharedSecret,
    });
  });

  it("verifies the vector's composite signature, refuses tampered ones, and signs what noble verifies", () => {
    expect(got().identity.vectorSignatureVerifies).toBe(true);
    expect(got().identity.tamperedVerify).toEqual([false, false, false]);
    expect(got().identity.ownSignatureVerifiesOnNoble).toBe(true);
  });

  it("encapsulates to the vector's X-Wing key so that an independent implementation decapsulates", () => {
    const { enc, sharedSecret } = got().identity.encapsulation;
    expect(toBase64url(ml_kem768_x25519.decapsulate(fromBase64url(enc), fromBase64url(vectors.identity.xwing.seed)))).toBe(sharedSecret);
  });

  it("verifies the vector card and refuses a renamed one and a flipped signature", () => {
    expect(got().card).toEqual({ verified: vectors.card.card.id, renamed: "bad_signature", flippedSignature: "bad_signature" });
  });

  it("opens the vector envelope and seals the vector's answer to its exact bytes", () => {
    expect(got().envelope).toEqual({ plaintext: vectors.envelope.plaintext, sealedResponse: vectors.envelope.response.sealed });
  });

  it("opens the valid refusal-vector envelope and refuses every case with its code", () => {
    expect(got().refusals.valid).toBe("opened");
    expect(got().refusals.cases).toEqual(Object.fromEntries(expectedRefusals.map((c) => [c.name, c.code])));
  });
});
