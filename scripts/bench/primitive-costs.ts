// Time per operation of the post-quantum primitives and of the protocol's constructions over them
// (composite signature, X-Wing), for one set of primitives. Pure: it imports only src/protocol, so
// it runs unchanged inside workerd (scripts/bench/workerd-primitives/worker.ts), Deno and Node.
import { compositeSigner, compositeVerifier } from "../../src/protocol/identity/composite.ts";
import type { Primitives } from "../../src/protocol/identity/primitives.ts";
import { xWing } from "../../src/protocol/identity/xwing.ts";

export const OPERATIONS = [
  "ML-DSA-65 sign",
  "ML-DSA-65 verify",
  "ML-KEM-768 encapsulate",
  "ML-KEM-768 decapsulate",
  "composite sign",
  "composite verify",
  "X-Wing encapsulate",
  "X-Wing decapsulate",
] as const;
export type Operation = (typeof OPERATIONS)[number];

/** ms per operation, each the median of ROUNDS batches. */
export type Costs = Record<Operation, number>;

// A batch runs one operation until BATCH_MS have passed: workerd's clock moves in millisecond
// steps, and ML-DSA signing loops a random number of times, which a batch averages out.
const BATCH_MS = 100;
const ROUNDS = 7;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function primitiveCosts(p: Primitives): Promise<Costs> {
  const m = new Uint8Array(144); // the size of the composite's M'
  const ctx = new Uint8Array(30);
  const dsa = await p.mlDsa65.fromSeed(new Uint8Array(32).fill(4));
  const dsaPub = await p.mlDsa65.importPublic(dsa.publicKey);
  const dsaSig = await p.mlDsa65.sign(dsa.privateKey, m, ctx);
  const kem = await p.mlKem768.fromSeed(new Uint8Array(64).fill(5));
  const kemPub = await p.mlKem768.importPublic(kem.publicKey);
  const { ciphertext } = await p.mlKem768.encapsulate(kemPub);
  const signer = await compositeSigner(p, new Uint8Array(32).fill(6), new Uint8Array(32).fill(7));
  const verifier = await compositeVerifier(p, signer.publicKey);
  const signed = await signer.sign(m, "mcpfed/1 bench");
  const x = xWing(p);
  const xKey = await x.fromSeed(new Uint8Array(32).fill(8));
  const xPub = await x.importPublic(xKey.publicKey);
  const { enc } = await x.encapsulate(xPub);

  const ops: Record<Operation, () => Promise<unknown>> = {
    "ML-DSA-65 sign": () => p.mlDsa65.sign(dsa.privateKey, m, ctx),
    "ML-DSA-65 verify": () => p.mlDsa65.verify(dsaPub, dsaSig, m, ctx),
    "ML-KEM-768 encapsulate": () => p.mlKem768.encapsulate(kemPub),
    "ML-KEM-768 decapsulate": () => p.mlKem768.decapsulate(kem.privateKey, ciphertext),
    "composite sign": () => signer.sign(m, "mcpfed/1 bench"),
    "composite verify": () => verifier.verify(signed, m, "mcpfed/1 bench"),
    "X-Wing encapsulate": () => x.encapsulate(xPub),
    "X-Wing decapsulate": () => x.decapsulate(xKey.privateKey, enc),
  };
  const costs = {} as Costs;
  for (const op of OPERATIONS) {
    for (let i = 0; i < 3; i++) await ops[op](); // warm-up
    const times: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const t = performance.now();
      let n = 0;
      while (performance.now() - t < BATCH_MS) {
        await ops[op]();
        n++;
      }
      times.push((performance.now() - t) / n);
    }
    costs[op] = median(times);
  }
  return costs;
}
