// Only what a client declared is asked of it: per method, and per elicitation mode.
import { describe, expect, it } from "vitest";
import { declares } from "../../../src/node/interactive/input-requests.ts";
import { guardedAsk, UndeclaredCapabilityError } from "../../../src/node/interactive/input-rounds.ts";

const form = { method: "elicitation/create" as const, params: { message: "m", requestedSchema: {} } };
const url = { method: "elicitation/create" as const, params: { mode: "url", message: "m", url: "https://example.com" } };
const sampling = { method: "sampling/createMessage" as const, params: {} };
const roots = { method: "roots/list" as const };

describe("declares", () => {
  it("matches each method to its capability, and an elicitation to its mode", () => {
    expect(declares({ elicitation: {} }, form)).toBe(true);
    expect(declares({ elicitation: {} }, url)).toBe(false);
    expect(declares({ elicitation: { form: {} } }, url)).toBe(false);
    expect(declares({ elicitation: { url: {} } }, url)).toBe(true);
    expect(declares({ elicitation: { url: {} } }, form)).toBe(false);
    expect(declares({ elicitation: {} }, sampling)).toBe(false);
    expect(declares({ sampling: {} }, sampling)).toBe(true);
    expect(declares({ sampling: {} }, roots)).toBe(false);
    expect(declares({ roots: {} }, roots)).toBe(true);
  });
});

describe("guardedAsk", () => {
  it("refuses an undeclared question with -32601 and never passes it on", async () => {
    const passed: string[] = [];
    const ask = guardedAsk({ sampling: {} }, async (r) => {
      passed.push(r.method);
      return {};
    });
    const err = await ask(form, new AbortController().signal).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(UndeclaredCapabilityError);
    expect((err as UndeclaredCapabilityError).code).toBe(-32601);
    await ask(sampling, new AbortController().signal);
    expect(passed).toEqual(["sampling/createMessage"]);
  });
});
