// Privacy Pass tokens between real nodes on loopback: A buys tokens from B (the record signed by
// both, held by both), spends them at B once and only once, is refused tokens of an expired key,
// and B's stored view of the sale shares no value with its view of the redemption.
import { sql } from "drizzle-orm";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redeemTokens } from "../../src/node/tokens/redemption.ts";
import { spendTokens } from "../../src/node/tokens/wallet.ts";
import { parseSeed } from "../../src/protocol/identity/seed.ts";
import { DIRECTORY_PATH, issuerDirectory } from "../../src/protocol/tokens/directory.ts";
import { SecretBox } from "../../src/secrets/sealed-box.ts";
import { openDatabaseFile, type TestDatabase } from "../support/libsql.ts";
import { eventually, json, loopbackNode, type NodeProc } from "../support/processes.ts";

/** C's keys live this long, so that one is seen to expire. */
const SHORT_KEY_SECONDS = 8;
const TOKEN = { unit: "credit", value: 2 };

let a: NodeProc;
let b: NodeProc;
let c: NodeProc;
const stores: TestDatabase[] = [];

interface RecordView {
  id: string;
  peer: string;
  role: string;
  status: string;
  record: { intent: { id: string; consumer: string; provider: string; tool: { id: string; fingerprint: string }; price: unknown }; receipt: { amount: number; unit?: string }; sigs: { intent: string; receipt: string; countersign?: string } };
}

async function open(node: NodeProc): Promise<TestDatabase> {
  const store = await openDatabaseFile(join(node.dataDir, "node.db"));
  stores.push(store);
  return store;
}

/** The node's wallet and secrets, as the node's own process opens them. */
async function wallet(node: NodeProc) {
  const secrets = new SecretBox(parseSeed(readFileSync(join(node.dataDir, "node-seed"), "utf8").trim()));
  return { db: (await open(node)).db, secrets };
}

const issuerPort = async (node: NodeProc, keySeconds = 3600) => ({ db: (await open(node)).db, nodeId: node.nodeId, config: { tokens: { issue: true, ...TOKEN, keySeconds } } });

beforeAll(async () => {
  const env = { PEER_POLICY: "open", TOKEN_UNIT: TOKEN.unit, TOKEN_VALUE: String(TOKEN.value) };
  [a, b, c] = await Promise.all([
    loopbackNode("alpha", { env }),
    loopbackNode("bravo", { env }),
    loopbackNode("charlie", { env: { ...env, TOKEN_KEY_SECONDS: String(SHORT_KEY_SECONDS) } }),
  ]);
  await json(await a.admin("POST", "/peers", { url: b.url }));
  await json(await a.admin("POST", "/peers", { url: c.url }));
}, 120_000);

afterAll(async () => {
  for (const s of stores) s.close();
  await Promise.all([a, b, c].map((n) => n?.stop()));
});

