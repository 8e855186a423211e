// The sealed requestState of input_required results: every way a state can be wrong is refused
// with its reason, and only the state sealed for this request, principal and time opens.
import { describe, expect, it } from "vitest";
import { RequestStateError, RequestStateSeal, type BoundRequest } from "../../../src/node/interactive/request-state.ts";

const seed = new Uint8Array(32).fill(7);
const request: BoundRequest = { method: "tools/call", params: { name: "everything_echo", arguments: { message: "hi" } }, principal: "user:alice" };

function sealAt(now: { t: number }, s = seed) {
  return new RequestStateSeal(s, 60_000, () => now.t);
}

async function reason(p: Promise<unknown>): Promise<string> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(RequestStateError);
  return (err as RequestStateError).reason;
}

describe("RequestStateSeal", () => {
  it("opens its own state for the same request, whatever the retry adds", async () => {
    const seal = sealAt({ t: 1_000 });
    const state = await seal.seal({ call: "c1", round: 2 }, request);
    const retry = { ...request, params: { ...request.params, requestState: state, inputResponses: { q1: {} }, _meta: { x: 1 } } };
    expect(await seal.open(state, retry)).toEqual({ call: "c1", round: 2 });
  });

  it("refuses another request, method or principal (bind)", async () => {
    const seal = sealAt({ t: 1_000 });
    const state = await seal.seal({ call: "c1", round: 0 }, request);
    expect(await reason(seal.open(state, { ...request, principal: "user:mallory" }))).toBe("bind");
    expect(await reason(seal.open(state, { ...request, method: "prompts/get" }))).toBe("bind");
    expect(await reason(seal.open(state, { ...request, params: { ...request.params, arguments: { message: "other" } } }))).toBe("bind");
  });

  it("refuses an expired state", async () => {
    const now = { t: 1_000 };
    const seal = sealAt(now);
    const state = await seal.seal({ call: "c1", round: 0 }, request);
    now.t += 60_000;
    expect(await reason(seal.open(state, request))).toBe("expired");
  });

  it("refuses an altered or forged state, and one sealed under another node's seed (mac)", async () => {
    const seal = sealAt({ t: 1_000 });
    const state = await seal.seal({ call: "c1", round: 0 }, request);
    const [v, body, mac] = state.split(".") as [string, string, string];
    const payload = JSON.parse(Buffer.from(body, "base64url").toString()) as Record<string, unknown>;
    const raised = Buffer.from(JSON.stringify({ ...payload, round: 5 })).toString("base64url");
    expect(await reason(seal.open(`${v}.${raised}.${mac}`, request))).toBe("mac");
    const other = await sealAt({ t: 1_000 }, new Uint8Array(32).fill(8)).seal({ call: "c1", round: 0 }, request);
    expect(await reason(seal.open(other, request))).toBe("mac");
  });

  it("refuses what is not a state at all (malformed)", async () => {
    const seal = sealAt({ t: 1_000 });
    for (const bad of [undefined, 42, "", "s1.x", "s2.a.b", "s1.!!.??", "x".repeat(2000)]) expect(await reason(seal.open(bad, request))).toBe("malformed");
  });

  it("carries a 2026-07-28 upstream's own state, byte for byte, and refuses one too long unread", async () => {
    const seal = sealAt({ t: 1_000 });
    const upstreamState = `v1.${"é~".repeat(2000)}`;
    const state = await seal.seal({ upstream: "fixture", upstreamState }, request);
    expect(await seal.open(state, request)).toEqual({ upstream: "fixture", upstreamState });
    expect(await seal.open(await seal.seal({ upstream: "fixture" }, request), request)).toEqual({ upstream: "fixture" });
    expect(await reason(seal.open(`${state}${"A".repeat(16 * 1024)}`, request))).toBe("malformed");
  });
});

