// Route choice (docs/protocol.md §12): the settings, the `_meta` value a call names, which route a
// call takes to one origin, the roles offered and their per-key limits, principals' defaults.
import { ProtocolError } from "@modelcontextprotocol/server";
import { describe, expect, it } from "vitest";
import { offeredFeatures } from "../../src/node/card/offered-features.ts";
import { chooseRoute, routeInForce } from "../../src/node/routes/choice.ts";
import { RouteDefaults } from "../../src/node/routes/defaults.ts";
import { requestedRoute } from "../../src/node/routes/kinds.ts";
import { RouteLimits, RouteOffer, TOTAL } from "../../src/node/routes/offer.ts";
import { ConfigError, loadConfig } from "../../src/node/settings/config.ts";
import { newSeed } from "../../src/protocol/identity/seed.ts";
import { memoryDb } from "../support/libsql.ts";

const base = { ADMIN_TOKEN: "test-admin-token-0123456789", NODE_SEED: newSeed() };

describe("ROUTE_DEFAULT, ROUTES_OFFER, ROUTE_RATE_LIMITS, FORWARDED_CALLERS", () => {
  it("default to auto, every role but the opt-in mailbox, the design's limits, and forwarded calls to public tools", () => {
    const c = loadConfig(base);
    expect(c.routeDefault).toBe("auto");
    expect(c.routesOffer).toEqual(["forward", "relay", "gateway", "hop", "exit"]);
    expect(Object.fromEntries(c.routeRateLimits)).toEqual({ forward: 600, relay: 600, gateway: 600, hop: 1200, exit: 600, mailbox: 120 });
    expect(c.forwardedCallers).toBe("public");
    expect(c.forwardedCallerTier).toBeUndefined();
  });

  it("MAILBOXES: the card's URL defaults to the first mailbox's origin; at most four", () => {
    const c = loadConfig({ ...base, MAILBOXES: "https://box.example/some/path,https://other.example", ROUTES_OFFER: "forward,mailbox" });
    expect(c.mailboxes).toEqual(["https://box.example/some/path", "https://other.example"]);
    expect(c.publicUrl?.origin).toBe("https://box.example");
    expect(c.routesOffer).toEqual(["forward", "mailbox"]);
    expect(c.mailboxMaxMessages).toBe(64);
    expect(() => loadConfig({ ...base, MAILBOXES: ["a", "b", "c", "d", "e"].map((h) => `https://${h}.example`).join(",") })).toThrow(/at most 4 mailboxes/);
  });

  it("take a subset of roles, none, and limits that override the defaults one by one", () => {
    const c = loadConfig({ ...base, ROUTE_DEFAULT: "direct", ROUTES_OFFER: "forward, hop", ROUTE_RATE_LIMITS: "forward:5" });
    expect(c.routeDefault).toBe("direct");
    expect(c.routesOffer).toEqual(["forward", "hop"]);
    expect(c.routeRateLimits.get("forward")).toBe(5);
    expect(c.routeRateLimits.get("hop")).toBe(1200);
    expect(loadConfig({ ...base, ROUTES_OFFER: "none" }).routesOffer).toEqual([]);
  });

  it.each([
    ["ROUTE_DEFAULT", "fastest"],
    ["ROUTES_OFFER", "forward,teleport"],
    ["ROUTE_RATE_LIMITS", "forward:0"],
    ["ROUTE_RATE_LIMITS", "warp:10"],
    ["ROUTE_RATE_LIMITS", "forward"],
    ["FORWARDED_CALLERS", "everyone"],
    ["FORWARDED_CALLER_TIER", "royalty"],
  ])("refuses %s=%s, naming it", (name, value) => {
    expect(() => loadConfig({ ...base, [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, [name]: value })).toThrow(name === "FORWARDED_CALLER_TIER" ? "royalty" : name);
  });
});

describe("the route a call names", () => {
  it("is read from _meta, absent when not named", () => {
    expect(requestedRoute(undefined)).toBeUndefined();
    expect(requestedRoute({ progressToken: 1 })).toBeUndefined();
    expect(requestedRoute({ "mcpfed/route": "forwarded" })).toBe("forwarded");
    expect(requestedRoute({ "mcpfed/route": "auto" })).toBe("auto");
  });

  it.each([["teleport"], [""], [3], [null], [["direct"]]])("%j is InvalidParams", (value) => {
    let thrown: unknown;
    try {
      requestedRoute({ "mcpfed/route": value });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ProtocolError);
    expect((thrown as ProtocolError).code).toBe(-32602);
    expect((thrown as ProtocolError).data).toEqual({ type: "bad_route" });
  });
});

describe("choosing a route", () => {
  it("takes the call's, else the principal's, else the node's", () => {
    expect(routeInForce("private", "direct", "auto")).toBe("private");
    expect(routeInForce(undefined, "direct", "auto")).toBe("direct");
    expect(routeInForce(undefined, undefined, "forwarded")).toBe("forwarded");
  });

  it("auto: direct to an active peer, forwarded otherwise", () => {
    expect(chooseRoute("auto", { activePeer: true })).toEqual({ ok: true, kind: "direct" });
    expect(chooseRoute("auto", { activePeer: false })).toEqual({ ok: true, kind: "forwarded" });
  });

  it("direct to a node that is not an active peer is refused, not forwarded", () => {
    const c = chooseRoute("direct", { activePeer: false });
    expect(c.ok).toBe(false);
    expect(c.kind).toBe("direct");
  });

  it("a route asked for is kept, even to a peer (forwarded, private, anonymous never become direct)", () => {
    for (const kind of ["forwarded", "private", "anonymous"] as const) expect(chooseRoute(kind, { activePeer: true })).toEqual({ ok: true, kind });
  });

  it("anonymous-surb is the anonymous route, answered by a reply block", () => {
    expect(chooseRoute("anonymous-surb", { activePeer: true })).toEqual({ ok: true, kind: "anonymous" });
  });
});

describe("roles offered", () => {
  it("each adds its card feature", () => {
    const config = { channels: true, ledgerCheckpoints: true, routesOffer: ["forward", "exit"] as ("forward" | "exit")[] };
    expect(new RouteOffer(config).offers("forward")).toBe(true);
    expect(new RouteOffer(config).offers("relay")).toBe(false);
    expect(offeredFeatures(config)).toEqual(expect.arrayContaining(["route-forward", "onion-exit"]));
    expect(offeredFeatures(config)).not.toContain("ohttp-relay");
    expect(offeredFeatures({ ...config, routesOffer: [] }).filter((f) => f.startsWith("route-") || f.startsWith("onion-") || f.startsWith("ohttp-"))).toEqual([]);
  });

  it("are limited per key and role, in sliding one-minute windows", () => {
    let now = 1_000_000;
    const limits = new RouteLimits({ routeRateLimits: new Map([["forward", 2]]) }, () => now);
    expect(limits.over("forward", "a")).toBeUndefined();
    expect(limits.over("forward", "a")).toBeUndefined();
    expect(limits.over("forward", "a")).toBeGreaterThan(0);
    // Another predecessor has its own count, and a role without a limit is not counted.
    expect(limits.over("forward", "b")).toBeUndefined();
    expect(limits.over("forward", TOTAL)).toBeUndefined();
    expect(limits.over("hop", "a")).toBeUndefined();
    // A minute later a's two are still counted (up to one 5 s slot past the window); then they leave.
    now += 60_000;
    expect(limits.over("forward", "a")).toBe(5);
    now += 5_000;
    expect(limits.over("forward", "a")).toBeUndefined();
  });
});

describe("principals' default routes", () => {
  it("are stored, listed, replaced and cleared", async () => {
    const defaults = new RouteDefaults(await memoryDb());
    expect(await defaults.of("token:a")).toBeUndefined();
    await defaults.set("token:a", "forwarded");
    await defaults.set("client:b", "private");
    await defaults.set("token:a", "direct");
    expect(await defaults.of("token:a")).toBe("direct");
    expect((await defaults.list()).map((d) => [d.principal, d.route])).toEqual([
      ["client:b", "private"],
      ["token:a", "direct"],
    ]);
    expect(await defaults.clear("token:a")).toBe(true);
    expect(await defaults.clear("token:a")).toBe(false);
    expect(await defaults.of("token:a")).toBeUndefined();
  });
});