describe("payment tokens", () => {
  it("publishes an RFC 9578 issuer directory with one 2048-bit key and the denomination", async () => {
    const res = await fetch(`${b.url}${DIRECTORY_PATH}`);
    expect(res.headers.get("content-type")).toBe("application/private-token-issuer-directory");
    const directory = issuerDirectory.parse(await res.json());
    expect(directory["token-keys"]).toHaveLength(1);
    expect(directory["token-keys"][0]).toMatchObject({ "token-type": 2 });
    expect(Buffer.from(directory["token-keys"][0]!["token-key"], "base64url")).toHaveLength(342);
    expect(directory["mcpfed-denomination"]).toEqual(TOKEN);
    expect(directory["issuer-request-uri"]).toBe(`${b.url}/federation/v1/token-sale`);
    const card = (await (await fetch(`${b.url}/.well-known/mcpfed`)).json()) as { features: string[] };
    expect(card.features).toContain("privacy-pass");
  });

  it("sells tokens to a named peer under a record both sides signed and hold", async () => {
    const { purchase } = await json<{ purchase: { recordId: string; count: number; amount: number; unit: string } }>(await a.admin("POST", "/payment-tokens", { origin: b.nodeId, count: 3 }));
    expect(purchase).toMatchObject({ count: 3, amount: 3 * TOKEN.value, unit: TOKEN.unit });
    const held = async (node: NodeProc) => (await json<{ records: RecordView[] }>(await node.admin("GET", "/ledger/records"))).records.find((r) => r.id === purchase.recordId);
    const atA = await held(a);
    expect(atA).toMatchObject({ role: "consumer", status: "confirmed", peer: b.nodeId });
    expect(atA!.record.intent).toMatchObject({ consumer: a.nodeId, provider: b.nodeId, tool: { id: `${b.nodeId}/privacy-pass/tokens` }, price: { model: "per_call", amount: 6, unit: "credit" } });
    expect(atA!.record.sigs.countersign).toBeTruthy();
    // B gets the countersignature pushed right after the sale.
    const atB = await eventually(async () => {
      const r = await held(b);
      expect(r).toMatchObject({ role: "provider", status: "confirmed", peer: a.nodeId });
      return r!;
    }, 10_000);
    expect(atB.record).toEqual(atA!.record);
    const list = await json<{ wallet: { issuer: string; count: number }[]; issuer: { sales: number } }>(await a.admin("GET", "/payment-tokens"));
    expect(list.wallet).toEqual([expect.objectContaining({ issuer: b.nodeId, count: 3, unit: "credit", value: 2 })]);
    const sold = await json<{ issuer: { sales: number; sold: number; keys: unknown[] } }>(await b.admin("GET", "/payment-tokens"));
    expect(sold.issuer).toMatchObject({ sales: 1, sold: 3 });
  });

  it("accepts a token once: the same token again is token_spent", async () => {
    const pay = await spendTokens(await wallet(a), b.nodeId, { model: "per_call", amount: 2, unit: "credit" });
    expect(pay.tokens).toHaveLength(1);
    const issuer = await issuerPort(b);
    expect(await redeemTokens(issuer, pay.tokens, { model: "per_call", amount: 2, unit: "credit" })).toEqual({ ok: true, redeemed: 1 });
    expect(await redeemTokens(issuer, pay.tokens, { model: "per_call", amount: 2, unit: "credit" })).toMatchObject({ ok: false, code: "token_spent" });
    // A's wallet gave them out once: two are left.
    const list = await json<{ wallet: { count: number }[] }>(await a.admin("GET", "/payment-tokens"));
    expect(list.wallet[0]?.count).toBe(2);
  });

  it("refuses a token whose issuer key has expired", async () => {
    const { purchase } = await json<{ purchase: { expiresAt: number } }>(await a.admin("POST", "/payment-tokens", { origin: c.nodeId, count: 1 }));
    const pay = await spendTokens(await wallet(a), c.nodeId, { model: "per_call", amount: 2, unit: "credit" });
    const issuer = await issuerPort(c, SHORT_KEY_SECONDS);
    // Wait for the key's expiry (the wallet's copy of it is rounded down to the second).
    await eventually(async () => expect(Date.now()).toBeGreaterThan(purchase.expiresAt + 1000), (SHORT_KEY_SECONDS + 5) * 1000);
    expect(await redeemTokens(issuer, pay.tokens, { model: "per_call", amount: 2, unit: "credit" })).toMatchObject({ ok: false, code: "token_key_expired" });
    // And C sells under a new key at once.
    const again = await json<{ purchase: { count: number } }>(await a.admin("POST", "/payment-tokens", { origin: c.nodeId, count: 1 }));
    expect(again.purchase.count).toBe(1);
  }, 60_000);

  it("keeps no value in common between the issuer's sales and its redemptions", async () => {
    const pay = await spendTokens(await wallet(a), b.nodeId, { model: "per_call", amount: 4, unit: "credit" });
    const issuer = await issuerPort(b);
    expect((await redeemTokens(issuer, pay.tokens, { model: "per_call", amount: 4, unit: "credit" })).ok).toBe(true);
    const db = (await open(b)).db;
    const redemptions = await db.all<Record<string, unknown>>(sql`SELECT * FROM token_redemptions`);
    expect(redemptions).toHaveLength(3);
    const issuance = [
      ...(await db.all<Record<string, unknown>>(sql`SELECT * FROM token_sales`)),
      ...(await db.all<Record<string, unknown>>(sql`SELECT * FROM ledger_records`)),
    ];
    expect(issuance.length).toBeGreaterThanOrEqual(2);
    const issued = issuance.flatMap((row) => Object.values(row)).filter((v) => v !== null);
    const issuedText = issued.map(String).join("\n");
    for (const row of redemptions) {
      for (const value of Object.values(row)) {
        expect(issued, `redemption value ${String(value)}`).not.toContain(value);
        // Nor inside a stored record (a nonce hidden in JSON, say).
        if (typeof value === "string") expect(issuedText).not.toContain(value);
      }
    }
  });
});
