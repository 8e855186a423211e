// The alert webhook's vectors (test/vectors/alerts/webhook.json, docs/protocol.md §21): each valid
// message parses, each malformed one is refused, and each signature header verifies as recorded.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { alertWebhook, signatureHeader, verifySignatureHeader } from "../../src/protocol/alerts/webhook.ts";

interface Message {
  name: string;
  message: unknown;
}
interface Signature {
  name: string;
  secret: string;
  header: string;
  body: string;
  now: number;
  valid: boolean;
}
const v = JSON.parse(readFileSync(new URL("../vectors/alerts/webhook.json", import.meta.url), "utf8")) as { valid: Message[]; invalid: Message[]; signatures: Signature[] };

describe("alert webhook vectors", () => {
  it.each(v.valid.map((m) => [m.name, m] as const))("parses %s", (_n, m) => expect(alertWebhook.safeParse(m.message).success).toBe(true));
  it.each(v.invalid.map((m) => [m.name, m] as const))("refuses %s", (_n, m) => expect(alertWebhook.safeParse(m.message).success).toBe(false));
  it.each(v.signatures.map((s) => [s.name, s] as const))("verifies %s", (_n, s) => expect(verifySignatureHeader(s.secret, s.header, s.body, s.now)).toBe(s.valid));
  it("signs the recorded body to the recorded header", () => {
    const made = v.signatures[0]!;
    const time = Number(/^t=(\d+)/.exec(made.header)![1]);
    expect(signatureHeader(made.secret, time, made.body)).toBe(made.header);
    expect(v.valid.length).toBeGreaterThanOrEqual(3);
    expect(v.invalid.length).toBeGreaterThanOrEqual(8);
  });
});
