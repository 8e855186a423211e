// The forwarded route's checks in process (docs/protocol.md §12), over real nodes on in-memory
// libSQL: what the forwarder B refuses before it passes anything on (the role, the sender's rate,
// a sender that is no active peer or is in quarantine, a destination that is none, a replayed envelope), and what
// the destination C refuses before anything decrypts (FORWARDED_CALLERS, a blocked or quarantined
// caller, a card that is not the caller's), and that a stranger reaches only public tools.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assembleNode, type AssembledNode } from "../../src/node/assemble.ts";
import { openForwarded, strangersRefusal } from "../../src/node/routes/forwarded/destination.ts";
import { forwardOnward } from "../../src/node/routes/forwarded/forwarder.ts";
import { loadConfig } from "../../src/node/settings/config.ts";
import type { Card } from "../../src/protocol/card/schema.ts";
import { toBase64url } from "../../src/protocol/encoding/bytes.ts";
import { EnvelopeError } from "../../src/protocol/envelope/errors.ts";
import { seal } from "../../src/protocol/envelope/seal.ts";
import { newSeed } from "../../src/protocol/identity/seed.ts";
import type { Entry } from "../../src/protocol/registry/entry.ts";
import { ForwardError, type ForwardRequest } from "../../src/protocol/routes/forward.ts";
import { FORWARD_FEE_FEATURE, feePricing, feeTool, withinCap } from "../../src/protocol/routes/forward-fee.ts";
import type { SignedIntent } from "../../src/protocol/ledger/record.ts";
import { signIntent } from "../../src/protocol/ledger/signing.ts";
import { identitySigner } from "../../src/node/registry/node-keys.ts";
import { routesTo } from "../../src/node/routes/listing.ts";
import { RouteLimits } from "../../src/node/routes/offer.ts";
import { FORWARDER_REFUSALS, forwardedCall, NoForwardedRoute } from "../../src/node/routes/forwarded/consumer.ts";
import type { RelayRequest } from "../../src/protocol/messages/relay-items.ts";
import { originCard, saveOriginCard } from "../../src/store/origin-cards.ts";
import { savePeer } from "../../src/store/peers.ts";
import { memoryDb } from "../support/libsql.ts";
import { serveForwarded } from "../../src/http/federation/forward-route.ts";
import { sealToOrigin } from "../../src/node/routes/forwarded/consumer.ts";
import { forwardSealed } from "../../src/node/routes/forwarded/sealed-message.ts";
import { PeerRequestError } from "../../src/node/federation-client/errors.ts";
import { currentIssuerKey, issuerSummary } from "../../src/node/tokens/issuer-keys.ts";
import { fromBase64url } from "../../src/protocol/encoding/bytes.ts";
import { readFrames } from "../../src/protocol/messages/relay-frames.ts";
import { blindTokenRequests } from "../../src/protocol/tokens/issuance.ts";
import { saleQuote, saleTool, tokenSaleReply } from "../../src/protocol/tokens/sale.ts";

const started: AssembledNode[] = [];
async function node(env: Record<string, string> = {}): Promise<AssembledNode> {
  const n = await assembleNode({ config: loadConfig({ NODE_SEED: newSeed(), ADMIN_TOKEN: "admin-token-for-tests", ...env }), db: await memoryDb() });
  started.push(n);
  return n;
}
/** A node's card as its peers hold it; its URL reaches nothing. */
const cardOf = async (n: AssembledNode): Promise<Card> => (await n.services.card()).get("http://127.0.0.1:9", n.services.now());
async function peer(holder: AssembledNode, other: AssembledNode, state: "active" | "blocked" = "active") {
  await savePeer(holder.services.db, { card: await cardOf(other), state, theirState: "active", version: "mcpfed/1", features: [] });
}
async function envelope(from: AssembledNode, to: AssembledNode, path = "/federation/v1/call"): Promise<string> {
  const identity = await from.services.identity();
  const card = await cardOf(to);
  const sealed = await seal({
    primitives: identity.primitives,
    signer: identity.signing.signer,
    from: identity.nodeId,
    to: card.id,
    recipientKey: card.keys.kem[0]!,
    version: "mcpfed/1",
    method: "POST",
    path,
    plaintext: new TextEncoder().encode(JSON.stringify({ type: "call", key: "edge/echo", arguments: { message: "hi" }, intent: {}, timeoutMs: 1000, progress: false, countersigned: [] })),
    now: from.services.now(),
  });
  return toBase64url(sealed.bytes);
}
const signal = () => new AbortController().signal;

