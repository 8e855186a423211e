// Which refused federation requests count against their sender (docs/security.md, "Refusals as
// evidence"), over a real node's HTTP app: a fault in what the sender signed, once its signature
// verifies, and a malformed message in an envelope that opened; never what anyone could send in
// the sender's name (a forged signature, a replayed or redirected copy of its bytes). Every
// refusal is counted by its code either way.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createApp, type NodeApp } from "../../src/http/app.ts";
import { assembleNode, type AssembledNode } from "../../src/node/assemble.ts";
import { loadConfig } from "../../src/node/settings/config.ts";
import type { Card } from "../../src/protocol/card/schema.ts";
import { seal, type SealInput } from "../../src/protocol/envelope/seal.ts";
import { ENVELOPE_CONTENT_TYPE } from "../../src/protocol/envelope/wire.ts";
import { signingKeyFromSeed, type SigningKey } from "../../src/protocol/identity/keys.ts";
import { primitives } from "../../src/protocol/identity/primitives.ts";
import { newSeed, parseSeed } from "../../src/protocol/identity/seed.ts";
import { startLocal, type LocalStart } from "../../src/runtimes/local.ts";
import { savePeer } from "../../src/store/peers.ts";
import { memoryDb } from "../support/libsql.ts";
import { removeTempDirs, tempDir } from "../support/processes.ts";

const URL_OF_B = "http://127.0.0.1";
let local: LocalStart;
let b: NodeApp;
let bCard: Card;
let a: AssembledNode;
let impostor: AssembledNode;
let aKey: SigningKey;
let impostorKey: SigningKey;
const seeds = { a: newSeed(), impostor: newSeed() };

const assembled = async (seed: string) => assembleNode({ config: loadConfig({ NODE_SEED: seed, ADMIN_TOKEN: "admin-token-for-tests" }), db: await memoryDb() });

beforeAll(async () => {
  local = await startLocal({ DATA_DIR: tempDir("mcpfed-attribution-"), ADMIN_TOKEN: "attribution-admin-token-01", NODE_SEED: newSeed(), TICK_SECONDS: "3600" });
  b = await createApp({ config: local.config, db: local.db, platform: { requestScopedIo: false, standingStreams: true, fetch } });
  [a, impostor] = await Promise.all([assembled(seeds.a), assembled(seeds.impostor)]);
  const p = await primitives();
  [aKey, impostorKey] = await Promise.all([signingKeyFromSeed(p, parseSeed(seeds.a)), signingKeyFromSeed(p, parseSeed(seeds.impostor))]);
  bCard = (await (await b.app.request(`${URL_OF_B}/.well-known/mcpfed`)).json()) as Card;
  // A is B's active peer; the impostor is no one to B.
  const aCard = await (await a.services.card()).get("http://127.0.0.1:9", a.services.now());
  await savePeer(b.services.db, { card: aCard, state: "active", theirState: "active", version: "mcpfed/1", features: [] });
});

afterAll(async () => {
  await Promise.all([b?.close(), a?.close(), impostor?.close()]);
  local?.client.close();
  removeTempDirs();
});

/** An envelope in A's name to B's ping, signed by A unless told otherwise. */
async function envelope(o: Partial<SealInput> = {}) {
  return seal({
    primitives: await primitives(),
    signer: aKey.signer,
    from: a.services.nodeId,
    to: b.services.nodeId,
    recipientKey: bCard.keys.kem[0]!,
    version: "mcpfed/1",
    method: "POST",
    path: "/federation/v1/ping",
    plaintext: new TextEncoder().encode(JSON.stringify({ type: "ping" })),
    now: Math.floor(Date.now() / 1000),
    ...o,
  });
}

