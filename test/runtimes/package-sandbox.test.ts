// The package sandbox with real processes: the sandbox-probe package (an SDK MCP server, bundled
// into its own folder) run through launchTarget and the node's stdio connector and pool, under
// Node 24 (--permission) and under Deno (its permission flags). What the launch declares works;
// what it does not fails inside the tool, the error reaches the caller, and the node logs a typed
// sandbox_denied line.
import { createServer, type Server } from "node:http";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/client";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { launchTarget } from "../../src/node/packages/launch-target.ts";
import { UpstreamPool } from "../../src/node/upstreams/pool.ts";
import { Outbound } from "../../src/node/outbound/outbound.ts";
import { packageLaunch } from "../../src/protocol/packages/launch.ts";
import { stdioConnector } from "../../src/runtimes/stdio.ts";
import { installProbePackage, toolsRuntimes, type ProbePackage } from "../support/sandbox-package.ts";

let pkg: ProbePackage;
let host: Server;
let port: number;
let pool: UpstreamPool;
let warnings: string[] = [];

beforeAll(async () => {
  pkg = await installProbePackage();
  mkdirSync(join(pkg.dataDir, "notes"));
  mkdirSync(join(pkg.dataDir, "out"));
  writeFileSync(join(pkg.dataDir, "notes/allowed.txt"), "declared");
  writeFileSync(join(pkg.dataDir, "secret.txt"), "undeclared");
  host = createServer((_req, res) => res.end("ok"));
  await new Promise<void>((r) => host.listen(0, "127.0.0.1", r));
  port = (host.address() as { port: number }).port;
  pool = new UpstreamPool({
    clientInfo: { name: "mcpfed-test", version: "0" },
    outbound: new Outbound({ allowPrivate: true }),
    connectTimeoutMs: 60_000,
    stdio: stdioConnector,
    maxPrincipalSessions: 4,
  });
}, 60_000);

afterAll(async () => {
  await pool?.closeAll();
  await new Promise((r) => host?.close(r));
});

afterEach(() => vi.restoreAllMocks());

const launch = (runtime: "node" | "deno") =>
  packageLaunch.parse({
    runtime,
    entry: "server.mjs",
    env: [{ name: "PROBE_TOKEN", required: true, secret: true }],
    permissions: { read: ["notes"], write: ["out"], net: [`127.0.0.1:${port}`], env: ["PROBE_TOKEN"] },
  });

async function call(runtime: "node" | "deno", name: string, args: Record<string, unknown>) {
  const target = { name: `probe-${runtime}`, ...launchTarget(pkg.installDir, pkg.dataDir, launch(runtime), { PROBE_TOKEN: "t0ken", HOME: "/root", OTHER: "x" }, toolsRuntimes()) };
  const result = await pool.use(target, (c: Client) => c.callTool({ name, arguments: args }));
  return { isError: result.isError === true, text: (result.content as { text: string }[])[0]!.text };
}

/** The node's sandbox_denied lines (log.warn writes JSON to console.warn). */
function denials(): { upstream: string; via: string; detail: string }[] {
  return warnings.map((w) => JSON.parse(w) as { event: string; upstream: string; via: string; detail: string }).filter((l) => l.event === "sandbox_denied");
}

describe.each(["node", "deno"] as const)("a package under %s", (runtime) => {
  beforeAll(() => {
    warnings = [];
  });

  it("reads and writes what it declared, and reads its declared variable", async () => {
    vi.spyOn(console, "warn").mockImplementation((line: string) => void warnings.push(line));
    expect(await call(runtime, "read_file", { path: join(pkg.dataDir, "notes/allowed.txt") })).toEqual({ isError: false, text: "declared" });
    expect(await call(runtime, "write_file", { path: join(pkg.dataDir, "out/result.txt"), text: runtime })).toEqual({ isError: false, text: "written" });
    expect(readFileSync(join(pkg.dataDir, "out/result.txt"), "utf8")).toBe(runtime);
    expect(await call(runtime, "read_env", { name: "PROBE_TOKEN" })).toEqual({ isError: false, text: "t0ken" });
    expect(await call(runtime, "fetch_url", { url: `http://127.0.0.1:${port}/` })).toEqual({ isError: false, text: "200" });
    expect(denials()).toEqual([]);
  }, 120_000);

  it("fails visibly on a file it did not declare, and the node logs sandbox_denied", async () => {
    vi.spyOn(console, "warn").mockImplementation((line: string) => void warnings.push(line));
    const read = await call(runtime, "read_file", { path: join(pkg.dataDir, "secret.txt") });
    expect(read.isError).toBe(true);
    expect(read.text).not.toContain("undeclared");
    const write = await call(runtime, "write_file", { path: join(pkg.dataDir, "notes/allowed.txt"), text: "overwritten" });
    expect(write.isError).toBe(true);
    expect(readFileSync(join(pkg.dataDir, "notes/allowed.txt"), "utf8")).toBe("declared");
    expect(denials()).toEqual([
      expect.objectContaining({ upstream: `probe-${runtime}`, via: "result", detail: expect.stringMatching(runtime === "node" ? /restricted.*--allow-fs-read/ : /read access to/) }),
      expect.objectContaining({ upstream: `probe-${runtime}`, via: "result", detail: expect.stringMatching(runtime === "node" ? /--allow-fs-write/ : /write access to/) }),
    ]);
  }, 120_000);

  it("gets only the variables it declared", async () => {
    const other = await call(runtime, "read_env", { name: "OTHER" });
    const home = await call(runtime, "read_env", { name: "HOME" });
    // Node passes nothing undeclared (reads see undefined); Deno also denies the read itself.
    if (runtime === "node") expect([other, home]).toEqual([{ isError: false, text: "undefined" }, { isError: false, text: "undefined" }]);
    else expect([other.isError, home.isError]).toEqual([true, true]);
  }, 120_000);
});

describe("the network under deno", () => {
  it("refuses a host it did not declare", async () => {
    warnings = [];
    vi.spyOn(console, "warn").mockImplementation((line: string) => void warnings.push(line));
    const other = createServer((_req, res) => res.end("ok"));
    await new Promise<void>((r) => other.listen(0, "127.0.0.1", r));
    try {
      const res = await call("deno", "fetch_url", { url: `http://127.0.0.1:${(other.address() as { port: number }).port}/` });
      expect(res.isError).toBe(true);
      expect(res.text).toMatch(/net access to/);
      expect(denials()).toEqual([expect.objectContaining({ upstream: "probe-deno", via: "result" })]);
    } finally {
      await new Promise((r) => other.close(r));
    }
  }, 120_000);
});
