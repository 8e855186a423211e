// SEP-2243's rule for Mcp-Param-* headers, on its own: which arguments a schema mirrors, how a
// header value decodes, and when headers and arguments disagree.
import { describe, expect, it } from "vitest";
import { checkParamHeaders, decodeParamHeader, paramHeaders } from "../../src/protocol/mcp/param-headers.ts";

const SCHEMA = {
  type: "object",
  properties: {
    region: { type: "string", "x-mcp-header": "Region" },
    count: { type: "integer", "x-mcp-header": "Count" },
    verbose: { type: "boolean", "x-mcp-header": "Verbose" },
    nested: { type: "object", properties: { zone: { type: "string", "x-mcp-header": "Zone" } } },
    // Not along a chain of properties, not primitive, or not a token: not declarations.
    list: { type: "array", items: { type: "string", "x-mcp-header": "Item" } },
    blob: { type: "object", "x-mcp-header": "Blob" },
    spaced: { type: "string", "x-mcp-header": "Has Space" },
  },
};

const headersOf = (h: Record<string, string>) => (name: string) => new Headers(h).get(name)?.trim();

describe("paramHeaders", () => {
  it("finds the primitive properties marked along chains of properties, and nothing else", () => {
    expect(paramHeaders(SCHEMA)).toEqual([
      { path: ["region"], header: "Region", type: "string" },
      { path: ["count"], header: "Count", type: "integer" },
      { path: ["verbose"], header: "Verbose", type: "boolean" },
      { path: ["nested", "zone"], header: "Zone", type: "string" },
    ]);
  });

  it("takes anything as a schema without throwing", () => {
    for (const s of [undefined, null, 3, "x", [], { properties: [] }, { properties: { a: null } }]) expect(paramHeaders(s)).toEqual([]);
  });

  it("stops at a bounded depth", () => {
    let deep: Record<string, unknown> = { type: "string", "x-mcp-header": "Deep" };
    for (let i = 0; i < 100; i++) deep = { type: "object", properties: { a: deep } };
    expect(paramHeaders(deep)).toEqual([]);
  });
});

describe("decodeParamHeader", () => {
  it("decodes a sentinel of canonical Base64 of UTF-8", () => {
    expect(decodeParamHeader(`=?base64?${btoa("Hello")}?=`)).toBe("Hello");
    expect(decodeParamHeader("=?base64?w6k=?=")).toBe("é");
  });

  it("refuses a sentinel with bad padding, characters outside the alphabet, or bytes that are not UTF-8", () => {
    expect(decodeParamHeader("=?base64?SGVsbG8?=")).toBeUndefined();
    expect(decodeParamHeader("=?base64?SGVs!!!bG8=?=")).toBeUndefined();
    expect(decodeParamHeader(`=?base64?${btoa("\xff\xfe")}?=`)).toBeUndefined();
  });

  it("takes a value without the whole sentinel literally", () => {
    expect(decodeParamHeader("SGVsbG8=")).toBe("SGVsbG8=");
    expect(decodeParamHeader("=?base64?SGVsbG8=")).toBe("=?base64?SGVsbG8=");
  });
});

describe("checkParamHeaders", () => {
  const declared = paramHeaders(SCHEMA);
  const args = { region: "us-east1", count: 42, verbose: false, nested: { zone: "b" } };
  const all = { "Mcp-Param-Region": "us-east1", "mcp-param-count": "42", "MCP-PARAM-VERBOSE": "false", "Mcp-Param-Zone": "  b  " };

  it("accepts headers that match, by name in any case and with whitespace around, numbers by value", () => {
    expect(checkParamHeaders(declared, args, headersOf(all))).toBeUndefined();
    expect(checkParamHeaders(declared, args, headersOf({ ...all, "mcp-param-count": "42.0" }))).toBeUndefined();
    expect(checkParamHeaders(declared, args, headersOf({ ...all, "Mcp-Param-Region": `=?base64?${btoa("us-east1")}?=` }))).toBeUndefined();
  });

  it("expects no header for an argument that is absent or null, and ignores one sent anyway", () => {
    expect(checkParamHeaders(declared, { count: 42, verbose: null }, headersOf({ "Mcp-Param-Count": "42", "Mcp-Param-Verbose": "x" }))).toBeUndefined();
  });

  it("names the header that is missing, badly encoded or different", () => {
    const without = { ...all } as Record<string, string>;
    delete without["Mcp-Param-Zone"];
    expect(checkParamHeaders(declared, args, headersOf(without))).toEqual({ header: "Mcp-Param-Zone", reason: "missing" });
    expect(checkParamHeaders(declared, args, headersOf({ ...all, "Mcp-Param-Region": "=?base64?SGVsbG8?=" }))).toEqual({ header: "Mcp-Param-Region", reason: "invalid_encoding" });
    expect(checkParamHeaders(declared, args, headersOf({ ...all, "Mcp-Param-Region": "eu-west1" }))).toEqual({ header: "Mcp-Param-Region", reason: "mismatch" });
    expect(checkParamHeaders(declared, args, headersOf({ ...all, "mcp-param-count": "41" }))).toEqual({ header: "Mcp-Param-Count", reason: "mismatch" });
    expect(checkParamHeaders(declared, args, headersOf({ ...all, "mcp-param-verbose": "False" }))).toEqual({ header: "Mcp-Param-Verbose", reason: "mismatch" });
  });
});
