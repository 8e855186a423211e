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
  r.add("abcd");
  r.add("abcd.*efgh");
  expect(r.redact("x abcd.*efgh y abcdZ")).toBe(`x ${REDACTED} y ${REDACTED}Z`);
  expect(r.redact("abXXcd")).toBe("abXXcd");
});

it("splits off the credential of an auth scheme only, not the last words of any value", () => {
  const r = new Redactor();
  r.add("hello there world");
  expect(r.redact("the world, out there")).toBe("the world, out there");
  expect(r.redact("say hello there world")).toBe(`say ${REDACTED}`);
});

it("leaves values shorter than four characters out", () => {
  const r = new Redactor();
  r.add("abc");
  expect(r.redact("abc abcd")).toBe("abc abcd");
});

it("redacts strings and keys of a JSON value, and returns the same value when nothing matched", () => {
  const r = new Redactor();
  const clean = { a: ["nothing here"], n: 1 };
  expect(r.redactJson(clean)).toBe(clean);
  r.add("hunter22");
  expect(r.redactJson(clean)).toBe(clean);
  expect(r.redactJson({ content: [{ type: "text", text: "pw hunter22" }], hunter22: true, n: 1 })).toEqual({
    content: [{ type: "text", text: `pw ${REDACTED}` }],
    [REDACTED]: true,
    n: 1,
  });
});
