import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.ts";
import { hostAllowed, originAllowed } from "../../src/guards/origin.ts";
import { unsafeUrlReason } from "../../src/guards/ssrf.ts";

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
    expect(c.mcpToken).toBeUndefined();
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

  it("requires MCP_TOKEN off loopback and on the edge, unless authless on purpose", () => {
    expect(() => loadConfig({ ...base, PUBLIC_URL: "https://node.example.com" })).toThrow(/MCP_TOKEN/);
    expect(() => loadConfig({ ...base, HOST: "0.0.0.0" })).toThrow(/MCP_TOKEN/);
    expect(() => loadConfig(base, { edge: true })).toThrow(/MCP_TOKEN/);
    expect(loadConfig({ ...base, AUTHLESS: "true" }, { edge: true }).mcpToken).toBeUndefined();
    const edge = loadConfig({ ...base, MCP_TOKEN: "t".repeat(16), PUBLIC_URL: "https://n.example.com" }, { edge: true });
    expect(edge.allowPrivateUrls).toBe(false);
    expect(edge.allowedHosts).toEqual(["n.example.com"]);
  });
});
