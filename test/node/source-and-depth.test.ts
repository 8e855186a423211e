import { describe, expect, it } from "vitest";
import { MAX_MESSAGE_DEPTH, parseMessage } from "../../src/protocol/messages/federation.ts";
import { callRequest } from "../../src/protocol/messages/relay.ts";
import { sourceOf } from "../../src/node/access/limits/source.ts";
import { nestsDeeperThan } from "../../src/protocol/encoding/json-depth.ts";

describe("sourceOf", () => {
  it("counts IPv4 by address and IPv6 by /64, however it is written", () => {
    expect(sourceOf("203.0.113.7")).toBe("203.0.113.7");
    expect(sourceOf("::ffff:203.0.113.7")).toBe("203.0.113.7");
    expect(sourceOf("2001:db8:1:2::1")).toBe("2001:db8:1:2::/64");
    expect(sourceOf("2001:0DB8:0001:0002:ffff:1:2:3")).toBe("2001:db8:1:2::/64");
    expect(sourceOf("2001:db8::5")).toBe(sourceOf("2001:db8:0:0:9::1"));
    expect(sourceOf("2001:db8:0:1::5")).not.toBe(sourceOf("2001:db8::5"));
    expect(sourceOf("unknown")).toBe("unknown");
    for (const same of ["2001:db8::1:0:0:0:9", "2001:0DB8:0000:0001:ffff:1:2:3", "2001:db8:0:1:0:0:0:1", "2001:db8:0:1::5%eth0"]) {
      expect(sourceOf(same)).toBe("2001:db8:0:1::/64");
    }
    expect(sourceOf("::1")).toBe("0:0:0:0::/64");
  });
});

describe("nestsDeeperThan", () => {
  it("measures arrays and objects alike, scalars as nothing", () => {
    expect(nestsDeeperThan(1, 1)).toBe(false);
    expect(nestsDeeperThan({ a: [1, { b: 2 }] }, 3)).toBe(false);
    expect(nestsDeeperThan({ a: [1, { b: [] }] }, 3)).toBe(true);
  });

  it("does not overflow on input far deeper than any stack", () => {
    const deep = JSON.parse(`${"[".repeat(200_000)}${"]".repeat(200_000)}`);
    expect(nestsDeeperThan(deep, 64)).toBe(true);
  });
});

describe("parseMessage", () => {
  const call = (args: string) =>
    new TextEncoder().encode(`{"type":"call","key":"everything/echo","arguments":{"a":${args}},"intent":{},"timeoutMs":1000,"progress":false,"countersigned":[]}`);

  it("refuses a federation message nested past MAX_MESSAGE_DEPTH before anything walks it", () => {
    // Written as text: JSON.stringify itself would overflow the stack on a value this deep.
    expect(parseMessage(call(`${"[".repeat(5000)}${"]".repeat(5000)}`), callRequest)).toBeUndefined();
    const nested = (n: number) => `${"[".repeat(n)}${"]".repeat(n)}`;
    expect(parseMessage(call(nested(MAX_MESSAGE_DEPTH - 4)), callRequest)).toMatchObject({ type: "call", key: "everything/echo" });
    expect(parseMessage(call(nested(MAX_MESSAGE_DEPTH)), callRequest)).toBeUndefined();
  });
});
