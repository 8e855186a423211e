// How an installed package starts: the stdio command the upstream pool spawns. This plain form runs
// the package's runtime on its entry with only the environment it declared; the sandbox
// (permission flags from `launch.permissions`) replaces it with the same signature.
import type { PackageLaunch } from "../../protocol/packages/launch.ts";
import type { StdioTarget } from "../settings/platform.ts";

/** `_dataDir` is the package's own data folder: the sandbox grants access to it; this plain form needs nothing of it. */
export function launchTarget(installDir: string, _dataDir: string, launch: PackageLaunch, env: Record<string, string>): Pick<StdioTarget, "command" | "args" | "env"> {
  const declared = new Set([...launch.env.map((v) => v.name), ...launch.permissions.env]);
  const passed = Object.fromEntries(Object.entries(env).filter(([name]) => declared.has(name)));
  const entry = `${installDir}/${launch.entry}`;
  const args = launch.runtime === "deno" ? ["run", "--no-prompt", entry, ...launch.args] : [entry, ...launch.args];
  return { command: launch.runtime, args, env: passed };
}