/** Posts the bytes to `path`, waits for the work the answer deferred, and says what B counted against A and by which code. */
async function post(bytes: Uint8Array, path = "/federation/v1/ping") {
  b.services.trust.observed.drain();
  const defer = vi.spyOn(b.services, "defer");
  const counted = vi.spyOn(b.services.metrics, "count");
  try {
    const res = await b.app.request(`${URL_OF_B}${path}`, { method: "POST", headers: { "content-type": ENVELOPE_CONTENT_TYPE }, body: bytes as BodyInit });
    const body = res.headers.get("content-type")?.startsWith("application/json") ? ((await res.json()) as { error: { code: string } }) : undefined;
    await Promise.all(defer.mock.calls.map(([work]) => work));
    const codes = counted.mock.calls.filter(([m]) => m.name === "mcpfed_envelope_refusals_total").map(([, labels]) => labels?.code);
    return { status: res.status, code: body?.error.code, codes, refusalsOfA: b.services.trust.observed.drain().get(a.services.nodeId)?.refusals ?? 0 };
  } finally {
    defer.mockRestore();
    counted.mockRestore();
  }
}

describe("refusals counted against their sender", () => {
  it("a ping A signed with a clock an hour ahead", async () => {
    const ahead = await envelope({ now: Math.floor(Date.now() / 1000) + 3600 });
    expect(await post(ahead.bytes)).toMatchObject({ status: 401, code: "not_yet_valid", codes: ["not_yet_valid"], refusalsOfA: 1 });
  });

  it("a ping A signed over a ciphertext B's key cannot open", async () => {
    // Sealed to the impostor's X-Wing key under B's key id: the signature holds, the decryption fails.
    const impostorCard = await (await impostor.services.card()).get("http://127.0.0.1:9", impostor.services.now());
    const garbled = await envelope({ recipientKey: { kid: bCard.keys.kem[0]!.kid, pub: impostorCard.keys.kem[0]!.pub } });
    expect(await post(garbled.bytes)).toMatchObject({ status: 400, code: "decrypt_failed", codes: ["decrypt_failed"], refusalsOfA: 1 });
  });

  it("an envelope that opens but carries no ping", async () => {
    const notPing = await envelope({ plaintext: new TextEncoder().encode(JSON.stringify({ type: "pong" })) });
    expect(await post(notPing.bytes)).toMatchObject({ status: 200, codes: [], refusalsOfA: 1 });
  });
});

describe("refusals never counted against the named sender", () => {
  it("the same faults signed by an impostor in A's name", async () => {
    const ahead = await envelope({ signer: impostorKey.signer, now: Math.floor(Date.now() / 1000) + 3600 });
    expect(await post(ahead.bytes)).toMatchObject({ status: 401, code: "not_yet_valid", codes: ["not_yet_valid"], refusalsOfA: 0 });
    const forged = await envelope({ signer: impostorKey.signer });
    expect(await post(forged.bytes)).toMatchObject({ status: 401, code: "bad_signature", codes: ["bad_signature"], refusalsOfA: 0 });
  });

  it("a copy of A's own envelope, replayed, or posted to another endpoint", async () => {
    const genuine = await envelope();
    expect(await post(genuine.bytes)).toMatchObject({ status: 200, codes: [], refusalsOfA: 0 });
    expect(await post(genuine.bytes)).toMatchObject({ status: 409, code: "replayed", codes: ["replayed"], refusalsOfA: 0 });
    const elsewhere = await envelope();
    expect(await post(elsewhere.bytes, "/federation/v1/exchange")).toMatchObject({ status: 400, code: "wrong_endpoint", codes: ["wrong_endpoint"], refusalsOfA: 0 });
  });

  it("an envelope A made for another node", async () => {
    const impostorCard = await (await impostor.services.card()).get("http://127.0.0.1:9", impostor.services.now());
    const theirs = await envelope({ to: impostor.services.nodeId, recipientKey: impostorCard.keys.kem[0]! });
    expect(await post(theirs.bytes)).toMatchObject({ status: 400, code: "wrong_recipient", codes: ["wrong_recipient"], refusalsOfA: 0 });
  });
});
