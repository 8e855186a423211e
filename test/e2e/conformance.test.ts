// The official MCP conformance suite against a real node fronting server-everything. Its CLI
// needs a newer Node than 20, so it runs under the Deno binary from devDependencies.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNodeWithEverything } from "../support/node-with-everything.ts";
import { ROOT, TOOLS, type NodeProc, type Upstream } from "../support/processes.ts";

const SUITE = join(ROOT, "node_modules/@modelcontextprotocol/conformance/dist/index.js");
// Under node_modules so it is git-ignored, and kept between runs (and CI caches) like npm's own.
const DENO_DIR = join(ROOT, "node_modules/.cache/deno");

const SCENARIOS = ["server-initialize", "ping", "tools-list", "dns-rebinding-protection"];

function conformance(args: string[]): Promise<{ code: number | null; output: string }> {
  // --no-config: the repo's deno.json is for running the node, not this suite; the suite's
  // imports resolve from node_modules as installed by npm.
  const child = spawn(join(TOOLS, "deno"), ["run", "-A", "--no-config", "--node-modules-dir=manual", SUITE, ...args], {
    cwd: ROOT,
    // No update check: the suite must run with only the npm registry reachable (or nothing).
    env: { ...process.env, DENO_DIR, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), 90_000);
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe("MCP conformance suite", () => {
  let everything: Upstream;
  let node: NodeProc;

  beforeAll(async () => {
    ({ node, everything } = await startNodeWithEverything());
  });

  afterAll(async () => {
    await Promise.all([node?.stop(), everything?.stop()]);
  });

  it.each(SCENARIOS)("%s", async (scenario) => {
    // localhost, not 127.0.0.1: dns-rebinding-protection only runs against a localhost URL.
    const { code, output } = await conformance(["server", "--url", `http://localhost:${node.port}/mcp`, "--scenario", scenario]);
    console.log(`conformance ${scenario} (exit ${code}):\n${output}`);
    expect(code, output).toBe(0);
    expect(output).toMatch(/Passed: (\d+)\/\1, 0 failed/);
  });
});
