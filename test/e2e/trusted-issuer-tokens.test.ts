// Tokens of one node spent at others that trust it (docs/protocol.md §15.9), between real node
// processes on loopback: A buys tokens from the issuer I under its name, and spends them without
// one at providers P and Q, which name I in TOKEN_TRUSTED_ISSUERS and redeem each payment online at
// I. A itself trusts no one: I's tokens are refused there, typed. A token spent at one provider is
// spent at the other; a payment with one spent token among fresh ones spends none; a token whose
// key expired at issuer J is refused; a per_time tool is not payable in tokens. Each redemption
// leaves a record between I and the provider, signed by both, that names no buyer. When I restarts
// worth another TOKEN_VALUE, the redemption P priced at the old one spends nothing at I.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spendTokens } from "../../src/node/tokens/wallet.ts";
import type { Card } from "../../src/protocol/card/schema.ts";
import { primitives } from "../../src/protocol/identity/primitives.ts";
import { signingKey } from "../../src/protocol/identity/imported.ts";
import { DIRECTORY_PATH, directorySignedBy, issuerDirectory } from "../../src/protocol/tokens/directory.ts";
import { callAnonymously, walletOf } from "../support/anonymous-payment.ts";
import { openDatabaseFile, type TestDatabase } from "../support/libsql.ts";
import { eventually, json, loopbackNode, startEverything, type NodeProc, type Upstream } from "../support/processes.ts";

/** J's keys live this long, so that one is seen to expire. */
const SHORT_KEY_SECONDS = 20;
const TOKEN = { unit: "credit", value: 2 };
const ECHO = { model: "per_call" as const, amount: 2, unit: "credit" };
/** ⌈5 / 2⌉ = 3 tokens a call. */
const DEAR_ECHO = { model: "per_call" as const, amount: 5, unit: "credit" };

let i: NodeProc;
let j: NodeProc;
let p: NodeProc;
let q: NodeProc;
let a: NodeProc;
let upstream: Upstream;
const stores: TestDatabase[] = [];
/** Tool fingerprints by `<node id> <key>`. */
const fingerprints = new Map<string, string>();

interface RecordView {
  id: string;
  peer: string;
  role: string;
  status: string;
  record: { intent: { id: string; consumer: string; provider: string; tool: { id: string }; price: unknown }; receipt: { amount: number; unit?: string }; sigs: { countersign?: string } };
}

async function wallet() {
  const store = await openDatabaseFile(join(a.dataDir, "node.db"));
  stores.push(store);
  return walletOf(a, store.db);
}

async function share(node: NodeProc, tool: string, key: string, pricing: unknown): Promise<void> {
  const shared = await json<{ stored: { key: string; fingerprint: string }[] }>(await node.admin("POST", "/shares", { tool, visibility: "public", pricing }));
  fingerprints.set(`${node.nodeId} ${key}`, shared.stored.find((e) => e.key === key)!.fingerprint);
}

const echo = (provider: NodeProc, tokens: string[], message: string) =>
  callAnonymously(provider, { key: "everything/echo", fingerprint: fingerprints.get(`${provider.nodeId} everything/echo`)!, tokens, arguments: { message } });

/** Takes `n` of `issuer`'s tokens out of A's wallet (each worth 2 credit). */
const take = async (issuer: NodeProc, n: number) => (await spendTokens(await wallet(), issuer.nodeId, { model: "per_call", amount: n * TOKEN.value, unit: "credit" })).tokens;

const recordsWith = async (node: NodeProc, peer: NodeProc) => (await json<{ records: RecordView[] }>(await node.admin("GET", "/ledger/records"))).records.filter((r) => r.peer === peer.nodeId);

