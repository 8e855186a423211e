// The issuer's blind signature inside workerd (wrangler dev from tools/, nodejs_compat): ms per
// signature with node:crypto's raw RSA and with blindrsa-ts, over BENCH_TOKENS (16) signatures of
// the token vector's request; prints one JSON line. scripts/bench/tokens.ts covers Node and Deno.
//   npx tsx scripts/bench/tokens-workerd.ts
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { ROOT } from "../../test/support/processes.ts";
import { startTestWorker } from "../../test/support/runtimes.ts";
import type { BlindSignJob, BlindSignResult } from "../../test/runtimes/workerd-blind-sign/worker.ts";

const N = Number(process.env.BENCH_TOKENS ?? 16);
const v = JSON.parse(readFileSync(join(ROOT, "test/vectors/tokens.json"), "utf8")) as { key: { privateKeyPkcs8: string; publicKey: string }; issuance: { request: string } };
const worker = await startTestWorker(join(ROOT, "test/runtimes/workerd-blind-sign/worker.ts"), ["nodejs_compat"]);
try {
  const job: BlindSignJob = { publicKey: v.key.publicKey, privateKeyPkcs8: v.key.privateKeyPkcs8, request: v.issuance.request, times: N };
  const res = await fetch(worker.url, { method: "POST", body: JSON.stringify(job) });
  if (!res.ok) throw new Error(`workerd: ${res.status} ${await res.text()}`);
  const r = (await res.json()) as BlindSignResult;
  if (r.raw.some((s, i) => s !== r.fallback[i])) throw new Error("the two signing paths differ");
  const ms = (x: number) => Math.round(x * 100) / 100;
  console.log(JSON.stringify({ runtime: "workerd (wrangler dev)", load: loadavg()[0]!.toFixed(1), tokens: N, signRawMs: ms(r.rawMs), signMs: ms(r.fallbackMs) }));
} finally {
  await worker.stop();
}
