// One round of a 2026-07-28 upstream's input_required passed through: the questions go out as they
// came, the upstream's state comes back sealed in the node's and is handed to the upstream on the
// retry; a state for another upstream, or an upstream state too long to carry, stops the round.
import { describe, expect, it } from "vitest";
import { passedRound, UpstreamStateError, type ClientInput } from "../../../src/node/interactive/passed-rounds.ts";
import { MAX_UPSTREAM_STATE, RequestStateError, RequestStateSeal, type BoundRequest } from "../../../src/node/interactive/request-state.ts";

const seal = new RequestStateSeal(new Uint8Array(32).fill(3), 60_000);
const bound: BoundRequest = { method: "tools/call", params: { name: "ask", arguments: {} }, principal: "user:alice" };
const asked = { user_name: { method: "elicitation/create", params: { message: "Name?", requestedSchema: { type: "object", properties: {} } } } };

describe("passedRound", () => {
  it("passes the questions as they came and hands the upstream its own state on the retry", async () => {
    const seen: ClientInput[] = [];
    const first = await passedRound(seal, bound, "up", undefined, { capabilities: { elicitation: {} } }, async (input) => {
      seen.push(input);
      return { resultType: "input_required", inputRequests: asked, requestState: "upstream-state-1" };
    });
    expect(first).toMatchObject({ resultType: "input_required", inputRequests: asked });
    const claims = await seal.open(first.requestState, bound);
    expect(claims).toEqual({ upstream: "up", upstreamState: "upstream-state-1" });
    const done = await passedRound(seal, bound, "up", claims as { upstream: string }, { capabilities: {}, inputResponses: { user_name: { action: "decline" } } }, async (input) => {
      seen.push(input);
      return { content: [] };
    });
    expect(done).toEqual({ content: [] });
    expect(seen).toEqual([{ capabilities: { elicitation: {} } }, { capabilities: {}, inputResponses: { user_name: { action: "decline" } }, upstreamState: "upstream-state-1" }]);
  });

  it("sends nothing for a state naming another upstream", async () => {
    let ran = false;
    const round = passedRound(seal, bound, "now-elsewhere", { upstream: "up" }, { capabilities: {} }, async () => {
      ran = true;
      return { content: [] };
    });
    await expect(round).rejects.toBeInstanceOf(RequestStateError);
    expect(ran).toBe(false);
  });

  it("refuses an upstream state longer than it carries", async () => {
    const round = passedRound(seal, bound, "up", undefined, { capabilities: {} }, async () => ({ resultType: "input_required", inputRequests: asked, requestState: "x".repeat(MAX_UPSTREAM_STATE + 1) }));
    await expect(round).rejects.toBeInstanceOf(UpstreamStateError);
  });
});