let a: AssembledNode;
let b: AssembledNode;
let c: AssembledNode;

beforeAll(async () => {
  [a, b, c] = await Promise.all([node(), node(), node()]);
  await peer(b, a);
  await peer(b, c);
});

afterAll(async () => {
  await Promise.all(started.map((n) => n.close()));
});

describe("the forwarder", () => {
  const forward = async (to: AssembledNode, env: string): Promise<ForwardRequest> => ({ type: "forward", to: to.services.nodeId, envelope: env, card: await cardOf(a) });

  it("that does not offer the role refuses, before anything else", async () => {
    const off = await node({ ROUTES_OFFER: "relay" });
    const out = await forwardOnward(off.services, a.services.nodeId, await forward(c, await envelope(a, c)), signal());
    expect(out).toMatchObject({ refused: { code: "route_not_offered" } });
  });

  it("refuses a sender over its per-minute count", async () => {
    const limited = await node({ ROUTE_RATE_LIMITS: "forward:1" });
    // A clock that stands still: both requests fall in one minute's window, whenever the test runs.
    limited.services.routes.limits = new RouteLimits(limited.services.config, () => Date.UTC(2026, 0, 1, 12, 0, 30));
    const first = await forwardOnward(limited.services, a.services.nodeId, await forward(c, await envelope(a, c)), signal());
    expect(first).toMatchObject({ refused: { code: "forward_refused" } });
    const second = await forwardOnward(limited.services, a.services.nodeId, await forward(c, await envelope(a, c)), signal());
    expect(second).toMatchObject({ refused: { code: "rate_limited", retryAfter: expect.any(Number) } });
    // Over its rate is the sender's doing; not being this node's peer is not a fault to count.
    expect(limited.services.trust.observed.drain().get(a.services.nodeId)?.refusals).toBe(1);
  });

  it("refuses a node that is not its active peer, and an envelope another node made", async () => {
    const stranger = await node();
    expect(await forwardOnward(b.services, stranger.services.nodeId, await forward(c, await envelope(stranger, c)), signal())).toMatchObject({ refused: { code: "forward_refused" } });
    // A's message carrying C's own envelope (C is B's peer too): not A's to pass on.
    expect(await forwardOnward(b.services, a.services.nodeId, await forward(a, await envelope(c, a)), signal())).toMatchObject({
      refused: { code: "forward_refused", message: expect.stringContaining("not the sender's own") },
    });
  });

  it("refuses a sender it holds in quarantine, before it checks the envelope", async () => {
    await b.services.quarantine.hold(a.services.nodeId, "by hand");
    const out = await forwardOnward(b.services, a.services.nodeId, await forward(c, await envelope(a, c)), signal());
    await b.services.quarantine.release(a.services.nodeId);
    expect(out).toMatchObject({ refused: { code: "quarantined", message: expect.stringContaining("quarantine") } });
  });

  it("refuses a destination that is not its active peer", async () => {
    const far = await node();
    expect(await forwardOnward(b.services, a.services.nodeId, await forward(far, await envelope(a, far)), signal())).toMatchObject({ refused: { code: "unknown_destination" } });
  });

  it("carries an envelope once: a replay is refused, and an unreachable destination says so", async () => {
    const request = await forward(c, await envelope(a, c));
    expect(await forwardOnward(b.services, a.services.nodeId, request, signal())).toMatchObject({ refused: { code: "destination_unreachable" } });
    expect(await forwardOnward(b.services, a.services.nodeId, request, signal())).toMatchObject({ refused: { code: "forward_refused", message: expect.stringContaining("forwarded already") } });
  });

  it("counts against the sender an envelope that is not its own and one it sent twice, not its quarantine nor a destination it cannot reach", async () => {
    const refusals = () => b.services.trust.observed.drain().get(a.services.nodeId)?.refusals ?? 0;
    refusals();
    await forwardOnward(b.services, a.services.nodeId, await forward(a, await envelope(c, a)), signal());
    expect(refusals()).toBe(1);
    await b.services.quarantine.hold(a.services.nodeId, "by hand");
    expect(await forwardOnward(b.services, a.services.nodeId, await forward(c, await envelope(a, c)), signal())).toMatchObject({ refused: { code: "quarantined" } });
    await b.services.quarantine.release(a.services.nodeId);
    expect(refusals()).toBe(0);
    const request = await forward(c, await envelope(a, c));
    expect(await forwardOnward(b.services, a.services.nodeId, request, signal())).toMatchObject({ refused: { code: "destination_unreachable" } });
    expect(refusals()).toBe(0);
    await forwardOnward(b.services, a.services.nodeId, request, signal());
    expect(refusals()).toBe(1);
  });
});

