// Reading an MCP bundle's zip (protocol §18.2, src/node/packages/bundle-archive.ts): zips made by
// fflate (the library the bundle format's own CLI packs with), some then altered byte by byte as a
// hostile publisher would: bombs, paths leaving the package, links, lying headers; each refused
// with its code before anything is written. Wrong digests: test/e2e/packages.test.ts and
// fetchServed below, over a real loopback HTTP server.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { zipSync, type Zippable } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUNDLE_LIMITS, readBundle } from "../../src/node/packages/bundle-archive.ts";
import { fetchServed } from "../../src/node/packages/artifacts.ts";
import { PackageError } from "../../src/node/packages/errors.ts";
import { Outbound } from "../../src/node/outbound/outbound.ts";

const text = (s: string) => new TextEncoder().encode(s);
// The vectors' plain manifest (test/vectors/registry/bundles.json): a node server at server/index.js.
const vectors = JSON.parse(readFileSync(new URL("../vectors/registry/bundles.json", import.meta.url), "utf8"));
const manifest = vectors.manifests.find((m: { name: string }) => m.name === "the older dxt_version, no user_config").manifest;
const bundle = (files: Zippable = {}, m: unknown = manifest) => zipSync({ "manifest.json": text(JSON.stringify(m)), "server/index.js": text("console.log(1)\n"), ...files });

function refused(zip: Uint8Array, limits = BUNDLE_LIMITS): { code: string; message: string } {
  try {
    const b = readBundle(zip, limits);
    for (const f of b.files()) void f;
  } catch (err) {
    if (err instanceof PackageError) return { code: err.code, message: err.message };
    throw err;
  }
  return { code: "accepted", message: "" };
}

/** The offset of the first central directory header whose name is `name`. */
function centralHeader(zip: Uint8Array, name: string): number {
  const dv = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  for (let at = 0; at + 46 < zip.length; at++) {
    if (dv.getUint32(at, true) !== 0x02014b50) continue;
    const len = dv.getUint16(at + 28, true);
    if (new TextDecoder().decode(zip.subarray(at + 46, at + 46 + len)) === name) return at;
  }
  throw new Error(`no ${name}`);
}

describe("reading a bundle", () => {
  it("reads a well-formed bundle: its launch from the manifest, its files inflated", () => {
    const b = readBundle(bundle({ "server/lib/util.js": text("export {}\n") }));
    expect(b.launch).toMatchObject({ runtime: "node", entry: "server/index.js", args: [] });
    expect([...b.files()].map((f) => [f.path, new TextDecoder().decode(f.bytes)])).toEqual([
      ["manifest.json", JSON.stringify(manifest)],
      ["server/index.js", "console.log(1)\n"],
      ["server/lib/util.js", "export {}\n"],
    ]);
  });

  it("refuses zip bombs: a high compression ratio, too many bytes, too many entries", () => {
    const zeros = bundle({ "server/zeros.bin": new Uint8Array(8 * 1024 * 1024) });
    expect(refused(zeros)).toMatchObject({ code: "unsafe_archive", message: expect.stringMatching(/zeros\.bin: compressed more than 100 to 1/) });
    expect(refused(bundle({ "a.txt": new Uint8Array(2000) }), { ...BUNDLE_LIMITS, bytes: 1000 })).toMatchObject({ code: "unsafe_archive", message: expect.stringMatching(/more than 1000 bytes inflated/) });
    expect(refused(bundle({ "a.txt": text("a"), "b.txt": text("b") }), { ...BUNDLE_LIMITS, entries: 3 })).toMatchObject({ code: "unsafe_archive", message: expect.stringMatching(/4 entries, more than 3/) });
  });

  it("refuses a header that understates what an entry inflates to, before more than its size is held", () => {
    const zip = bundle({ "server/data.txt": text("x".repeat(5000)) });
    const at = centralHeader(zip, "server/data.txt");
    new DataView(zip.buffer).setUint32(at + 24, 100, true);
    expect(refused(zip)).toMatchObject({ code: "unsafe_archive", message: expect.stringMatching(/data\.txt: inflates to 101 bytes, its header says 100/) });
  });

  it("refuses zip-slip: `..`, absolute paths, backslashes", () => {
    for (const name of ["../evil.js", "server/../../evil.js", "/etc/evil", "server\\..\\evil.js", "C:/evil.js"]) {
      expect(refused(bundle({ [name]: text("x") })), name).toMatchObject({ code: "unsafe_archive", message: expect.stringMatching(/a path outside the package/) });
    }
  });

  it("refuses symbolic links and other special files", () => {
    const link = zipSync({ "manifest.json": text(JSON.stringify(manifest)), "server/index.js": [text("/etc/passwd"), { os: 3, attrs: (0o120777 << 16) >>> 0 }] });
    expect(refused(link)).toMatchObject({ code: "unsafe_archive", message: "the bundle is refused: server/index.js: a symbolic link" });
    const fifo = bundle({ "server/pipe": [text(""), { os: 3, attrs: (0o010644 << 16) >>> 0 }] });
    expect(refused(fifo).message).toMatch(/server\/pipe: not a file or a folder/);
  });

  it("refuses encrypted entries and unknown compression, and what is not a zip", () => {
    const zip = bundle();
    const at = centralHeader(zip, "server/index.js");
    const enc = zip.slice();
    new DataView(enc.buffer).setUint16(at + 8, 1, true);
    expect(refused(enc).message).toMatch(/server\/index\.js: encrypted/);
    const method = zip.slice();
    new DataView(method.buffer).setUint16(at + 10, 12, true);
    expect(refused(method).message).toMatch(/compression method 12/);
    expect(refused(text("not a zip at all, but long enough to look"))).toMatchObject({ code: "unsafe_archive", message: expect.stringMatching(/not a zip/) });
  });

  it("refuses a bundle without a manifest, with a bad one, or whose entry point is missing; python is refused naming the types", () => {
    expect(refused(zipSync({ "server/index.js": text("") }))).toMatchObject({ code: "bundle_malformed", message: expect.stringMatching(/no manifest\.json/) });
    expect(refused(bundle({}, { ...manifest, version: 7 }))).toMatchObject({ code: "bundle_malformed" });
    expect(refused(zipSync({ "manifest.json": text(JSON.stringify(manifest)) }))).toMatchObject({ code: "bundle_malformed", message: "the entry point server/index.js is not in the bundle" });
    const python = { ...manifest, server: { type: "python", entry_point: "server/main.py", mcp_config: { command: "python", args: ["${__dirname}/server/main.py"] } } };
    expect(refused(bundle({}, python))).toEqual({ code: "unsupported_server_type", message: "the bundle's server is of type python: this node runs bundles of type node only" });
  });
});

describe("fetching a bundle by its digest", () => {
  let server: Server;
  let url: string;
  const bytes = bundle();
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  const served = bytes.slice();
  served[served.length - 30] = served[served.length - 30]! ^ 1;

  beforeAll(async () => {
    // Serves the altered bytes under the right digest: a source that cannot be trusted.
    server = createServer((_req, res) => res.end(Buffer.from(served)));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("refuses bytes whose SHA-256 is not the entry's (hash_mismatch), before a byte is unpacked", async () => {
    const outbound = new Outbound({ allowPrivate: true });
    const err = await fetchServed(outbound, [url], { type: "mcpb", sha256, size: bytes.length }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PackageError);
    expect((err as PackageError).code).toBe("hash_mismatch");
    expect((err as PackageError).message).toContain(`the entry pins ${sha256}`);
  });
});
