// The issuer's side of redemption for a provider (protocol §15.9) on a real libSQL ledger with real
// blind RSA: tokens are checked and spent in the issuer's one table, all or none, and answered with
// the issuer's intent to pay the provider; the provider's receipt over that intent is countersigned
// and held confirmed; a receipt over an intent the issuer did not sign, from another provider, or
// for another count is refused and keeps nothing.
import { sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { LocalIdentity } from "../../src/node/identity/local.ts";
import { PeerRequestError } from "../../src/node/federation-client/errors.ts";
import { answerReceipts, deliverCountersigns, Outbox, type CountersignPort, type PushPort } from "../../src/node/relay/countersigns.ts";
import { serveTokenRedeem, type IssuerRedemptionPort } from "../../src/node/tokens/issuer-redemption.ts";
import { redeemAtIssuer } from "../../src/node/tokens/online-redemption.ts";
import type { Card } from "../../src/protocol/card/schema.ts";
import { currentIssuerKey, signingKey } from "../../src/node/tokens/issuer-keys.ts";
import type { Quarantine } from "../../src/node/trust/quarantine.ts";
import { toBase64url } from "../../src/protocol/encoding/bytes.ts";
import { signedIntent, type SignedIntent } from "../../src/protocol/ledger/record.ts";
import { INTENT_CONTEXT, intentBytes, signReceipt, verifyRecord } from "../../src/protocol/ledger/signing.ts";
import { blindTokenRequests, signTokenRequests } from "../../src/protocol/tokens/issuance.ts";
import { redemptionRequestHash, redemptionResult, redemptionTool, type TokenRedeemRequest } from "../../src/protocol/tokens/online-redemption.ts";
import { nodeRawRsa } from "../../src/runtimes/node-raw-rsa.ts";
import type { SecretBox } from "../../src/secrets/sealed-box.ts";
import type { TestIdentity, TestKeyring } from "../support/ed25519.ts";
import { savePeer } from "../../src/store/peers.ts";
import { ledgerNode, type LedgerNode } from "../support/ledger.ts";
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

/** A provider's token-redeem, priced at the issuer's denomination unless said otherwise. */
const redeemMessage = (tokens: string[], value = TOKENS.value, unit = TOKENS.unit) => ({ type: "token-redeem" as const, tokens, price: { amount: tokens.length * value, unit } });

async function redeemed(tokens: string[], from = provider): Promise<SignedIntent> {
  const reply = await serveTokenRedeem(port, from.signer.nodeId, redeemMessage(tokens));
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
    expect(await serveTokenRedeem(port, provider.signer.nodeId, redeemMessage([tokens[1]!]))).toMatchObject({ ok: false, error: { code: "token_spent" } });
  });

  it("spends none of a payment with one spent token in it", async () => {
    const [spent, ...fresh] = await issued(3);
    await redeemed([spent!]);
    expect(await serveTokenRedeem(port, provider.signer.nodeId, redeemMessage([fresh[0]!, spent!, fresh[1]!]))).toMatchObject({ ok: false, error: { code: "token_spent" } });
    expect(await spentRows()).toBe(1);
    await redeemed(fresh);
    expect(await spentRows()).toBe(3);
  });

  it("refuses an altered token, and tokens from a provider it holds in quarantine or when it does not issue", async () => {
    const [t] = await issued(1);
    const bytes = Buffer.from(t!, "base64url");
    bytes[bytes.length - 1]! ^= 1;
    expect(await serveTokenRedeem(port, provider.signer.nodeId, redeemMessage([toBase64url(bytes)]))).toMatchObject({ ok: false, error: { code: "token_invalid" } });
    const off = { ...port, config: { tokens: { ...TOKENS, issue: false } } };
    expect(await serveTokenRedeem(off, provider.signer.nodeId, redeemMessage([t!]))).toMatchObject({ ok: false, error: { code: "not_issuing" } });
    await quarantine.hold(provider.signer.nodeId, "test");
    expect(await serveTokenRedeem(port, provider.signer.nodeId, redeemMessage([t!]))).toMatchObject({ ok: false, error: { code: "quarantined" } });
    expect(await spentRows()).toBe(0);
  });

  it("spends nothing when the provider priced the tokens at another denomination, and says so, typed", async () => {
    const tokens = await issued(2);
    for (const stale of [redeemMessage(tokens, 2), redeemMessage(tokens, 3, "usd-micro")]) {
      expect(await serveTokenRedeem(port, provider.signer.nodeId, stale)).toMatchObject({ ok: false, error: { code: "denomination_changed" } });
    }
    expect(await spentRows()).toBe(0);
    // At the issuer's own price they are still good.
    await redeemed(tokens);
    expect(await spentRows()).toBe(2);
  });

  it("countersigns the receipt for tokens it spent even after it stopped issuing", async () => {
    const intent = await redeemed(await issued(1));
    const off = { ...port, config: { tokens: { ...TOKENS, issue: false } } };
    const reply = await serveTokenRedeem(off, provider.signer.nodeId, { type: "token-redeem-receipt", receipt: await receiptOver(intent, 1) });
    expect(reply).toMatchObject({ ok: true, record: { intent: { id: intent.intent.id } } });
    expect((await issuer.ledger.get(intent.intent.id))?.status).toBe("confirmed");
  });

  it("countersigns the receipt for the count redeemed after TOKEN_VALUE changed", async () => {
    const intent = await redeemed(await issued(2));
    const revalued = { ...port, config: { tokens: { ...TOKENS, value: 4 } } };
    const reply = await serveTokenRedeem(revalued, provider.signer.nodeId, { type: "token-redeem-receipt", receipt: await receiptOver(intent, 2) });
    expect(reply).toMatchObject({ ok: true, record: { intent: { id: intent.intent.id, price: { amount: 6 } } } });
    expect((await issuer.ledger.get(intent.intent.id))?.status).toBe("confirmed");
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

// The provider's side against the issuer's, each on its own real ledger; the transport between
// them is a direct call that can lose a message (docs/testing.md names the gap).
describe("redemption between a provider and the issuer", () => {
  let p: LedgerNode;
  let lost: number;
  let federation: CountersignPort["federation"];

  beforeEach(async () => {
    p = await ledgerNode(provider.signer, keys, new Map());
    await savePeer(p.db(), { card: { id: issuer.id, name: "issuer", url: "http://127.0.0.1:9" } as Card, state: "active", version: "mcpfed/1", features: [] });
    lost = 0;
    const call = async (_peer: unknown, kind: string, body: unknown, schema: { parse: (v: unknown) => unknown }) => {
      const sent = structuredClone(body) as { type: string };
      if (kind === "receipts") return schema.parse(await answerReceipts(port, provider.signer.nodeId, sent as { type: "receipts"; ids: string[] }));
      if (sent.type === "token-redeem-receipt" && lost > 0) {
        lost--;
        throw new PeerRequestError("unreachable", "lost on the way");
      }
      return schema.parse(await serveTokenRedeem(port, provider.signer.nodeId, sent as TokenRedeemRequest));
    };
    federation = { call } as unknown as CountersignPort["federation"];
  });

  afterEach(() => p.close());

  const providerPort = () => ({
    db: p.db(),
    nodeId: p.id,
    outbound: { getJson: () => Promise.reject(new Error("not read here")) },
    identity: async () => ({ nodeId: p.id, signing: { signer: { sign: provider.signer.sign, signEd25519: provider.signer.sign } } }) as unknown as LocalIdentity,
    federation,
    ledger: p.ledger,
  });

  async function redeemAt(denomination: { unit: string; value: number }, tokens: string[]) {
    const deferred: Promise<unknown>[] = [];
    const outcome = await redeemAtIssuer(providerPort(), issuer.id, tokens, denomination, Date.now(), (w) => deferred.push(w));
    await Promise.all(deferred);
    return outcome;
  }

  it("spends nothing when the provider's denomination of the issuer is out of date", async () => {
    const tokens = await issued(2);
    expect(await redeemAt({ unit: "credit", value: 2 }, tokens)).toMatchObject({ ok: false, code: "issuer_unavailable" });
    expect(await spentRows()).toBe(0);
    expect(await p.ledger.flags()).toEqual([]);
    expect(await redeemAt({ unit: "credit", value: TOKENS.value }, tokens)).toMatchObject({ ok: true, redeemed: 2 });
    expect(await spentRows()).toBe(2);
  });

  it("confirms on both sides, after a tick, a redemption whose receipt was lost once", async () => {
    lost = 1;
    expect(await redeemAt({ unit: "credit", value: TOKENS.value }, await issued(1))).toMatchObject({ ok: true, redeemed: 1 });
    const [pending] = await p.ledger.pending();
    expect(pending).toMatchObject({ role: "provider", peer: issuer.id });
    expect(await issuer.ledger.get(pending!.id)).toBeUndefined();
    const report = await deliverCountersigns({ db: p.db(), ledger: p.ledger, federation, config: { countersignAskAfterSeconds: 0, countersignMaxAsks: 3 } } as CountersignPort & PushPort, new Outbox());
    expect(report).toMatchObject({ failures: 0, abandoned: 0 });
    expect((await p.ledger.get(pending!.id))?.status).toBe("confirmed");
    expect((await issuer.ledger.get(pending!.id))?.status).toBe("confirmed");
    expect((await p.ledger.get(pending!.id))?.record).toBe((await issuer.ledger.get(pending!.id))?.record);
  });
});
