// Privacy Pass tokens between real nodes on loopback: A buys tokens from B (the record signed by
// both, held by both) and spends them on B's priced public tool through B's OHTTP gateway (§13),
// once and only once; C's tokens are refused once C's short-lived key expired; and B's stored view
// of the sale shares no value with its view of the redemption.
import { sql } from "drizzle-orm";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spendTokens } from "../../src/node/tokens/wallet.ts";
import { DIRECTORY_PATH, issuerDirectory } from "../../src/protocol/tokens/directory.ts";
import { callAnonymously as callStranger, walletOf } from "../support/anonymous-payment.ts";
import { cli } from "../support/cli.ts";
import { openDatabaseFile, type TestDatabase } from "../support/libsql.ts";
import { eventually, json, loopbackNode, startEverything, type NodeProc, type Upstream } from "../support/processes.ts";

/** C's keys live this long, so that one is seen to expire. */
const SHORT_KEY_SECONDS = 8;
const TOKEN = { unit: "credit", value: 2 };

let a: NodeProc;
let b: NodeProc;
let c: NodeProc;
let upstream: Upstream;
const stores: TestDatabase[] = [];
/** The shared echo's fingerprint at each provider. */
const fingerprints = new Map<string, string>();
const PRICE = { model: "per_call" as const, amount: 2, unit: "credit" };

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
  return walletOf(node, (await open(node)).db);
}

/** The priced echo called at `provider`'s gateway with `tokens`, as any stranger could. */
function callAnonymously(provider: NodeProc, tokens: string[], message: string) {
  return callStranger(provider, { key: "everything/echo", fingerprint: fingerprints.get(provider.nodeId)!, tokens, arguments: { message } });
}

/** Shares the upstream's echo publicly at `node`, priced PRICE. */
async function sharePricedEcho(node: NodeProc): Promise<void> {
  expect((await node.admin("POST", "/upstreams", { name: "everything", kind: "http", url: upstream.url })).status).toBe(201);
  const shared = await json<{ stored: { key: string; fingerprint: string }[] }>(await node.admin("POST", "/shares", { tool: "everything_echo", visibility: "public", pricing: PRICE }));
  fingerprints.set(node.nodeId, shared.stored.find((e) => e.key === "everything/echo")!.fingerprint);
}

beforeAll(async () => {
  const env = { PEER_POLICY: "open", TOKEN_UNIT: TOKEN.unit, TOKEN_VALUE: String(TOKEN.value) };
  // One at a time: a node starting is CPU-bound, and the machine is shared.
  upstream = await startEverything();
  b = await loopbackNode("bravo", { env });
  c = await loopbackNode("charlie", { env: { ...env, TOKEN_KEY_SECONDS: String(SHORT_KEY_SECONDS) } });
  a = await loopbackNode("alpha", { env });
  await Promise.all([sharePricedEcho(b), sharePricedEcho(c)]);
  await json(await a.admin("POST", "/peers", { url: b.url }));
  await json(await a.admin("POST", "/peers", { url: c.url }));
}, 120_000);

afterAll(async () => {
  for (const s of stores) s.close();
  await Promise.all([a, b, c, upstream].map((n) => n?.stop()));
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

  it("sells tokens to a named peer (mcpfed tokens buy) under a record both sides signed and hold", async () => {
    const env = { MCPFED_URL: a.url, ADMIN_TOKEN: a.adminToken };
    const bought = await cli(["tokens", "buy", b.nodeId, "3"], env);
    expect(bought.stderr).toBe("");
    expect(bought.stdout).toMatch(new RegExp(`^bought 3 token\\(s\\) of ${b.nodeId} for 6 credit, valid until \\S+ \\(record [0-9a-f]{64}\\)`));
    const purchase = { recordId: /record ([0-9a-f]{64})/.exec(bought.stdout)![1]! };
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
    const listed = await cli(["tokens", "list"], env);
    expect(listed.stdout).toMatch(new RegExp(`${b.nodeId}\\s+3\\s+2 credit`));
    const sold = await json<{ issuer: { sales: number; sold: number; keys: unknown[] } }>(await b.admin("GET", "/payment-tokens"));
    expect(sold.issuer).toMatchObject({ sales: 1, sold: 3 });
  });

  it("runs a priced call paid with a token once at the gateway: the same token again is token_spent", async () => {
    expect(await callAnonymously(b, [], "unpaid")).toMatchObject({ ok: false, error: { code: "payment_required" } });
    const pay = await spendTokens(await wallet(a), b.nodeId, PRICE);
    expect(pay.tokens).toHaveLength(1);
    expect(await callAnonymously(b, pay.tokens, "paid")).toMatchObject({ ok: true, result: { content: [{ type: "text", text: "Echo: paid" }] } });
    expect(await callAnonymously(b, pay.tokens, "paid twice")).toMatchObject({ ok: false, error: { code: "token_spent" } });
    const counts = await json<{ issuer: { redeemed: number } }>(await b.admin("GET", "/payment-tokens"));
    expect(counts.issuer.redeemed).toBe(1);
    // A's wallet gave the token out once: two are left.
    const list = await json<{ wallet: { count: number }[] }>(await a.admin("GET", "/payment-tokens"));
    expect(list.wallet[0]?.count).toBe(2);
  });

  it("refuses a token whose issuer key has expired", async () => {
    const { purchase } = await json<{ purchase: { expiresAt: number } }>(await a.admin("POST", "/payment-tokens", { origin: c.nodeId, count: 1 }));
    const pay = await spendTokens(await wallet(a), c.nodeId, PRICE);
    // Wait for the key's expiry (the wallet's copy of it is rounded down to the second).
    await eventually(async () => expect(Date.now()).toBeGreaterThan(purchase.expiresAt + 1000), (SHORT_KEY_SECONDS + 5) * 1000);
    expect(await callAnonymously(c, pay.tokens, "late")).toMatchObject({ ok: false, error: { code: "token_key_expired" } });
    // And C sells under a new key at once.
    const again = await json<{ purchase: { count: number } }>(await a.admin("POST", "/payment-tokens", { origin: c.nodeId, count: 1 }));
    expect(again.purchase.count).toBe(1);
  }, 60_000);

  it("keeps no value in common between the issuer's sales and its redemptions", async () => {
    const pay = await spendTokens(await wallet(a), b.nodeId, PRICE);
    expect(await callAnonymously(b, pay.tokens, "again")).toMatchObject({ ok: true });
    const db = (await open(b)).db;
    const redemptions = await db.all<Record<string, unknown>>(sql`SELECT * FROM token_redemptions`);
    expect(redemptions).toHaveLength(2);
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
    // The anonymous calls' log rows name a pseudonym: neither the buyer nor a sale shows in them.
    // Written after the answer: both paid calls' rows, eventually.
    const anonymous = await eventually(async () => {
      const rows = await db.all<Record<string, unknown>>(sql`SELECT * FROM invocations WHERE caller LIKE 'anon:%' AND outcome = 'ok'`);
      expect(rows.length).toBeGreaterThanOrEqual(2);
      return rows;
    }, 10_000);
    const anonymousText = JSON.stringify(anonymous);
    expect(anonymousText).not.toContain(a.nodeId);
    for (const sale of await db.all<{ record_id: string }>(sql`SELECT record_id FROM token_sales`)) expect(anonymousText).not.toContain(sale.record_id);
  });
});
