// The redemption port and the wallet, on a real libSQL database with real blind RSA: tokens the
// issuer signed are spent once, all or none; a token altered, under an expired key, or of another
// issuer is refused with its own code and changes nothing; the wallet pays the price in tokens.
import { beforeAll, describe, expect, it } from "vitest";
import { toBase64url } from "../../src/protocol/encoding/bytes.ts";
import { parseSeed, newSeed } from "../../src/protocol/identity/seed.ts";
import { blindTokenRequests, signTokenRequests } from "../../src/protocol/tokens/issuance.ts";
import { tokenKeyId } from "../../src/protocol/tokens/issuer-key.ts";
import { SecretBox } from "../../src/secrets/sealed-box.ts";
import { currentIssuerKey, rotateIssuerKeys, signingKey } from "../../src/node/tokens/issuer-keys.ts";
import { redeemTokens } from "../../src/node/tokens/redemption.ts";
import { keepTokens, listWallet, spendTokens, TokenWalletError } from "../../src/node/tokens/wallet.ts";
import type { Database } from "../../src/store/database.ts";
import { memoryDb } from "../support/libsql.ts";

const ISSUER = "issuer-node";
const KEY_SECONDS = 3600;
const tokens = { issue: true, unit: "credit", value: 5, keySeconds: KEY_SECONDS, trustedIssuers: [] as string[] };
const perCall = (amount: number) => ({ model: "per_call" as const, amount, unit: "credit" });

let db: Database;
let port: { db: Database; nodeId: string; secrets: SecretBox; config: { tokens: typeof tokens } };
const T0 = Date.now();

/** `n` tokens of the port's issuer, bought the way a sale makes them (blind, sign, unblind). */
async function issued(n: number, now = T0, issuer = port): Promise<string[]> {
  const key = await currentIssuerKey(issuer, now);
  const blinded = await blindTokenRequests(issuer.nodeId, Buffer.from(key.publicKey, "base64url"), n);
  const responses = await signTokenRequests((await signingKey(issuer, key.keyId, now))!, blinded.requests);
  return (await blinded.finalize(responses)).map(toBase64url);
}

beforeAll(async () => {
  db = await memoryDb();
  port = { db, nodeId: ISSUER, secrets: new SecretBox(parseSeed(newSeed())), config: { tokens } };
});

