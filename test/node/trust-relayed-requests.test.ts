// Quarantine and per-tier limits on the relayed requests other than calls, reads, prompts,
// completions and leases (those are in test/e2e/trust-items.test.ts): the sale of a grant
// (subscription, offer, licence: one sale path) and the OHTTP relay role, over real nodes on
// in-memory libSQL. The forwarder's refusal of a quarantined sender is in forwarded-checks.test.ts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assembleNode, type AssembledNode } from "../../src/node/assemble.ts";
import { identitySigner } from "../../src/node/registry/node-keys.ts";
import { sellGrant } from "../../src/node/relay/subscriptions.ts";
import { relayToGateway } from "../../src/node/routes/private/relay.ts";
import { RouteLimits } from "../../src/node/routes/offer.ts";
import { loadConfig } from "../../src/node/settings/config.ts";
import { grantId, grantTerms } from "../../src/protocol/ledger/grant.ts";
import type { Pricing } from "../../src/protocol/ledger/pricing.ts";
import { signIntent } from "../../src/protocol/ledger/signing.ts";
import { toBase64url } from "../../src/protocol/encoding/bytes.ts";
import { newSeed } from "../../src/protocol/identity/seed.ts";
import { savePeer } from "../../src/store/peers.ts";
import { memoryDb } from "../support/libsql.ts";

const started: AssembledNode[] = [];
async function node(env: Record<string, string> = {}): Promise<AssembledNode> {
  const n = await assembleNode({ config: loadConfig({ NODE_SEED: newSeed(), ADMIN_TOKEN: "admin-token-for-tests", ...env }), db: await memoryDb() });
  started.push(n);
  return n;
}

const pricing: Pricing = { model: "subscription", amount: 5, periodSeconds: 3600, unit: "credit" };

let buyer: AssembledNode;
let seller: AssembledNode;
let tool: { id: string; fingerprint: string };

beforeAll(async () => {
  // The seller takes one request a minute from a newcomer, and offers the OHTTP relay role.
  [buyer, seller] = await Promise.all([node(), node({ TRUST_RATE_LIMITS: "newcomer:1", ROUTES_OFFER: "relay" })]);
  const card = await (await buyer.services.card()).get("http://127.0.0.1:9", buyer.services.now());
  await savePeer(seller.services.db, { card, state: "active", theirState: "active", version: "mcpfed/1", features: [] });
  tool = { id: `${seller.services.nodeId}/up/tool`, fingerprint: `sha256:${"ab".repeat(32)}` };
});

afterAll(async () => {
  await Promise.all(started.map((n) => n.close()));
});

/** The buyer's subscribe message for the seller's tool, with a fresh intent each time. */
async function saleRequest() {
  const signer = identitySigner(await buyer.services.identity());
  const grant = grantTerms(pricing, { provider: seller.services.nodeId, consumer: buyer.services.nodeId, tool: tool.id, from: Date.now() });
  const intent = await signIntent(signer, {
    provider: seller.services.nodeId,
    tool,
    params: grant,
    price: { model: "grant", grant: await grantId(grant), amount: grant.amount, unit: grant.unit },
    requestedAt: Date.now(),
  });
  return { type: "subscribe" as const, key: "up/tool", grant, intent };
}

const sell = async () => sellGrant(seller.services, buyer.services.nodeId, await saleRequest(), { tool, pricing }, "subscription");

describe("the sale of a grant", () => {
  it("refuses a buyer in quarantine, counting nothing; then sells within the tier's rate and refuses past it", async () => {
    await seller.services.quarantine.hold(buyer.services.nodeId, "by hand");
    expect(await sell()).toMatchObject({ ok: false, error: { code: "quarantined" } });
    await seller.services.quarantine.release(buyer.services.nodeId);
    // The refused sale took nothing of the minute's one request.
    expect(await sell()).toMatchObject({ ok: true, grant: { grant: { consumer: buyer.services.nodeId } } });
    expect(await sell()).toMatchObject({ ok: false, error: { code: "rate_limited" } });
  });
});

describe("the OHTTP relay", () => {
  const relay = () => relayToGateway(seller.services, buyer.services.nodeId, { type: "ohttp-relay", gateway: buyer.services.nodeId, request: toBase64url(new Uint8Array(8)) }, new AbortController().signal);

  it("refuses a sender it holds in quarantine before anything else, and hands on nothing", async () => {
    await seller.services.quarantine.hold(buyer.services.nodeId, "by hand");
    expect(await relay()).toMatchObject({ type: "ohttp-refused", code: "quarantined" });
    await seller.services.quarantine.release(buyer.services.nodeId);
    // Released, the sender's request is posted on: to a gateway card whose URL reaches nothing.
    expect(await relay()).toMatchObject({ type: "ohttp-refused", code: "gateway_unreachable" });
  });

  it("counts a sender over the role's rate against it, and not its quarantine", async () => {
    const limited = await node({ ROUTES_OFFER: "relay", ROUTE_RATE_LIMITS: "relay:1" });
    // A clock that stands still: both requests fall in one minute's window, whenever the test runs.
    limited.services.routes.limits = new RouteLimits(limited.services.config, () => Date.UTC(2026, 0, 1, 12, 0, 30));
    const ask = () => relayToGateway(limited.services, buyer.services.nodeId, { type: "ohttp-relay", gateway: buyer.services.nodeId, request: toBase64url(new Uint8Array(8)) }, new AbortController().signal);
    await limited.services.quarantine.hold(buyer.services.nodeId, "by hand");
    expect(await ask()).toMatchObject({ code: "quarantined" });
    await limited.services.quarantine.release(buyer.services.nodeId);
    expect(await ask()).toMatchObject({ code: "unknown_gateway" });
    expect(await ask()).toMatchObject({ code: "rate_limited" });
    expect(limited.services.trust.observed.drain().get(buyer.services.nodeId)?.refusals).toBe(1);
  });
});