describe("a forwarder that charges a fee (§12.5)", () => {
  const FEE = { amount: 3, unit: "credits" };
  let paidB: AssembledNode;
  beforeAll(async () => {
    paidB = await node({ FORWARD_FEE: "3 credits" });
    await peer(paidB, a);
    await peer(paidB, c);
  });
  const pay = async (env: string, fee = FEE, forwarder = paidB) =>
    signIntent(identitySigner(await a.services.identity()), { provider: forwarder.services.nodeId, tool: await feeTool(forwarder.services.nodeId, fee), params: { envelope: env }, price: feePricing(fee), requestedAt: Date.now() });
  const forward = async (env: string, fee?: SignedIntent): Promise<ForwardRequest> => ({ type: "forward", to: c.services.nodeId, envelope: env, card: await cardOf(a), ...(fee ? { fee } : {}) });
  const held = async () => (await paidB.services.ledger.list({ limit: 100 })).length;

  it("names its fee in its card, with the feature", async () => {
    const card = await cardOf(paidB);
    expect(card.forwardFee).toEqual(FEE);
    expect(card.features).toContain(FORWARD_FEE_FEATURE);
    expect((await cardOf(b)).forwardFee).toBeUndefined();
  });

  it("refuses a forward that pays nothing, another amount, or for another envelope, and stores nothing", async () => {
    const env = await envelope(a, c);
    expect(await forwardOnward(paidB.services, a.services.nodeId, await forward(env), signal())).toMatchObject({ refused: { code: "fee_refused", message: expect.stringContaining("pays none") } });
    expect(await forwardOnward(paidB.services, a.services.nodeId, await forward(env, await pay(env, { amount: 2, unit: "credits" })), signal())).toMatchObject({
      refused: { code: "fee_refused", message: expect.stringContaining("the fee is 3 credits") },
    });
    expect(await forwardOnward(paidB.services, a.services.nodeId, await forward(env, await pay(await envelope(a, c))), signal())).toMatchObject({
      refused: { code: "fee_refused", message: expect.stringContaining("another envelope") },
    });
    expect(await held()).toBe(0);
  });

  it("a fee refusal is the forwarder's own: the consumer tries the next forwarder", () => {
    expect(FORWARDER_REFUSALS.has("fee_refused")).toBe(true);
    expect(FORWARDER_REFUSALS.has("caller_refused")).toBe(false);
  });

  it("asks no fee for a token sale (§15.3.1): it passes one on unpaid", async () => {
    const sale = await envelope(a, c, "/federation/v1/token-sale");
    expect(await forwardOnward(paidB.services, a.services.nodeId, await forward(sale), signal())).toMatchObject({ refused: { code: "destination_unreachable" } });
    expect(await held()).toBe(0);
  });

  it("charges nothing for an envelope it could not deliver, and the refusals left the envelope unspent", async () => {
    const env = await envelope(a, c);
    expect(await forwardOnward(paidB.services, a.services.nodeId, await forward(env, await pay(env)), signal())).toMatchObject({ refused: { code: "destination_unreachable" } });
    expect(await held()).toBe(0);
  });
});

