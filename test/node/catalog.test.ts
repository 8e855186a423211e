import { describe, expect, it } from "vitest";
import { toolFingerprint } from "../../src/protocol/registry/tool-fingerprint.ts";
import { assignName, globalToolId, NAME_PATTERN, preferredName } from "../../src/store/catalog-names.ts";

describe("tool fingerprint", () => {
  const tool = { name: "echo", description: "Echoes", inputSchema: { type: "object", properties: { a: { type: "string" } } } };

  it("is the SHA-256 of the JCS form, independent of key order", async () => {
    const reordered = { inputSchema: { properties: { a: { type: "string" } }, type: "object" }, description: "Echoes", name: "echo" };
    const fp = await toolFingerprint(tool);
    expect(fp).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await toolFingerprint(reordered)).toBe(fp);
  });

  it("matches an independently computed digest of the canonical text", async () => {
    const canonical = '{"description":"Echoes","inputSchema":{"properties":{"a":{"type":"string"}},"type":"object"},"name":"echo"}';
    const { createHash } = await import("node:crypto");
    expect(await toolFingerprint(tool)).toBe(`sha256:${createHash("sha256").update(canonical).digest("hex")}`);
  });

  it("changes when the description or schema changes", async () => {
    const fp = await toolFingerprint(tool);
    expect(await toolFingerprint({ ...tool, description: "Echoes!" })).not.toBe(fp);
    expect(await toolFingerprint({ ...tool, inputSchema: { type: "object" } })).not.toBe(fp);
    expect(await toolFingerprint({ name: "echo", inputSchema: tool.inputSchema })).not.toBe(fp);
  });
});

describe("short names", () => {
  it("prefixes, sanitizes and caps at 64 characters", () => {
    expect(preferredName("gh", "create_issue")).toBe("gh_create_issue");
    expect(preferredName("", "echo")).toBe("echo");
    expect(preferredName("fs", "read file.txt")).toBe("fs_read_file_txt");
    const long = preferredName("p", "x".repeat(100));
    expect(long.length).toBe(64);
    expect(long).toMatch(NAME_PATTERN);
  });

  it("falls back to a stable hashed suffix when taken or reserved", async () => {
    const id = globalToolId("local", "a", "echo");
    const taken = new Set(["echo"]);
    const first = await assignName(id, "echo", (n) => taken.has(n));
    expect(first).toMatch(/^echo_[0-9a-f]{8}$/);
    expect(await assignName(id, "echo", (n) => taken.has(n))).toBe(first);
    expect(await assignName(globalToolId("local", "b", "echo"), "echo", (n) => taken.has(n))).not.toBe(first);
    expect(await assignName(id, "search_tools", () => false)).toMatch(/^search_tools_[0-9a-f]{8}$/);
  });

  it("keeps fallbacks within 64 characters", async () => {
    const preferred = "y".repeat(64);
    const name = await assignName("local/u/y", preferred, (n) => n === preferred);
    expect(name.length).toBeLessThanOrEqual(64);
    expect(name).toMatch(NAME_PATTERN);
  });
});
