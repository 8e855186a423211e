// The mailbox messages' vectors (test/vectors/routes/mailbox.json, docs/protocol.md §20.6): each
// valid message parses with its schema, each malformed one is refused, and a card names a
// mailbox by its origin.
import { readFileSync } from "node:fs";
import type { z } from "zod";
import { describe, expect, it } from "vitest";
import { mailboxAnswerRequest, mailboxAnswerResult, mailboxPollRequest, mailboxPollResult, namesMailbox } from "../../src/protocol/routes/mailbox.ts";

interface Message {
  name: string;
  schema: string;
  message: unknown;
}
const v = JSON.parse(readFileSync(new URL("../vectors/routes/mailbox.json", import.meta.url), "utf8")) as {
  valid: Message[];
  invalid: Message[];
  names: { name: string; card: { mailboxes?: string[] }; origin: string; names: boolean }[];
};
const SCHEMAS: Record<string, z.ZodType> = {
  "mailbox-poll": mailboxPollRequest,
  "mailbox-poll result": mailboxPollResult,
  "mailbox-answer": mailboxAnswerRequest,
  "mailbox-answer result": mailboxAnswerResult,
};

describe("mailbox vectors", () => {
  it.each(v.valid.map((m) => [m.name, m] as const))("parses %s", (_n, m) => expect(SCHEMAS[m.schema]!.safeParse(m.message).success).toBe(true));
  it.each(v.invalid.map((m) => [m.name, m] as const))("refuses %s", (_n, m) => expect(SCHEMAS[m.schema]!.safeParse(m.message).success).toBe(false));
  it.each(v.names.map((n) => [n.name, n] as const))("names a mailbox: %s", (_n, n) => expect(namesMailbox(n.card, n.origin)).toBe(n.names));
  it("holds both kinds of message", () => {
    expect(v.valid.length).toBeGreaterThanOrEqual(7);
    expect(v.invalid.length).toBeGreaterThanOrEqual(13);
  });
});
