import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/node/settings/config.ts";
import { hostAllowed, originAllowed } from "../../src/http/request/origin.ts";
import { redact } from "../../src/secrets/redaction.ts";
import { unsafeUrlReason } from "../../src/node/outbound/ssrf.ts";

describe("SSRF guard", () => {
  it.each([
    "http://127.0.0.1/mcp",
    "http://localhost:3000/mcp",
    "http://10.1.2.3/",
    "http://172.20.0.1/",
    "http://192.168.1.1/",
    "http://169.254.169.254/latest/meta-data",
    "http://[::1]/",
    "http://[fd00::1]/",
    "http://[fe80::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://0.0.0.0/",
    "http://metadata.internal/",
    // Spellings that passed before issue 10.
    "http://localhost./",
    "http://foo.localhost./",
    "http://metadata.google.internal./",
    "http://[::127.0.0.1]/",
    "http://[64:ff9b::7f00:1]/",
    "http://198.18.0.1/",
    "http://2130706433/",
    "http://ｌｏｃａｌｈｏｓｔ/",
    "http://metadata/",
  ])("refuses %s unless private targets are allowed", (url) => {
    expect(unsafeUrlReason(url, false)).toBeDefined();
    expect(unsafeUrlReason(url, true)).toBeUndefined();
  });

  it.each(["https://mcp.example.com/mcp", "http://8.8.8.8/", "http://[2606:4700::1111]/"])("allows %s", (url) => {
    expect(unsafeUrlReason(url, false)).toBeUndefined();
  });

  it("refuses other schemes and credentials whatever the setting", () => {
    expect(unsafeUrlReason("file:///etc/passwd", true)).toMatch(/http/);
    expect(unsafeUrlReason("http://user:pw@example.com/", true)).toMatch(/credentials/);
    expect(unsafeUrlReason("not a url", true)).toMatch(/valid/);
  });
});

describe("Host and Origin checks", () => {
  it("matches names on any port, and host:port entries exactly", () => {
    expect(hostAllowed("localhost:8787", ["localhost"])).toBe(true);
    expect(hostAllowed("LOCALHOST", ["localhost"])).toBe(true);
    expect(hostAllowed("evil.example.com", ["localhost", "127.0.0.1"])).toBe(false);
    expect(hostAllowed("node.example.com:443", ["node.example.com:8443"])).toBe(false);
    expect(hostAllowed("node.example.com:8443", ["node.example.com:8443"])).toBe(true);
    expect(hostAllowed("[::1]:8787", ["[::1]"])).toBe(true);
    expect(hostAllowed("", ["localhost"])).toBe(false);
  });

  it("accepts listed origins and origins on allowed hosts only", () => {
    const cfg = { allowedHosts: ["localhost"], allowedOrigins: ["https://app.example.com"] };
    expect(originAllowed("http://localhost:6274", cfg, "localhost:8787")).toBe(true);
    expect(originAllowed("https://app.example.com", cfg, "localhost:8787")).toBe(true);
    expect(originAllowed("http://evil.example.com", cfg, "localhost:8787")).toBe(false);
    expect(originAllowed("null", cfg, "localhost:8787")).toBe(false);
  });

  it("on the edge without PUBLIC_URL, accepts any Host but only same-origin browsers", () => {
    const cfg = loadConfig({ ADMIN_TOKEN: "x".repeat(16), NODE_SEED: "A".repeat(43), AUTHLESS: "true" }, { edge: true });
    expect(cfg.allowedHosts).toEqual(["*"]);
    expect(hostAllowed("mcpfed.someone.workers.dev", cfg.allowedHosts)).toBe(true);
    expect(originAllowed("https://mcpfed.someone.workers.dev", cfg, "mcpfed.someone.workers.dev")).toBe(true);
    expect(originAllowed("https://evil.example.com", cfg, "mcpfed.someone.workers.dev")).toBe(false);
  });
});

describe("configuration", () => {
  const base = { ADMIN_TOKEN: "x".repeat(16), NODE_SEED: "A".repeat(43) };

  it("has local defaults", () => {
    const c = loadConfig(base);
    expect(c.port).toBe(8787);
    expect(c.publicUrl?.origin).toBe("http://localhost:8787");
    expect(c.allowedHosts).toEqual(expect.arrayContaining(["localhost", "127.0.0.1"]));
    expect(c.allowPrivateUrls).toBe(true);
    expect(c.authless).toBe(true);
    expect(c.consentPassphrase).toBe(base.ADMIN_TOKEN);
  });

  it("names the setting that is missing or invalid", () => {
    expect(() => loadConfig({})).toThrow(/ADMIN_TOKEN/);
    expect(() => loadConfig({ ...base, PORT: "eighty" })).toThrow(/PORT/);
    expect(() => loadConfig({ ...base, CATALOG_MODE: "some" })).toThrow(/CATALOG_MODE/);
    expect(() => loadConfig({ ...base, LIBSQL_URL: "postgres://x" })).toThrow(/LIBSQL_URL/);
    expect(() => loadConfig({})).toThrow(ConfigError);
    expect(() => loadConfig({ ADMIN_TOKEN: base.ADMIN_TOKEN })).toThrow(/NODE_SEED/);
    expect(() => loadConfig({ ...base, NODE_SEED: "too-short" })).toThrow(/NODE_SEED/);
  });

  it("requires auth off loopback and on the edge, unless authless on purpose", () => {
    expect(loadConfig({ ...base, PUBLIC_URL: "https://node.example.com" }).authless).toBe(false);
    expect(loadConfig({ ...base, HOST: "0.0.0.0" }).authless).toBe(false);
    expect(loadConfig(base, { edge: true }).authless).toBe(false);
    expect(loadConfig({ ...base, AUTHLESS: "false" }).authless).toBe(false);
    expect(loadConfig({ ...base, AUTHLESS: "true" }, { edge: true }).authless).toBe(true);
    expect(() => loadConfig({ ...base, CONSENT_PASSPHRASE: "short" })).toThrow(/CONSENT_PASSPHRASE/);
    const edge = loadConfig({ ...base, PUBLIC_URL: "https://n.example.com" }, { edge: true });
    expect(edge.allowPrivateUrls).toBe(false);
    expect(edge.allowedHosts).toEqual(["n.example.com"]);
  });
});

describe("redaction", () => {
  it.each([
    ["Authorization: Bearer abc.def-ghi", "Authorization: Bearer [redacted]"],
    ["token mcpfed_0123456789abcdefghijKLMN used", "token mcpfed_[redacted] used"],
    ["got eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2ln back", "got [redacted JWT] back"],
    ["rt.AAAAAAAAAAAAAAAAAAAAAA.3.BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB", "[redacted refresh token]"],
    ["https://x.example/cb?code=abc123&state=s", "https://x.example/cb?code=[redacted]&state=s"],
    ["GET /q?api_key=sk-live-1&x=1", "GET /q?api_key=[redacted]&x=1"],
  ])("masks %s", (text, expected) => {
    expect(redact(text)).toBe(expected);
  });

  it("leaves ordinary text alone", () => {
    const text = "upstream everything timed out after 60000 ms (rt.x is not a token)";
    expect(redact(text)).toBe(text);
  });
});
