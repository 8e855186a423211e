// The five areas' refusals share one base: each keeps its own codes and statuses, and all answer
// with the same JSON body (docs/protocol.md §9).
import { describe, expect, it } from "vitest";
import { CHANNEL_ERRORS, ChannelError } from "../../src/protocol/channel/errors.ts";
import { ENVELOPE_ERRORS, EnvelopeError } from "../../src/protocol/envelope/errors.ts";
import { CodedRefusal } from "../../src/protocol/refusal/coded-refusal.ts";
import { FORWARD_ERRORS, ForwardError } from "../../src/protocol/routes/forward.ts";
import { GATEWAY_REFUSALS, GatewayError } from "../../src/protocol/routes/ohttp/errors.ts";
import { ONION_ERRORS, OnionError } from "../../src/protocol/routes/onion/errors.ts";

const areas = [
  { make: (code: string, m: string) => new EnvelopeError(code as keyof typeof ENVELOPE_ERRORS, m), table: ENVELOPE_ERRORS, name: "EnvelopeError" },
  { make: (code: string, m: string) => new ChannelError(code as keyof typeof CHANNEL_ERRORS, m), table: CHANNEL_ERRORS, name: "ChannelError" },
  { make: (code: string, m: string) => new ForwardError(code as keyof typeof FORWARD_ERRORS, m), table: FORWARD_ERRORS, name: "ForwardError" },
  { make: (code: string, m: string) => new GatewayError(code as keyof typeof GATEWAY_REFUSALS, m), table: GATEWAY_REFUSALS, name: "GatewayError" },
  { make: (code: string, m: string) => new OnionError(code as keyof typeof ONION_ERRORS, m), table: ONION_ERRORS, name: "OnionError" },
];

describe("coded refusals", () => {
  for (const { make, table, name } of areas) {
    it(`${name}: every code keeps its area's status, name and body`, () => {
      for (const [code, status] of Object.entries(table)) {
        const err = make(code, `because ${code}`);
        expect(err).toBeInstanceOf(CodedRefusal);
        expect(err).toBeInstanceOf(Error);
        expect(err.name).toBe(name);
        expect(err.code).toBe(code);
        expect(err.status).toBe(status);
        expect(JSON.parse(JSON.stringify(err))).toEqual({ error: { code, message: `because ${code}` } });
        expect(Object.keys(err)).not.toContain("table");
      }
    });
  }

  it("a code one area has and another lacks takes its own area's status", () => {
    expect(new EnvelopeError("replayed", "x").status).toBe(409);
    expect(new OnionError("replayed", "x").status).toBe(400);
  });
});