describe("redemption", () => {
  it("spends a valid token once: the second time it is token_spent", async () => {
    const [t] = await issued(1);
    expect(await redeemTokens(port, [t], perCall(5), T0)).toEqual({ ok: true, redeemed: 1 });
    expect(await redeemTokens(port, [t], perCall(5), T0)).toMatchObject({ ok: false, code: "token_spent" });
  });

  it("charges ceil(amount / value) tokens and leaves the rest unspent", async () => {
    const ts = await issued(3);
    expect(await redeemTokens(port, ts, perCall(6), T0)).toEqual({ ok: true, redeemed: 2 });
    expect(await redeemTokens(port, [ts[2]], perCall(1), T0)).toEqual({ ok: true, redeemed: 1 });
  });

  it("is all or none: one spent token among fresh ones spends none of them", async () => {
    const [spent, fresh] = await issued(2);
    expect((await redeemTokens(port, [spent], perCall(5), T0)).ok).toBe(true);
    expect(await redeemTokens(port, [fresh, spent], perCall(10), T0)).toMatchObject({ ok: false, code: "token_spent" });
    expect(await redeemTokens(port, [fresh], perCall(5), T0)).toEqual({ ok: true, redeemed: 1 });
  });

  it("refuses the same token twice in one payment", async () => {
    const [t] = await issued(1);
    expect(await redeemTokens(port, [t, t], perCall(10), T0)).toMatchObject({ ok: false, code: "token_spent" });
    expect((await redeemTokens(port, [t], perCall(5), T0)).ok).toBe(true);
  });

  it("refuses an altered token as token_invalid, and spends nothing", async () => {
    const [t] = await issued(1);
    const bytes = Buffer.from(t!, "base64url");
    bytes[bytes.length - 1]! ^= 1;
    expect(await redeemTokens(port, [toBase64url(bytes)], perCall(5), T0)).toMatchObject({ ok: false, code: "token_invalid" });
    const nonce = Buffer.from(t!, "base64url");
    nonce[5]! ^= 1;
    expect(await redeemTokens(port, [toBase64url(nonce)], perCall(5), T0)).toMatchObject({ ok: false, code: "token_invalid" });
    expect((await redeemTokens(port, [t], perCall(5), T0)).ok).toBe(true);
    expect(await redeemTokens(port, ["not a token"], perCall(5), T0)).toMatchObject({ ok: false, code: "token_invalid" });
  });

  it("refuses a token answering the challenge of an issuer it does not trust, even under this issuer's key", async () => {
    const [t] = await issued(1, T0, { ...port, nodeId: "other-node" });
    expect(await redeemTokens(port, [t], perCall(5), T0)).toMatchObject({ ok: false, code: "issuer_not_trusted" });
    // Trusted by name but with no way to reach it (no federation here), it is still refused, typed.
    const trusting = { ...port, config: { tokens: { ...tokens, trustedIssuers: ["other-node"] } } };
    expect(await redeemTokens(trusting, [t], perCall(5), T0)).toMatchObject({ ok: false, code: "issuer_not_trusted" });
    // One of this issuer's tokens after it: tokens of two issuers in one payment, none spent.
    const [own] = await issued(1);
    expect(await redeemTokens(port, [own, t], perCall(10), T0)).toMatchObject({ ok: false, code: "token_invalid" });
    expect((await redeemTokens(port, [own], perCall(5), T0)).ok).toBe(true);
  });

  it("refuses a token under a key of another issuer", async () => {
    const [t] = await issued(1, T0, { ...port, db: await memoryDb() });
    expect(await redeemTokens(port, [t], perCall(5), T0)).toMatchObject({ ok: false, code: "token_invalid" });
  });

  it("refuses a token whose key expired as token_key_expired", async () => {
    const [t] = await issued(1);
    const later = T0 + KEY_SECONDS * 1000 + 1;
    expect(await redeemTokens(port, [t], perCall(5), later)).toMatchObject({ ok: false, code: "token_key_expired" });
    // The tick forgets the private half of an expired key and makes a new one.
    await rotateIssuerKeys(port, later);
    expect(await signingKey(port, tokenKeyId(Buffer.from((await currentIssuerKey(port, T0)).publicKey, "base64url")), later)).toBeUndefined();
  });

  it("asks for payment when too few tokens come, and refuses a price tokens cannot pay (not per_call in its unit)", async () => {
    const [t] = await issued(1, Date.now());
    expect(await redeemTokens(port, [t], perCall(6))).toMatchObject({ ok: false, code: "payment_required" });
    expect(await redeemTokens(port, [t], { model: "per_call", amount: 1, unit: "usd" })).toMatchObject({ ok: false, code: "token_price_unsupported" });
    expect(await redeemTokens(port, [t], { model: "per_time", amount: 1, per: "second", unit: "credit" })).toMatchObject({ ok: false, code: "token_price_unsupported" });
    expect(await redeemTokens(port, [t], { model: "subscription", amount: 5, periodSeconds: 60, unit: "credit" })).toMatchObject({ ok: false, code: "token_price_unsupported" });
    expect(await redeemTokens(port, [t], perCall(5 * 33))).toMatchObject({ ok: false, code: "token_price_unsupported" });
    expect(await redeemTokens(port, [], { model: "free" })).toEqual({ ok: true, redeemed: 0 });
    expect((await redeemTokens(port, [t], perCall(5))).ok).toBe(true);
  });
});

describe("wallet", () => {
  it("keeps tokens sealed, pays a call's price in tokens, and each token leaves once", async () => {
    const consumer = { db: await memoryDb(), secrets: new SecretBox(parseSeed(newSeed())) };
    const now = Date.now();
    const bought = await issued(3, now);
    const keyId = (await currentIssuerKey(port, now)).keyId;
    await keepTokens(consumer, bought.map((token) => ({ issuer: ISSUER, keyId, token, unit: "credit", value: 5, expiresAt: now + KEY_SECONDS * 1000 })));
    expect(await listWallet(consumer)).toEqual([expect.objectContaining({ issuer: ISSUER, count: 3 })]);

    const pay = await spendTokens(consumer, ISSUER, perCall(10));
    expect(pay.tokens).toHaveLength(2);
    expect(new Set([...pay.tokens, ...bought]).size).toBe(3);
    expect(await redeemTokens(port, pay.tokens, perCall(10))).toEqual({ ok: true, redeemed: 2 });
    await expect(spendTokens(consumer, ISSUER, perCall(10))).rejects.toThrow(TokenWalletError);
    // A refused payment took nothing: the one token left still pays a 5-credit call.
    const last = await spendTokens(consumer, ISSUER, perCall(5));
    await last.unsend();
    expect((await listWallet(consumer))[0]?.count).toBe(1);
    await expect(spendTokens(consumer, "unknown-issuer", perCall(5))).rejects.toThrow(/no tokens/);
  });
});
