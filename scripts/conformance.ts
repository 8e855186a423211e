// Runs an official MCP conformance suite against a server URL and reports every check per scenario
// as JSON. Two releases are installed side by side: 0.1.16 (`@modelcontextprotocol/conformance`,
// the 2025-11-25 era with --suite all) and the 0.2.0 line (`conformance-next`, which carries the
// frozen requirement sets of both eras). Their CLI wants a newer Node than 20, so it runs under the
// Deno binary from tools/.
//
//   npm run conformance -- --suite 2025-11-25 --url http://localhost:3000/mcp
//   npm run conformance -- --suite 2026-07-28 --fixture       (against test/fixtures/conformance-server)
//
// Suites: 2025-11-25 (0.1.16 --suite all), 2026-07-28 and 2025-11-25-next (0.2.0 --requirements).
// Use a localhost URL: dns-rebinding-protection only runs against one.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { z } from "zod";

const ROOT = resolve(import.meta.dirname, "..");
const DENO = join(ROOT, "tools/node_modules/.bin/deno");
// Under node_modules so it is git-ignored and kept between runs like npm's own cache.
const DENO_DIR = join(ROOT, "node_modules/.cache/deno");

export const SUITES = {
  "2025-11-25": { pkg: "@modelcontextprotocol/conformance", args: ["--suite", "all"] },
  // 10 s a scenario instead of 30: the fixture answers each within one, and a server that hangs
  // should not hold a CI run for half an hour.
  "2026-07-28": { pkg: "conformance-next", args: ["--requirements", "2026-07-28", "--timeout", "10000"] },
  "2025-11-25-next": { pkg: "conformance-next", args: ["--requirements", "2025-11-25", "--timeout", "10000"] },
} as const;
export type SuiteName = keyof typeof SUITES;

const checkSchema = z.object({
  id: z.string(),
  status: z.enum(["SUCCESS", "FAILURE", "WARNING", "INFO", "SKIPPED"]),
  errorMessage: z.string().optional(),
});
type Check = z.infer<typeof checkSchema>;

/** One check of one scenario; a check the scenario emits more than once fails if any instance did. */
export interface CheckResult {
  status: Check["status"];
  errorMessage?: string;
}

export interface SuiteResult {
  suite: SuiteName;
  package: string;
  version: string;
  url: string;
  /** scenario → check id → result */
  scenarios: Record<string, Record<string, CheckResult>>;
  /** Scenarios that ended without writing their checks (the suite's output says why). */
  unfinished: string[];
  /** The suite's own summary, for reading; the results above are what to assert on. */
  output: string;
}

/** `scenario/check` for every check with the given status. */
export function checksWith(result: SuiteResult, status: Check["status"]): string[] {
  return Object.entries(result.scenarios).flatMap(([scenario, checks]) =>
    Object.entries(checks)
      .filter(([, c]) => c.status === status)
      .map(([id]) => `${scenario}/${id}`),
  );
}

// A result folder is named server-<scenario>-<ISO timestamp with - for : and .>.
const folderName = /^server-(.+)-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z$/;
const rank: Check["status"][] = ["FAILURE", "WARNING", "SUCCESS", "INFO", "SKIPPED"];

function merge(into: Record<string, CheckResult>, check: Check): void {
  const had = into[check.id];
  if (had && rank.indexOf(had.status) <= rank.indexOf(check.status)) return;
  into[check.id] = { status: check.status, ...(check.errorMessage ? { errorMessage: check.errorMessage } : {}) };
}

export async function runConformance(suite: SuiteName, url: string, timeoutMs = 600_000): Promise<SuiteResult> {
  const { pkg, args } = SUITES[suite];
  const pkgDir = join(ROOT, "node_modules", pkg);
  const version = z.object({ version: z.string() }).parse(JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"))).version;
  const outDir = mkdtempSync(join(tmpdir(), "mcpfed-conformance-"));
  try {
    // --no-config: the repo's deno.json is for running the node; the suite resolves its imports
    // from node_modules as npm installed them.
    const cli = [DENO, "run", "-A", "--no-config", "--node-modules-dir=manual", join(pkgDir, "dist/index.js")];
    const output = await run(cli, ["server", "--url", url, ...args, "-o", outDir], timeoutMs);
    const scenarios: SuiteResult["scenarios"] = {};
    const unfinished: string[] = [];
    for (const folder of readdirSync(outDir)) {
      const scenario = folderName.exec(folder)?.[1];
      if (!scenario) continue;
      const into = (scenarios[scenario] ??= {});
      const file = join(outDir, folder, "checks.json");
      if (!existsSync(file)) {
        unfinished.push(scenario);
        continue;
      }
      const checks = z.array(checkSchema.passthrough()).parse(JSON.parse(readFileSync(file, "utf8")));
      for (const check of checks) merge(into, check);
    }
    if (Object.keys(scenarios).length === 0) throw new Error(`conformance ${suite} wrote no results:\n${output}`);
    return { suite, package: pkg, version, url, scenarios, unfinished: unfinished.sort(), output };
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

function run(cmd: string[], args: string[], timeoutMs: number): Promise<string> {
  const child = spawn(cmd[0]!, [...cmd.slice(1), ...args], {
    cwd: ROOT,
    // No update check: the suite must run with only the npm registry reachable (or nothing).
    env: { ...process.env, DENO_DIR, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  return new Promise((res, rej) => {
    child.once("error", rej);
    // The exit code only says whether some check failed; the per-check results say which.
    child.once("close", () => {
      clearTimeout(timer);
      res(output);
    });
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { suite: { type: "string" }, url: { type: "string" }, fixture: { type: "boolean" } } });
  const suite = values.suite as SuiteName | undefined;
  if (!suite || !(suite in SUITES) || (!values.url && !values.fixture)) {
    console.error(`usage: npm run conformance -- --suite ${Object.keys(SUITES).join("|")} (--url URL | --fixture)`);
    process.exit(2);
  }
  let url = values.url;
  let stop = async () => {};
  if (!url) {
    const { serve } = await import("@hono/node-server");
    const { conformanceEndpoint } = await import("../test/fixtures/conformance-server/http.ts");
    const endpoint = conformanceEndpoint();
    const server = serve({ hostname: "127.0.0.1", port: 0, fetch: endpoint.fetch });
    await new Promise((r) => server.once("listening", r));
    const { port } = server.address() as { port: number };
    url = `http://localhost:${port}/mcp`;
    stop = async () => {
      await endpoint.close();
      server.close();
    };
  }
  try {
    const { output, ...result } = await runConformance(suite, url);
    console.error(output);
    console.log(JSON.stringify(result, null, 2));
    // Like the suite's own CLI: non-zero when a check failed.
    if (checksWith({ output, ...result }, "FAILURE").length > 0) process.exitCode = 1;
  } finally {
    await stop();
  }
}

if (process.argv[1] && resolve(process.argv[1]) === import.meta.filename) await main();
