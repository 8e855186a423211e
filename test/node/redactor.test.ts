// Redaction by value: the forms a secret is echoed in, and what is too short to mask.
import { expect, it } from "vitest";
import { Redactor, REDACTED } from "../../src/secrets/redactor.ts";

it("masks a value as is, URL-encoded and JSON-escaped, and a scheme's credential on its own", () => {
  const r = new Redactor();
  r.add('Bearer s3cr/t"x+y');
  expect(r.redact('auth: Bearer s3cr/t"x+y')).toBe(`auth: ${REDACTED}`);
  expect(r.redact('token s3cr/t"x+y alone')).toBe(`token ${REDACTED} alone`);
  expect(r.redact(`q=${encodeURIComponent('s3cr/t"x+y')}`)).toBe(`q=${REDACTED}`);
  expect(r.redact(JSON.stringify({ t: 's3cr/t"x+y' }))).toBe(`{"t":"${REDACTED}"}`);
});

it("masks the longest value whole when one contains another, and treats values as text, not patterns", () => {
  const r = new Redactor();
  r.add("abcd1234");
  r.add("abcd1234.*efgh");
  expect(r.redact("x abcd1234.*efgh y abcd1234Z")).toBe(`x ${REDACTED} y ${REDACTED}Z`);
  expect(r.redact("abcd12X34")).toBe("abcd12X34");
});

it("splits off the credential of an auth scheme only, not the last words of any value", () => {
  const r = new Redactor();
  r.add("hello there world-7");
  expect(r.redact("the world-7, out there")).toBe("the world-7, out there");
  expect(r.redact("say hello there world-7")).toBe(`say ${REDACTED}`);
});

it("leaves out values that cannot be told from ordinary text: short, or of one kind of character", () => {
  const r = new Redactor();
  for (const v of ["ab1-", "production", "12345678", "APPLICATION"]) r.add(v);
  expect(r.redact("ab1- production 12345678 APPLICATION")).toBe("ab1- production 12345678 APPLICATION");
  r.add("Bearer abc");
  expect(r.redact("Bearer abc")).toBe(`${REDACTED}`);
  expect(r.redact("abc")).toBe("abc");
});

it("redacts the strings of a JSON value but not its keys, and returns the same value when nothing matched", () => {
  const r = new Redactor();
  const clean = { a: ["nothing here"], n: 1 };
  expect(r.redactJson(clean)).toBe(clean);
  r.add("hunter22");
  expect(r.redactJson(clean)).toBe(clean);
  expect(r.redactJson({ content: [{ type: "text", text: "pw hunter22" }], hunter22: true, n: 1 })).toEqual({
    content: [{ type: "text", text: `pw ${REDACTED}` }],
    hunter22: true,
    n: 1,
  });
});

it("finds a value in an answer's JSON text, escaped as JSON writes it, and finds nothing while none is registered", () => {
  const r = new Redactor();
  const answer = JSON.stringify({ error: 'upstream said: s3cr/t"x+y' });
  expect(r.holdsNone).toBe(true);
  expect(r.foundIn(answer)).toBe(false);
  r.add('s3cr/t"x+y');
  expect(r.holdsNone).toBe(false);
  expect(r.foundIn(answer)).toBe(true);
  expect(r.foundIn(JSON.stringify({ error: "nothing here" }))).toBe(false);
  expect(r.redactJson(JSON.parse(answer))).toEqual({ error: `upstream said: ${REDACTED}` });
});
