// The sandbox's command line, as a pure function of the launch: only what the entry declares
// becomes a permission, only declared variables pass, and what cannot run is refused by type.
import { describe, expect, it } from "vitest";
import { launchTarget } from "../../src/node/packages/launch-target.ts";
import { collapseData, SandboxError, sandboxDenial } from "../../src/node/packages/sandbox.ts";
import { packageLaunch } from "../../src/protocol/packages/launch.ts";
import { nodePermissionFlag } from "../../src/runtimes/package-runtimes.ts";

const runtimes = { node: { command: "/opt/node24", permissionFlag: "--permission" as const }, deno: { command: "/opt/deno" } };
const declared = packageLaunch.parse({
  runtime: "deno",
  entry: "dist/index.js",
  args: ["--stdio"],
  env: [{ name: "API_KEY", required: true, secret: true }],
  permissions: { net: ["api.example.com", "127.0.0.1:8080"], read: ["cache"], write: ["cache", "out"], env: ["API_KEY", "LANG"] },
});
const given = { API_KEY: "k", LANG: "C", HOME: "/root", AWS_SECRET_ACCESS_KEY: "x" };

describe("launchTarget", () => {
  it("passes a declared default when no value is given, and expands {package} and {data} at the start of a value or an argument", () => {
    const bundled = packageLaunch.parse({
      runtime: "node",
      entry: "server/index.js",
      args: ["--root", "{package}/assets", "{data}/db", "x{package}"],
      env: [
        { name: "LOG_LEVEL", default: "warn" },
        { name: "UNITS", default: "metric" },
        { name: "CONFIG", default: "{package}/config.json" },
        { name: "TOKEN", required: true, secret: true },
      ],
    });
    const t = launchTarget("/pkgs/abc", "/data/p", bundled, { UNITS: "imperial", TOKEN: "t", OTHER: "o" }, runtimes);
    expect(t.args.slice(-5)).toEqual(["/pkgs/abc/server/index.js", "--root", "/pkgs/abc/assets", "/data/p/db", "x{package}"]);
    expect(t.env).toEqual({ LOG_LEVEL: "warn", UNITS: "imperial", CONFIG: "/pkgs/abc/config.json", TOKEN: "t" });
    expect(() => launchTarget("/pkgs/abc", "/data/p", bundled, {}, runtimes)).toThrow(/needs TOKEN set/);
  });

  it("gives Deno exactly the declared permissions, and nothing when none is declared", () => {
    expect(launchTarget("/pkgs/abc", "/data/p", declared, given, runtimes)).toEqual({
      kind: "stdio",
      command: "/opt/deno",
      args: [
        "run",
        "--no-prompt",
        "--allow-read=/pkgs/abc,/data/p/cache",
        "--allow-write=/data/p/cache,/data/p/out",
        "--allow-net=api.example.com,127.0.0.1:8080",
        "--allow-env=API_KEY,LANG",
        "/pkgs/abc/dist/index.js",
        "--stdio",
      ],
      env: { API_KEY: "k", LANG: "C", DENO_DIR: "/data/p/.deno" },
      cwd: "/data/p",
      sandboxed: true,
    });
    const bare = launchTarget("/pkgs/abc", "/data/p", packageLaunch.parse({ runtime: "deno", entry: "main.js" }), given, runtimes);
    expect(bare.args).toEqual(["run", "--no-prompt", "--allow-read=/pkgs/abc", "/pkgs/abc/main.js"]);
    expect(bare.env).toEqual({ DENO_DIR: "/data/p/.deno" });
  });

  it("gives Node the permission model over files, one flag per path", () => {
    const t = launchTarget("/pkgs/abc", "/data/p", { ...declared, runtime: "node" }, given, runtimes);
    expect(t.command).toBe("/opt/node24");
    expect(t.args).toEqual([
      "--permission",
      "--allow-fs-read=/pkgs/abc",
      "--allow-fs-read=/data/p/cache",
      "--allow-fs-write=/data/p/cache",
      "--allow-fs-write=/data/p/out",
      "/pkgs/abc/dist/index.js",
      "--stdio",
    ]);
    expect(t.env).toEqual({ API_KEY: "k", LANG: "C" });
  });

  it("expands {data} at the start of an argument or a declared variable to the data folder, nowhere else", () => {
    const launch = packageLaunch.parse({
      runtime: "node",
      entry: "index.js",
      args: ["{data}/files", "x{data}"],
      env: [{ name: "STORE" }],
      permissions: { write: ["files"] },
    });
    const t = launchTarget("/pkgs/abc", "/data/p/", launch, { STORE: "{data}/graph.jsonl", HOME: "{data}" }, runtimes);
    expect(t.args.slice(-2)).toEqual(["/data/p/files", "x{data}"]);
    expect(t.env).toEqual({ STORE: "/data/p/graph.jsonl" });
  });

  it("writes a value under the data folder back with {data}, and nothing else", () => {
    expect(collapseData("/data/p/graph.jsonl", "/data/p/")).toBe("{data}/graph.jsonl");
    expect(collapseData("/data/p", "/data/p")).toBe("{data}");
    expect(collapseData("/data/pp/graph.jsonl", "/data/p")).toBe("/data/pp/graph.jsonl");
    expect(collapseData("x/data/p/graph", "/data/p")).toBe("x/data/p/graph");
  });

  it("refuses a launch it cannot sandbox, or one missing a required variable", () => {
    expect(() => launchTarget("/p", "/d", declared, given, { node: runtimes.node })).toThrow(expect.objectContaining({ code: "runtime_unavailable" }));
    expect(() => launchTarget("/p", "/d", { ...declared, runtime: "node" }, given, { deno: runtimes.deno })).toThrow(SandboxError);
    expect(() => launchTarget("/p", "/d", declared, { LANG: "C" }, runtimes)).toThrow(expect.objectContaining({ code: "missing_env", message: "the package needs API_KEY set" }));
  });
});

describe("the Node permission flag by version", () => {
  it.each([
    ["v18.20.0", undefined],
    ["v20.20.2", "--experimental-permission"],
    ["v22.12.0", "--experimental-permission"],
    ["v22.13.0", "--permission"],
    ["v23.5.0", "--permission"],
    ["v24.21.0", "--permission"],
  ])("%s: %s", (version, flag) => expect(nodePermissionFlag(version)).toBe(flag));
});

describe("sandboxDenial", () => {
  it("finds Node's and Deno's denials, and nothing in other errors", () => {
    expect(sandboxDenial("Error: Access to this API has been restricted. Use --allow-fs-read")).toMatch(/^Access to this API/);
    expect(sandboxDenial('NotCapable: Requires net access to "x:1"')).toMatch(/^NotCapable/);
    expect(sandboxDenial("code: 'ERR_ACCESS_DENIED'")).toBe("ERR_ACCESS_DENIED'");
    expect(sandboxDenial("ENOENT: no such file or directory")).toBeUndefined();
  });
});