beforeAll(async () => {
  const env = { PEER_POLICY: "open", TOKEN_UNIT: TOKEN.unit, TOKEN_VALUE: String(TOKEN.value) };
  // One at a time: a node starting is CPU-bound, and the machine is shared.
  upstream = await startEverything();
  i = await loopbackNode("issuer", { env });
  j = await loopbackNode("shortkeys", { env: { ...env, TOKEN_KEY_SECONDS: String(SHORT_KEY_SECONDS) } });
  p = await loopbackNode("papa", { env: { ...env, TOKEN_TRUSTED_ISSUERS: `${i.nodeId},${j.nodeId}` } });
  q = await loopbackNode("quebec", { env: { ...env, TOKEN_TRUSTED_ISSUERS: i.nodeId } });
  a = await loopbackNode("alpha", { env });
  for (const node of [p, q, a]) expect((await node.admin("POST", "/upstreams", { name: "everything", kind: "http", url: upstream.url })).status).toBe(201);
  await share(p, "everything_echo", "everything/echo", ECHO);
  await share(p, "everything_get-sum", "everything/get-sum", { model: "per_time", amount: 1, per: "second", unit: "credit" });
  await share(q, "everything_echo", "everything/echo", DEAR_ECHO);
  await share(a, "everything_echo", "everything/echo", ECHO);
  for (const [from, to] of [[a, i], [a, j], [p, i], [p, j], [q, i]] as const) await json(await from.admin("POST", "/peers", { url: to.url }));
  await json(await a.admin("POST", "/payment-tokens", { origin: i.nodeId, count: 12 }));
}, 180_000);

afterAll(async () => {
  for (const s of stores) s.close();
  await Promise.all([a, i, j, p, q, upstream].map((n) => n?.stop()));
});

