// The Stripe adapter configured through the admin settings (PUT /admin/ledger/settlement-methods/
// stripe and `mcpfed ledger stripe`): authenticated, typed errors for bad input with nothing
// stored, the key sealed (no file of the node's data folder holds it), never answered back (only
// "set" and its last four characters), and the adapter the node builds pays with the newest key
// against the Stripe double (test/support/stripe-double.ts, which accepts one key only).
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StripeError } from "../../src/node/ledger/settlement/stripe.ts";
import { settlementMethods } from "../../src/store/schema/index.ts";
import { cli } from "../support/cli.ts";
import { inProcessNode, stopAll, type InProcessNode } from "../support/in-process-node.ts";
import { tempDir } from "../support/processes.ts";
import { startStripeDouble, type StripeDouble } from "../support/stripe-double.ts";

const TOKEN = "stripe-settings-admin-token-0123456789";
const OLD_KEY = "sk_test_oldkey_5a1f0c9e77d2b3aa";
const NEW_KEY = "sk_test_newkey_9c04e1b2d6f8e4f2";
const PATH = "/ledger/settlement-methods/stripe";

let node: InProcessNode;
let stripe: StripeDouble;

beforeAll(async () => {
  stripe = await startStripeDouble(NEW_KEY);
  node = await inProcessNode("stripe-settings", TOKEN);
});
afterAll(async () => {
  await stripe.close();
  await stopAll([node]);
});

const storedRows = () => node.local.db.select().from(settlementMethods);
/** Every byte the node keeps on disk: the database, its WAL, the identity files. */
function dataFolderHolds(text: string): string[] {
  const dir = node.local.dataDir;
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .filter((f) => readFileSync(f).includes(Buffer.from(text)));
}
const payWithStoredConfig = async () => {
  const adapter = await node.app.services.settlement.adapter("stripe");
  return adapter!.pay!({ settlementId: "5e".repeat(32), payee: "payee-node", unit: "EUR", amount: 900 });
};

describe("Stripe settings in the admin API", () => {
  it("refuses a caller without the admin token and stores nothing", async () => {
    const res = await fetch(`http://127.0.0.1:${node.port}/admin${PATH}`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ secretKey: OLD_KEY }) });
    expect(res.status).toBe(401);
    expect(await storedRows()).toEqual([]);
  });

  it("answers bad input with a typed invalid_request, echoes no key and stores nothing", async () => {
    const bad: unknown[] = [
      { secretKey: "pk_test_publishablekey123" },
      { secretKey: `${OLD_KEY} extra` },
      { secretKey: OLD_KEY, customer: "customer-1" },
      { secretKey: OLD_KEY, paymentMethod: "card_123" },
      { secretKey: OLD_KEY, apiUrl: "ftp://stripe.example" },
      { secretKey: OLD_KEY, webhookSecret: "whsec_x" },
      { customer: "cus_alone" },
    ];
    for (const body of bad) {
      const res = await node.admin("PUT", PATH, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      const text = await res.text();
      expect((JSON.parse(text) as { error: { code: string } }).error.code).toBe("invalid_request");
      expect(text).not.toContain(OLD_KEY);
    }
    expect(await storedRows()).toEqual([]);
    expect(await node.app.services.settlement.adapter("stripe")).toBeUndefined();
  });

  it("seals the key, answers only that it is set and its last four characters, and pays with it", async () => {
    const res = await node.admin("PUT", PATH, { secretKey: OLD_KEY, customer: "cus_payer", paymentMethod: "pm_card_visa", apiUrl: stripe.url });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain(OLD_KEY);
    expect(JSON.parse(text)).toMatchObject({ method: "stripe", settings: { customer: "cus_payer", paymentMethod: "pm_card_visa", apiUrl: stripe.url }, secret: { set: true, last4: OLD_KEY.slice(-4) } });

    const [row] = await storedRows();
    expect(row!.secretLast4).toBe(OLD_KEY.slice(-4));
    expect(row!.secret).not.toContain(OLD_KEY);
    expect(row!.secret).not.toContain(OLD_KEY.slice(8));
    expect(dataFolderHolds(OLD_KEY)).toEqual([]);
    // The scan does see what is stored: the sealed value is in the database or its WAL.
    expect(dataFolderHolds(row!.secret.slice(-32)).length).toBeGreaterThan(0);

    const listed = await node.admin("GET", "/ledger/settlement-methods");
    const listText = await listed.text();
    expect(listText).not.toContain(OLD_KEY);
    expect(JSON.parse(listText)).toMatchObject({ methods: [{ method: "stripe", secret: { set: true, last4: OLD_KEY.slice(-4) } }] });
    // Listing opens no secret: it reads the stored last four. A row whose sealed value no longer
    // opens (here: cut short) still lists; only the payment, which opens it, would fail.
    await node.local.db.update(settlementMethods).set({ secret: row!.secret.slice(0, 20) });
    expect(JSON.parse(await (await node.admin("GET", "/ledger/settlement-methods")).text())).toMatchObject({ methods: [{ method: "stripe", secret: { last4: OLD_KEY.slice(-4) } }] });
    await node.local.db.update(settlementMethods).set({ secret: row!.secret });

    // The double knows only the new key: the stored (old) one is what reached it, and was refused.
    const refused = await payWithStoredConfig().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(StripeError);
    expect((refused as StripeError).kind).toBe("authentication");
    expect(stripe.requests.at(-1)!.authorization).toBe(`Bearer ${OLD_KEY}`);
    expect(stripe.intents.size).toBe(0);
  });

  it("replaces the key with the CLI (read from a file), shows only its end, and the adapter then pays with the new key", async () => {
    const keyFile = join(tempDir("mcpfed-stripe-key-"), "key");
    writeFileSync(keyFile, `${NEW_KEY}\n`, { mode: 0o600 });
    const env = { MCPFED_URL: `http://127.0.0.1:${node.port}`, ADMIN_TOKEN: TOKEN };
    const set = await cli(["ledger", "stripe", "set", "--key-file", keyFile, "--customer", "cus_payer", "--payment-method", "pm_card_visa", "--api-url", stripe.url], env);
    expect(set.stderr).toBe("");
    expect(set.code).toBe(0);
    expect(set.stdout).toContain(`set, ending ${NEW_KEY.slice(-4)}`);
    expect(set.stdout).not.toContain(NEW_KEY);
    const shown = await cli(["ledger", "stripe", "show", "--json"], env);
    expect(shown.code).toBe(0);
    expect(shown.stdout).not.toContain(NEW_KEY);
    expect(JSON.parse(shown.stdout)).toMatchObject({ method: "stripe", secret: { set: true, last4: NEW_KEY.slice(-4) } });

    expect(dataFolderHolds(NEW_KEY)).toEqual([]);
    const reference = await payWithStoredConfig();
    expect(stripe.requests.at(-1)).toMatchObject({ method: "POST", path: "/v1/payment_intents", authorization: `Bearer ${NEW_KEY}` });
    expect(stripe.intents.get(reference)).toMatchObject({ amount: 900, currency: "eur", status: "succeeded" });
  });

  it("removes the configuration: the adapter is gone, and removing it again is not_found", async () => {
    expect((await node.admin("DELETE", PATH)).status).toBe(204);
    expect(await storedRows()).toEqual([]);
    expect(await node.app.services.settlement.adapter("stripe")).toBeUndefined();
    const again = await node.admin("DELETE", PATH);
    expect(again.status).toBe(404);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe("not_found");
  });
});
