// The issuer's side of redemption for a provider (protocol §15.9) on a real libSQL ledger with real
// blind RSA: tokens are checked and spent in the issuer's one table, all or none, and answered with
// the issuer's intent to pay the provider; the provider's receipt over that intent is countersigned
// and held confirmed; a receipt over an intent the issuer did not sign, from another provider, or
// for another count is refused and keeps nothing.
import { sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { serveTokenRedeem, type IssuerRedemptionPort } from "../../src/node/tokens/issuer-redemption.ts";
import { currentIssuerKey, signingKey } from "../../src/node/tokens/issuer-keys.ts";
import type { Quarantine } from "../../src/node/trust/quarantine.ts";
import { toBase64url } from "../../src/protocol/encoding/bytes.ts";
import { signedIntent, type SignedIntent } from "../../src/protocol/ledger/record.ts";
import { INTENT_CONTEXT, intentBytes, signReceipt, verifyRecord } from "../../src/protocol/ledger/signing.ts";
import { blindTokenRequests, signTokenRequests } from "../../src/protocol/tokens/issuance.ts";
import { redemptionRequestHash, redemptionResult, redemptionTool } from "../../src/protocol/tokens/online-redemption.ts";
import { nodeRawRsa } from "../../src/runtimes/node-raw-rsa.ts";
import type { SecretBox } from "../../src/secrets/sealed-box.ts";
import type { TestIdentity, TestKeyring } from "../support/ed25519.ts";
import type { LedgerNode } from "../support/ledger.ts";
import { issuerOnLedger } from "../support/token-issuer.ts";

const TOKENS = { issue: true, unit: "credit", value: 3, keySeconds: 3600, trustedIssuers: [] };

let provider: TestIdentity;
let stranger: TestIdentity;
let keys: TestKeyring;
let issuer: LedgerNode;
let port: IssuerRedemptionPort & { secrets: SecretBox };
let quarantine: Quarantine;

beforeEach(async () => {
  const made = await issuerOnLedger();
  ({ issuer, keys, quarantine, stranger } = made);
  provider = made.peer;
  port = { db: issuer.db(), nodeId: issuer.id, secrets: made.secrets, config: { tokens: TOKENS }, ledger: issuer.ledger, identity: made.identity, quarantine };
});

afterEach(() => issuer.close());

/** `n` of the issuer's tokens, made the way a sale makes them. */
async function issued(n: number): Promise<string[]> {
  const now = Date.now();
  const key = await currentIssuerKey(port, now);
  const blinded = await blindTokenRequests(issuer.id, Buffer.from(key.publicKey, "base64url"), n);
  return (await blinded.finalize(await signTokenRequests((await signingKey(port, key.keyId, now))!, blinded.requests, nodeRawRsa))).map(toBase64url);
}

const spentRows = async () => (await issuer.db().all<{ n: number }>(sql`SELECT count(*) AS n FROM token_redemptions`))[0]!.n;
const records = async () => (await issuer.db().all<{ n: number }>(sql`SELECT count(*) AS n FROM ledger_records`))[0]!.n;

async function redeemed(tokens: string[], from = provider): Promise<SignedIntent> {
  const reply = await serveTokenRedeem(port, from.signer.nodeId, { type: "token-redeem", tokens });
  if (!reply.ok || !("intent" in reply)) throw new Error(JSON.stringify(reply));
  return signedIntent.parse(reply.intent);
}

/** The provider's receipt over `intent`, as src/node/tokens/online-redemption.ts signs it. */
const receiptOver = (intent: SignedIntent, n: number, by = provider) => signReceipt(by.signer, intent, { result: redemptionResult(n), durationMs: 0, completedAt: intent.intent.requestedAt + 5 });

describe("serveTokenRedeem", () => {
  it("spends the tokens and promises the provider their worth, by an intent it signs as consumer", async () => {
    const tokens = await issued(2);
    const intent = await redeemed(tokens);
    expect(intent.intent).toMatchObject({ consumer: issuer.id, provider: provider.signer.nodeId, tool: redemptionTool(provider.signer.nodeId, issuer.id), request: await redemptionRequestHash(tokens), price: { model: "per_call", amount: 6, unit: "credit" } });
    expect(await spentRows()).toBe(2);
    // Nothing is held before the provider's receipt comes.
    expect(await records()).toBe(0);
    expect(await serveTokenRedeem(port, provider.signer.nodeId, { type: "token-redeem", tokens: [tokens[1]!] })).toMatchObject({ ok: false, error: { code: "token_spent" } });
  });

  it("spends none of a payment with one spent token in it", async () => {
    const [spent, ...fresh] = await issued(3);
    await redeemed([spent!]);
    expect(await serveTokenRedeem(port, provider.signer.nodeId, { type: "token-redeem", tokens: [fresh[0]!, spent!, fresh[1]!] })).toMatchObject({ ok: false, error: { code: "token_spent" } });
    expect(await spentRows()).toBe(1);
    await redeemed(fresh);
    expect(await spentRows()).toBe(3);
  });

  it("refuses an altered token, and tokens from a provider it holds in quarantine or when it does not issue", async () => {
    const [t] = await issued(1);
    const bytes = Buffer.from(t!, "base64url");
    bytes[bytes.length - 1]! ^= 1;
    expect(await serveTokenRedeem(port, provider.signer.nodeId, { type: "token-redeem", tokens: [toBase64url(bytes)] })).toMatchObject({ ok: false, error: { code: "token_invalid" } });
    const off = { ...port, config: { tokens: { ...TOKENS, issue: false } } };
    expect(await serveTokenRedeem(off, provider.signer.nodeId, { type: "token-redeem", tokens: [t!] })).toMatchObject({ ok: false, error: { code: "not_issuing" } });
    await quarantine.hold(provider.signer.nodeId, "test");
    expect(await serveTokenRedeem(port, provider.signer.nodeId, { type: "token-redeem", tokens: [t!] })).toMatchObject({ ok: false, error: { code: "quarantined" } });
    expect(await spentRows()).toBe(0);
  });

  it("countersigns the provider's receipt and holds the record confirmed; the same receipt again gets the same record", async () => {
    const intent = await redeemed(await issued(1));
    const pending = await receiptOver(intent, 1);
    const reply = await serveTokenRedeem(port, provider.signer.nodeId, { type: "token-redeem-receipt", receipt: pending });
    if (!reply.ok || !("record" in reply)) throw new Error(JSON.stringify(reply));
    expect(await verifyRecord(keys, reply.record)).toBe("valid");
    expect((await issuer.ledger.get(intent.intent.id))?.status).toBe("confirmed");
    expect(await serveTokenRedeem(port, provider.signer.nodeId, { type: "token-redeem-receipt", receipt: pending })).toEqual(reply);
    // Another node cannot fetch it.
    expect(await serveTokenRedeem(port, stranger.signer.nodeId, { type: "token-redeem-receipt", receipt: pending })).toMatchObject({ ok: false, error: { code: "receipt_refused" } });
  });

  const forged: [string, () => Promise<[TestIdentity, unknown]>][] = [
    [
      "an intent in the issuer's name that the provider signed",
      async () => {
        const real = await redeemed(await issued(1));
        const inflated = { ...real.intent, id: "aa".repeat(32), price: { model: "per_call" as const, amount: 300, unit: "credit" } };
        const fake: SignedIntent = { intent: inflated, sig: toBase64url(await provider.signer.sign(intentBytes({ intent: inflated }), INTENT_CONTEXT)) };
        return [provider, await receiptOver(fake, 100)];
      },
    ],
    ["a receipt for another count of tokens", async () => [provider, await receiptOver(await redeemed(await issued(2)), 1)]],
    ["a receipt sent by another node than the intent's provider", async () => [stranger, await receiptOver(await redeemed(await issued(1)), 1)]],
    ["something that is not a record", async () => [provider, { receipt: 1 }]],
  ];
  for (const [what, make] of forged) {
    it(`refuses ${what}, and keeps nothing`, async () => {
      const [from, receipt] = await make();
      expect(await serveTokenRedeem(port, from.signer.nodeId, { type: "token-redeem-receipt", receipt })).toMatchObject({ ok: false, error: { code: "receipt_refused" } });
      expect(await records()).toBe(0);
    });
  }
});