describe("tokens of a trusted issuer", () => {
  it("publishes the issuer directory signed by the issuer's node key", async () => {
    const directory = issuerDirectory.parse(await (await fetch(`${i.url}${DIRECTORY_PATH}`)).json());
    const card = (await (await fetch(`${i.url}/.well-known/mcpfed`)).json()) as Card;
    const key = await signingKey(await primitives(), card.keys.sig.pub);
    const verify = (m: Uint8Array, s: Uint8Array, ctx: string) => key.verify(s, m, ctx);
    expect(await directorySignedBy(directory, i.nodeId, verify)).toBe(true);
    expect(await directorySignedBy({ ...directory, "mcpfed-denomination": { unit: "credit", value: 1 } }, i.nodeId, verify)).toBe(false);
    expect(await directorySignedBy(directory, p.nodeId, verify)).toBe(false);
  });

  it("runs a call at a provider that trusts the issuer, paid anonymously, under a record the two sign that names no buyer", async () => {
    const [token] = await take(i, 1);
    expect(await echo(p, [token!], "via P")).toMatchObject({ ok: true, result: { content: [{ type: "text", text: "Echo: via P" }] } });
    const atP = await eventually(async () => {
      const [r] = await recordsWith(p, i);
      expect(r).toMatchObject({ role: "provider", status: "confirmed" });
      return r!;
    }, 15_000);
    expect(atP.record.intent).toMatchObject({ consumer: i.nodeId, provider: p.nodeId, tool: { id: `${p.nodeId}/privacy-pass/redemption` }, price: { model: "per_call", amount: 2, unit: "credit" } });
    expect(atP.record.receipt).toMatchObject({ amount: 2, unit: "credit" });
    expect(atP.record.sigs.countersign).toBeTruthy();
    const [atI] = await recordsWith(i, p);
    expect(atI).toMatchObject({ role: "consumer", status: "confirmed" });
    expect(atI!.record).toEqual(atP.record);
    // Neither party's copy names the buyer: only the issuer and the provider.
    expect(JSON.stringify(atP)).not.toContain(a.nodeId);
    // The issuer owes the provider the token's worth.
    const { balances } = await json<{ balances: { peer: string; unit: string; earned: number; spent: number }[] }>(await p.admin("GET", "/ledger/balances"));
    expect(balances.find((b) => b.peer === i.nodeId && b.unit === "credit")).toMatchObject({ earned: 2, spent: 0 });
  });

  it("is refused, typed, at a node that does not trust the issuer, and the token stays spendable", async () => {
    const [token] = await take(i, 1);
    expect(await echo(a, [token!], "untrusted")).toMatchObject({ ok: false, error: { code: "issuer_not_trusted" } });
    expect(await echo(p, [token!], "then trusted")).toMatchObject({ ok: true });
  });

  it("refuses a token spent at one provider when it comes to another", async () => {
    const tokens = await take(i, 3);
    expect(await echo(q, tokens, "at Q")).toMatchObject({ ok: true });
    expect(await echo(p, [tokens[1]!], "at P")).toMatchObject({ ok: false, error: { code: "token_spent" } });
  });

  it("spends none of a multi-token payment with one spent token in it", async () => {
    const [spent, ...fresh] = await take(i, 4);
    expect(await echo(p, [spent!], "first")).toMatchObject({ ok: true });
    const before = (await recordsWith(q, i)).length;
    expect(await echo(q, [fresh[0]!, spent!, fresh[1]!], "three")).toMatchObject({ ok: false, error: { code: "token_spent" } });
    // The two fresh ones were not spent: with a third they pay the call.
    expect(await echo(q, fresh, "three fresh")).toMatchObject({ ok: true });
    expect(await echo(q, fresh, "again")).toMatchObject({ ok: false, error: { code: "token_spent" } });
    const records = await eventually(async () => {
      const r = await recordsWith(q, i);
      expect(r).toHaveLength(before + 1);
      return r;
    }, 15_000);
    expect(records.map((r) => r.record.receipt.amount)).toContain(6);
  });

  it("refuses a price tokens cannot pay: per_time", async () => {
    const [token] = await take(i, 1);
    const answer = await callAnonymously(p, { key: "everything/get-sum", fingerprint: fingerprints.get(`${p.nodeId} everything/get-sum`)!, tokens: [token!], arguments: { a: 1, b: 2 } });
    expect(answer).toMatchObject({ ok: false, error: { code: "token_price_unsupported" } });
  });

  it("refuses a token whose issuer key has expired", async () => {
    const { purchase } = await json<{ purchase: { expiresAt: number } }>(await a.admin("POST", "/payment-tokens", { origin: j.nodeId, count: 2 }));
    const [early, late] = await take(j, 2);
    expect(await echo(p, [early!], "in time")).toMatchObject({ ok: true });
    await eventually(async () => expect(Date.now()).toBeGreaterThan(purchase.expiresAt + 1000), (SHORT_KEY_SECONDS + 5) * 1000);
    expect(await echo(p, [late!], "late")).toMatchObject({ ok: false, error: { code: "token_key_expired" } });
  }, 60_000);

  // Last: I restarts worth another TOKEN_VALUE, which the other tests do not expect.
  it("spends nothing when the issuer's denomination changed since the provider read it, and takes the call sent again", async () => {
    const [before, token] = await take(i, 2);
    // P has read I's directory just now (or still holds it), at 2 credit a token.
    expect(await echo(p, [before!], "before")).toMatchObject({ ok: true });
    await i.stop();
    i = await loopbackNode("issuer", { env: { PEER_POLICY: "open", TOKEN_UNIT: TOKEN.unit, TOKEN_VALUE: "3" }, dataDir: i.dataDir, port: i.port });
    expect(await echo(p, [token!], "stale")).toMatchObject({ ok: false, error: { code: "issuer_unavailable" } });
    // The token was not spent, and P has read the directory again: one token now worth 3 pays the 2-credit echo.
    expect(await echo(p, [token!], "again")).toMatchObject({ ok: true, result: { content: [{ type: "text", text: "Echo: again" }] } });
    const atP = await eventually(async () => {
      const r = (await recordsWith(p, i)).find((x) => (x.record.intent.price as { amount: number }).amount === 3);
      expect(r).toMatchObject({ status: "confirmed" });
      return r!;
    }, 15_000);
    expect(atP.record.intent.price).toEqual({ model: "per_call", amount: 3, unit: "credit" });
    // Nothing was flagged at P: I never signed a promise at the old price.
    const { flags } = await json<{ flags: unknown[] }>(await p.admin("GET", "/ledger/flags"));
    expect(flags).toEqual([]);
  }, 90_000);
});
