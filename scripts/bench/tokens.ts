// Privacy Pass costs in this runtime (docs/protocol.md §15, docs/benchmarks.md "Tokens"): ms per
// issuer key generation, per token blinded (buyer), signed blind (issuer: with node:crypto's raw RSA
// as the Node and Deno entry points pass it, and with the blindrsa-ts fallback), unblinded and
// checked (buyer), and verified at redemption (issuer). Runs where it is started:
//   npx tsx scripts/bench/tokens.ts                                   Node (this one's)
//   tools/node_modules/.bin/node --import tsx scripts/bench/tokens.ts  Node 24
//   tools/node_modules/.bin/deno run -A scripts/bench/tokens.ts       Deno
//   npx tsx scripts/bench/tokens-workerd.ts                           workerd (signing only)
// BENCH_TOKENS (default 16) tokens per pass; prints one JSON line.
import { loadavg } from "node:os";
import { toBase64url } from "../../src/protocol/encoding/bytes.ts";
import { blindTokenRequests, signTokenRequests } from "../../src/protocol/tokens/issuance.ts";
import { generateIssuerKey, importPublicKey } from "../../src/protocol/tokens/issuer-key.ts";
import { parseToken, verifyToken } from "../../src/protocol/tokens/token.ts";
import { nodeRawRsa } from "../../src/runtimes/node-raw-rsa.ts";
import { median } from "./lib.ts";

const N = Number(globalThis.process?.env.BENCH_TOKENS ?? 16);
const ISSUER = "bench-issuer";
const runtime = "Deno" in globalThis ? `deno ${(globalThis as unknown as { Deno: { version: { deno: string } } }).Deno.version.deno}` : `node ${process.version}`;

const time = async <T>(work: () => Promise<T>): Promise<[T, number]> => {
  const started = performance.now();
  const out = await work();
  return [out, performance.now() - started];
};

const keygen: number[] = [];
for (let i = 0; i < 3; i++) keygen.push((await time(generateIssuerKey))[1]);
const keys = await generateIssuerKey();
const [blinded, blindMs] = await time(() => blindTokenRequests(ISSUER, keys.publicKey, N));
const [responses, signRawMs] = await time(() => signTokenRequests(keys, blinded.requests, nodeRawRsa));
const [fallback, signMs] = await time(() => signTokenRequests(keys, blinded.requests));
if (fallback.some((s, i) => s.some((b, j) => b !== responses[i]![j]))) throw new Error("the two signing paths differ");
const [tokens, finalizeMs] = await time(() => blinded.finalize(responses));
const key = await importPublicKey(keys.publicKey);
const parsed = tokens.map((t) => parseToken(toBase64url(t))!);
const [valid, verifyMs] = await time(async () => (await Promise.all(parsed.map((t) => verifyToken(t, ISSUER, key)))).every(Boolean));
if (!valid) throw new Error("a token did not verify");
const per = (ms: number) => Math.round((ms / N) * 100) / 100;
console.log(JSON.stringify({ runtime, load: loadavg()[0]!.toFixed(1), tokens: N, keygenMs: Math.round(median(keygen)), blindMs: per(blindMs), signRawMs: per(signRawMs), signMs: per(signMs), finalizeMs: per(finalizeMs), verifyMs: per(verifyMs) }));
