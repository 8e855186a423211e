// A test worker, never deployed: signs the token vector's blinded request (POSTed to it) on both
// paths inside workerd, node:crypto's raw RSA (nodejs_compat) and blindrsa-ts, `times` times each,
// and answers with the signatures and the ms per signature, for
// test/runtimes/workerd-blind-sign.test.ts and scripts/bench/tokens-workerd.ts.
import { fromBase64url, toBase64url } from "../../../src/protocol/encoding/bytes.ts";
import { signTokenRequests } from "../../../src/protocol/tokens/issuance.ts";
import { nodeRawRsa } from "../../../src/runtimes/node-raw-rsa.ts";

export interface BlindSignJob {
  publicKey: string;
  privateKeyPkcs8: string;
  request: string;
  times: number;
}
export interface BlindSignResult {
  raw: string[];
  fallback: string[];
  rawMs: number;
  fallbackMs: number;
}

export default {
  async fetch(request: Request): Promise<Response> {
    if (request.method !== "POST") return new Response("ready");
    const job = (await request.json()) as BlindSignJob;
    const keys = { publicKey: fromBase64url(job.publicKey), privateKey: fromBase64url(job.privateKeyPkcs8) };
    const requests = Array.from({ length: job.times }, () => fromBase64url(job.request));
    let started = performance.now();
    const raw = await signTokenRequests(keys, requests, nodeRawRsa);
    const rawMs = (performance.now() - started) / job.times;
    started = performance.now();
    const fallback = await signTokenRequests(keys, requests);
    const fallbackMs = (performance.now() - started) / job.times;
    return Response.json({ raw: raw.map(toBase64url), fallback: fallback.map(toBase64url), rawMs, fallbackMs } satisfies BlindSignResult);
  },
};
