// The CLI as an operator runs it: a child process, given only the settings a test passes.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { ROOT } from "./processes.ts";

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI to completion, with only the settings given (none inherited from the test's env); the run's bundle of it when there is one (node-bundle.ts). */
export function cli(args: string[], env: Record<string, string | undefined>, launcher = false): Promise<Run> {
  const base = { ...process.env };
  for (const k of ["ADMIN_TOKEN", "MCPFED_URL", "PORT", "DATA_DIR"]) delete base[k];
  const bundle = process.env.MCPFED_CLI_BUNDLE;
  const entry = launcher ? [join(ROOT, "scripts/mcpfed.js")] : bundle ? [bundle] : ["--import", "tsx", join(ROOT, "src/cli/main.ts")];
  const child = spawn(process.execPath, [...entry, ...args], { cwd: ROOT, env: { ...base, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), 45_000);
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
