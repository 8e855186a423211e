// The issuer's blind signature inside workerd with nodejs_compat (as wrangler.toml runs the node):
// node:crypto's raw RSA and blindrsa-ts both give the token vector's blind signature.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ROOT } from "../support/processes.ts";
import { startTestWorker, type TestWorker } from "../support/runtimes.ts";
import type { BlindSignJob, BlindSignResult } from "./workerd-blind-sign/worker.ts";

const v = JSON.parse(readFileSync(join(ROOT, "test/vectors/tokens.json"), "utf8")) as {
  key: { privateKeyPkcs8: string; publicKey: string };
  issuance: { request: string; response: string };
};
let worker: TestWorker;

beforeAll(async () => {
  worker = await startTestWorker(join(ROOT, "test/runtimes/workerd-blind-sign/worker.ts"), ["nodejs_compat"]);
}, 120_000);

afterAll(async () => {
  await worker?.stop();
});

it("signs the vector's blinded request to the vector's blind signature on both paths", async () => {
  const job: BlindSignJob = { publicKey: v.key.publicKey, privateKeyPkcs8: v.key.privateKeyPkcs8, request: v.issuance.request, times: 1 };
  const res = await fetch(worker.url, { method: "POST", body: JSON.stringify(job) });
  expect(res.status, `${await res.clone().text()}\n${worker.output()}`).toBe(200);
  const result = (await res.json()) as BlindSignResult;
  expect(result.raw).toEqual([v.issuance.response]);
  expect(result.fallback).toEqual([v.issuance.response]);
}, 60_000);
