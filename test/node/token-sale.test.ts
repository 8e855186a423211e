// The issuer's side of a token sale (protocol §15.3) on a real libSQL ledger with real blind RSA:
// a sale paid by a valid intent is signed and recorded pending; an intent for other requests, at
// another price, from another sender, used twice, or a request for another key is refused, and
// leaves no record, no sale row and no signature behind.
import { sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { currentIssuerKey } from "../../src/node/tokens/issuer-keys.ts";
import type { Quarantine } from "../../src/node/trust/quarantine.ts";
import { serveTokenSale, type SalePort } from "../../src/node/tokens/sale.ts";
import { toBase64url } from "../../src/protocol/encoding/bytes.ts";
import { record as recordSchema } from "../../src/protocol/ledger/record.ts";
import { signIntent, verifyRecord } from "../../src/protocol/ledger/signing.ts";
import { blindTokenRequests } from "../../src/protocol/tokens/issuance.ts";
import { nodeRawRsa } from "../../src/runtimes/node-raw-rsa.ts";
import { saleQuote, saleResultHash, saleTool, type TokenSaleRequest } from "../../src/protocol/tokens/sale.ts";
import type { TestIdentity, TestKeyring } from "../support/ed25519.ts";
import type { LedgerNode } from "../support/ledger.ts";
import { issuerOnLedger } from "../support/token-issuer.ts";

const TOKENS = { issue: true, unit: "credit", value: 3, keySeconds: 3600, trustedIssuers: [] };

let consumer: TestIdentity;
let stranger: TestIdentity;
let keys: TestKeyring;
let issuer: LedgerNode;
let port: SalePort;
let quarantine: Quarantine;

beforeEach(async () => {
  const made = await issuerOnLedger();
  ({ issuer, keys, quarantine, stranger } = made);
  consumer = made.peer;
  port = { db: issuer.db(), nodeId: issuer.id, secrets: made.secrets, config: { tokens: TOKENS }, ledger: issuer.ledger, identity: made.identity, quarantine, platform: { rawRsa: nodeRawRsa } };
});

afterEach(() => issuer.close());

/** A sale of `n` tokens as a consumer makes it, with `change` applied to what its intent signs. */
async function sale(n: number, change: { amount?: number; requests?: string[]; by?: TestIdentity } = {}): Promise<TokenSaleRequest> {
  const key = await currentIssuerKey(port, Date.now());
  const blinded = await blindTokenRequests(issuer.id, Buffer.from(key.publicKey, "base64url"), n);
  const requests = blinded.requests.map(toBase64url);
  const price = { ...saleQuote(n, TOKENS), ...(change.amount !== undefined ? { amount: change.amount } : {}) };
  const intent = await signIntent((change.by ?? consumer).signer, { provider: issuer.id, tool: saleTool(issuer.id, key.keyId), params: { keyId: key.keyId, requests: change.requests ?? requests }, price, requestedAt: Date.now() });
  return { type: "token-sale", keyId: key.keyId, requests, intent };
}

const saleRows = async () => (await issuer.db().all<{ n: number }>(sql`SELECT count(*) AS n FROM token_sales`))[0]!.n;
const records = async () => (await issuer.db().all<{ n: number }>(sql`SELECT count(*) AS n FROM ledger_records`))[0]!.n;

describe("serveTokenSale", () => {
  it("signs the requests, and stores a pending record whose result is the responses' hash", async () => {
    const request = await sale(2);
    const reply = await serveTokenSale(port, consumer.signer.nodeId, request);
    if (!reply.ok) throw new Error(reply.error.message);
    expect(reply.responses).toHaveLength(2);
    const receipt = recordSchema.parse(reply.receipt);
    expect(receipt.receipt).toMatchObject({ result: await saleResultHash(reply.responses), amount: 6, unit: "credit" });
    expect(await verifyRecord(keys, receipt)).toBe("pending");
    expect((await issuer.ledger.get(receipt.intent.id))?.status).toBe("pending");
    expect(await saleRows()).toBe(1);
  });

  const refusals: [string, () => Promise<[string, TokenSaleRequest]>, string][] = [
    ["an intent that pays for other requests", async () => [consumer.signer.nodeId, await sale(1, { requests: ["x"] })], "intent_refused"],
    ["an intent below the price", async () => [consumer.signer.nodeId, await sale(2, { amount: 5 })], "price_changed"],
    ["an intent signed by another node than the sender", async () => [consumer.signer.nodeId, await sale(1, { by: stranger })], "intent_refused"],
    ["a key this issuer does not hold", async () => [consumer.signer.nodeId, { ...(await sale(1)), keyId: "ab".repeat(32) }], "token_key_expired"],
    [
      "a request for another key",
      async () => {
        const request = await sale(1);
        const bytes = Buffer.from(request.requests[0]!, "base64url");
        bytes[2]! ^= 0xff;
        const requests = [toBase64url(bytes)];
        const intent = await signIntent(consumer.signer, { provider: issuer.id, tool: saleTool(issuer.id, request.keyId), params: { keyId: request.keyId, requests }, price: saleQuote(1, TOKENS), requestedAt: Date.now() });
        return [consumer.signer.nodeId, { ...request, requests, intent }];
      },
      "bad_request",
    ],
  ];
  for (const [what, make, code] of refusals) {
    it(`refuses ${what} (${code}), and keeps nothing`, async () => {
      const [from, request] = await make();
      expect(await serveTokenSale(port, from, request)).toMatchObject({ ok: false, error: { code } });
      expect(await records()).toBe(0);
      expect(await saleRows()).toBe(0);
    });
  }

  it("refuses an intent used twice", async () => {
    const request = await sale(1);
    expect((await serveTokenSale(port, consumer.signer.nodeId, request)).ok).toBe(true);
    expect(await serveTokenSale(port, consumer.signer.nodeId, request)).toMatchObject({ ok: false, error: { code: "intent_refused" } });
    expect(await saleRows()).toBe(1);
  });

  it("sells nothing to a buyer it holds in quarantine", async () => {
    await quarantine.hold(consumer.signer.nodeId, "test");
    expect(await serveTokenSale(port, consumer.signer.nodeId, await sale(1))).toMatchObject({ ok: false, error: { code: "quarantined" } });
    expect(await records()).toBe(0);
  });

  it("sells nothing when the node does not issue", async () => {
    const off = { ...port, config: { tokens: { ...TOKENS, issue: false } } };
    expect(await serveTokenSale(off, consumer.signer.nodeId, await sale(1))).toMatchObject({ ok: false, error: { code: "not_issuing" } });
  });
});
