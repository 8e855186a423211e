// Grant tokens: signed by the node that gives them, verified by it and (through federation's key
// resolver) by the nodes that relay calls to it; bound to a holder and to the issuer's own tools.
import { describe, expect, it } from "vitest";
import { Keys } from "../../src/node/access/credentials/keys.ts";
import type { Principal } from "../../src/node/access/principals/principal.ts";
import { newSeed, parseSeed } from "../../src/protocol/identity/seed.ts";
import { GrantVerifier, holderOf, InvalidGrantError, signGrant, type GrantClaims } from "../../src/node/access/grants/tokens.ts";
import { grantMismatch } from "../../src/node/access/grants/use.ts";
import type { ToolFacts } from "../../src/node/access/policy/engine.ts";

const nodeA = new Keys(parseSeed(newSeed()));
const nodeB = new Keys(parseSeed(newSeed()));
const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;

const claims = (c: Partial<GrantClaims> = {}): GrantClaims => ({
  grantId: "grant_1",
  issuer: "node-b",
  holder: "peer:node-a/client:carol",
  agentId: "bot",
  resource: "node-b/stripe/*",
  scope: "call",
  expiresAt: inAnHour(),
  ...c,
});

const relayed: Principal = { kind: "peer", id: "peer:node-a", subject: "node-a", name: "A", scopes: ["mcp:call"], roles: [], relayedFor: "client:carol" };
const direct: Principal = { kind: "client", id: "client:carol", subject: "carol", name: "carol", scopes: ["mcp:call"], roles: [] };
const refund: ToolFacts = { id: "node-b/stripe/refund", name: "stripe_refund", upstream: "stripe", tags: [], visibility: "listed" };

describe("grant tokens", () => {
  it("verify at the issuing node, and at another node only through the peer key resolver", async () => {
    const token = await signGrant(nodeB, claims());
    const atB = new GrantVerifier(nodeB, () => "node-b");
    expect(await atB.verify(token)).toMatchObject({ grantId: "grant_1", holder: "peer:node-a/client:carol" });

    const alone = new GrantVerifier(nodeA, () => "node-a");
    await expect(alone.verify(token)).rejects.toThrow(/node this one does not know/);
    const bPublic = (await nodeB.grants()).publicKey;
    const federated = new GrantVerifier(nodeA, () => "node-a", async (id) => (id === "node-b" ? bPublic : undefined));
    expect((await federated.verify(token)).issuer).toBe("node-b");
  });

  it("refuse a token signed by another key, tampered with, or expired", async () => {
    const atB = new GrantVerifier(nodeB, () => "node-b");
    await expect(atB.verify(await signGrant(nodeA, claims()))).rejects.toThrow(InvalidGrantError);
    const [h, p, sig] = (await signGrant(nodeB, claims())).split(".");
    const widened = btoa(JSON.stringify({ ...JSON.parse(atob(p!.replace(/-/g, "+").replace(/_/g, "/"))), resource: "*" })).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
    await expect(atB.verify(`${h}.${widened}.${sig}`)).rejects.toThrow(/signature or claims/);
    await expect(atB.verify(await signGrant(nodeB, claims({ expiresAt: Math.floor(Date.now() / 1000) - 5 })))).rejects.toThrow(/expired/);
    await expect(atB.verify("not-a-jwt")).rejects.toThrow(/malformed/);
  });

  it.each([
    ["a relayed call by the holder", claims(), relayed, undefined],
    ["the same end caller, not relayed", claims(), direct, "belongs to another caller"],
    ["a peer relaying for someone else", claims(), { ...relayed, relayedFor: "client:mallory" }, "belongs to another caller"],
    ["a grant from a node that does not own the tool", claims({ issuer: "node-c" }), relayed, "not by the node that owns the tool"],
    ["a grant for other tools", claims({ resource: "node-b/github/*" }), relayed, "does not cover"],
    ["a grant naming the tool's short name", claims({ resource: "stripe_refund" }), relayed, undefined],
  ] as const)("%s", (_name, c, p, expected) => {
    const why = grantMismatch(c, p as Principal, refund);
    if (expected === undefined) expect(why).toBeUndefined();
    else expect(why).toContain(expected);
  });

  it("name a relayed holder by the peer and the caller it relays for", () => {
    expect(holderOf(relayed)).toBe("peer:node-a/client:carol");
    expect(holderOf(direct)).toBe("client:carol");
  });
});