describe("the consumer's cap on fees", () => {
  it("takes a fee within FORWARD_FEE_MAX for its unit, and none in a unit it names no cap for", () => {
    const caps = loadConfig({ NODE_SEED: newSeed(), ADMIN_TOKEN: "admin-token-for-tests", FORWARD_FEE_MAX: "5 credits, 2 usd-cent" }).forwardFeeMax;
    expect(withinCap(undefined, caps)).toBe(true);
    expect(withinCap({ amount: 5, unit: "credits" }, caps)).toBe(true);
    expect(withinCap({ amount: 6, unit: "credits" }, caps)).toBe(false);
    expect(withinCap({ amount: 1, unit: "eur" }, caps)).toBe(false);
    expect(withinCap({ amount: 1, unit: "credits" }, new Map())).toBe(false);
  });

  it("refuses a malformed fee setting", () => {
    expect(() => loadConfig({ NODE_SEED: newSeed(), ADMIN_TOKEN: "admin-token-for-tests", FORWARD_FEE: "three credits" })).toThrow();
    expect(() => loadConfig({ NODE_SEED: newSeed(), ADMIN_TOKEN: "admin-token-for-tests", FORWARD_FEE: "0 credits" })).toThrow();
    expect(() => loadConfig({ NODE_SEED: newSeed(), ADMIN_TOKEN: "admin-token-for-tests", FORWARD_FEE_MAX: "5" })).toThrow();
  });

  it("lists a forwarder over the cap, and a forwarded call skips it with the reason", async () => {
    const consumer = await node({ PUBLIC_URL: "http://127.0.0.1:9" });
    const costly = await node({ FORWARD_FEE: "9 credits" });
    const origin = await node();
    await peer(consumer, costly);
    await saveOriginCard(consumer.services.db, origin.services.nodeId, await cardOf(origin), costly.services.nodeId);
    const listed = await routesTo(consumer.services, origin.services.nodeId);
    expect(listed.forwarded).toEqual([{ via: costly.services.nodeId, name: expect.any(String), cardCameThrough: true, fee: { amount: 9, unit: "credits" }, overCap: true }]);
    const call = forwardedCall(consumer.services, origin.services.nodeId, { type: "call", key: "edge/echo", intent: {}, timeoutMs: 1000, progress: false, countersigned: [] } as unknown as RelayRequest, { signal: signal(), timeoutMs: 1000 }, () => {});
    await expect(call).rejects.toThrow(NoForwardedRoute);
    await expect(call).rejects.toThrow(/over this node's FORWARD_FEE_MAX \(.* charges 9 credits\)/);
  });
});

describe("the destination", () => {
  const forwarded = async (env: string, card: unknown) => ({ type: "forwarded" as const, envelope: env, card });
  const refusal = async (at: AssembledNode, req: Awaited<ReturnType<typeof forwarded>>) => {
    try {
      await openForwarded(at.services, b.services.nodeId, req);
    } catch (err) {
      if (err instanceof ForwardError || err instanceof EnvelopeError) return err.code;
      throw err;
    }
    return "opened";
  };

  it("opens a stranger's envelope with the card it carries, and keeps the card", async () => {
    const opened = await openForwarded(c.services, b.services.nodeId, await forwarded(await envelope(a, c), await cardOf(a)));
    expect(opened.peer).toBe(false);
    expect(opened.opened.header.from).toBe(a.services.nodeId);
    expect((await originCard(c.services.db, a.services.nodeId))?.id).toBe(a.services.nodeId);
  });

  it("takes a stranger's call without a card only when it holds the stranger's card already", async () => {
    const fresh = await node();
    expect(await refusal(fresh, await forwarded(await envelope(a, fresh), undefined))).toBe("bad_card");
    expect(await refusal(fresh, await forwarded(await envelope(a, fresh), await cardOf(a)))).toBe("opened");
    expect(await refusal(fresh, await forwarded(await envelope(a, fresh), undefined))).toBe("opened");
  });

  it("refuses strangers under FORWARDED_CALLERS=off, and one it holds in quarantine", async () => {
    const closed = await node({ FORWARDED_CALLERS: "off" });
    expect(await refusal(closed, await forwarded(await envelope(a, closed), await cardOf(a)))).toBe("caller_refused");
    const wary = await node();
    await wary.services.quarantine.hold(a.services.nodeId, "test");
    expect(await refusal(wary, await forwarded(await envelope(a, wary), await cardOf(a)))).toBe("caller_refused");
  });

  it("refuses a blocked caller, a card that is not the caller's, and an endpoint not forwarded", async () => {
    const blocking = await node();
    await peer(blocking, a, "blocked");
    expect(await refusal(blocking, await forwarded(await envelope(a, blocking), await cardOf(a)))).toBe("blocked_sender");
    const other = await node();
    expect(await refusal(other, await forwarded(await envelope(a, other), await cardOf(b)))).toBe("bad_card");
    expect(await refusal(other, await forwarded(await envelope(a, other, "/federation/v1/ping"), await cardOf(a)))).toBe("wrong_endpoint");
    expect(await originCard(other.services.db, a.services.nodeId)).toBeUndefined();
  });

  it("lets a stranger call tools shared public only", async () => {
    const shared = (visibility: "peers" | "public") => ({ find: async () => ({ signed: { visibility } }) as unknown as Entry });
    const call = new TextEncoder().encode(JSON.stringify({ type: "call", key: "edge/echo", intent: {}, timeoutMs: 1000, progress: false, countersigned: [] }));
    expect(await strangersRefusal({ ownTools: shared("public") }, call)).toBeUndefined();
    expect(await strangersRefusal({ ownTools: shared("peers") }, call)).toMatchObject({ code: "forbidden" });
  });
});

describe("a token sale forwarded to the issuer (§15.3.1)", () => {
  it("is answered in one frame sealed to the buyer; a refusal keeps its code and writes nothing", async () => {
    const issuer = await node();
    const provider = issuer.services.nodeId;
    const key = await currentIssuerKey(issuer.services, Date.now());
    const requests = (await blindTokenRequests(provider, fromBase64url(key.publicKey), 1)).requests.map(toBase64url);
    // The buyer signs for less than the issuer's price.
    const price = { ...saleQuote(1, issuer.services.config.tokens), amount: 0 };
    const intent = await signIntent(identitySigner(await a.services.identity()), { provider, tool: saleTool(provider, key.keyId), params: { keyId: key.keyId, requests }, price, requestedAt: Date.now() });
    const sealed = await sealToOrigin(a.services, await cardOf(issuer), "token-sale", { type: "token-sale", keyId: key.keyId, requests, intent });
    const served = await serveForwarded(issuer.services, b.services.nodeId, { type: "forwarded", envelope: toBase64url(sealed.bytes), card: await cardOf(a) }, signal(), () => {});
    if (!("response" in served)) throw new Error(`refused: ${served.refused.code}`);
    const frames: Uint8Array[] = [];
    for await (const frame of readFrames(served.response.body!)) frames.push(frame);
    expect(frames).toHaveLength(1);
    const reply = tokenSaleReply.parse(JSON.parse(new TextDecoder().decode(await sealed.openResponse(frames[0]!))));
    expect(reply).toMatchObject({ ok: false, error: { code: "price_changed" } });
    expect(await issuer.services.ledger.list({ limit: 100 })).toEqual([]);
    expect(await issuerSummary(issuer.services)).toMatchObject({ sales: 0 });
  });
});

describe("failing over to the next forwarder (§12.6, §15.3.1)", () => {
  // Two forwarders of the consumer, both peers of the origin; the first loses the answer on the way.
  async function twoForwarders() {
    const consumer = await node({ PUBLIC_URL: "http://127.0.0.1:9" });
    const [first, second, origin] = await Promise.all([node(), node(), node()]);
    await peer(consumer, first);
    await peer(consumer, second);
    await saveOriginCard(consumer.services.db, origin.services.nodeId, await cardOf(origin), first.services.nodeId);
    const tried: string[] = [];
    // The consumer's own client, but every forward times out after it was sent.
    const federation: typeof consumer.services.federation = Object.create(consumer.services.federation);
    federation.forwardMessage = async (via) => {
      tried.push(via.nodeId);
      throw new PeerRequestError("timeout", "no answer in time", true);
    };
    const port = { ...consumer.services, federation };
    return { port, origin: origin.services.nodeId, tried, forwarders: [first.services.nodeId, second.services.nodeId] };
  }

  it("sends a countersignature through the next forwarder when an answer was lost: it may go twice", async () => {
    const { port, origin, tried, forwarders } = await twoForwarders();
    await expect(forwardSealed(port, origin, "countersigned", { type: "countersigned", records: [] }, signal())).rejects.toThrow(/no forwarder carried/);
    expect(tried.sort()).toEqual([...forwarders].sort());
  });

  it("never sends a token sale twice: the origin may have made it, and would refuse its intent again", async () => {
    const { port, origin, tried } = await twoForwarders();
    await expect(forwardSealed(port, origin, "token-sale", { type: "token-sale" }, signal())).rejects.toThrow(/may have reached .*its answer did not come back/);
    expect(tried).toHaveLength(1);
  });
});
