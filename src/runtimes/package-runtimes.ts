// Which runtimes packages can run under on this machine, asked once at start: the Node binary's
// version decides its permission flag, and Deno is used only if it answers.
import { execFileSync } from "node:child_process";
import type { Config } from "../node/settings/config.ts";
import type { PackageRuntimes } from "../node/settings/platform.ts";

function versionOf(command: string): string | undefined {
  try {
    return execFileSync(command, ["--version"], { encoding: "utf8", timeout: 10_000, stdio: ["ignore", "pipe", "ignore"] });
  } catch {
    return undefined;
  }
}

/** `--permission` from Node 22.13 and 23.5 on; `--experimental-permission` from 20 until then. */
export function nodePermissionFlag(version: string): "--permission" | "--experimental-permission" | undefined {
  const m = /v(\d+)\.(\d+)/.exec(version);
  if (!m) return undefined;
  const [major, minor] = [Number(m[1]), Number(m[2])];
  if (major >= 24 || (major === 23 && minor >= 5) || (major === 22 && minor >= 13)) return "--permission";
  return major >= 20 ? "--experimental-permission" : undefined;
}

/** The commands tried when PACKAGE_NODE or PACKAGE_DENO is unset: a Deno node passes its own binary and `node` from the path. */
export interface RuntimeCommands {
  node: string;
  deno: string;
}

export function findPackageRuntimes(config: Pick<Config, "packageNode" | "packageDeno">, defaults: RuntimeCommands = { node: process.execPath, deno: "deno" }): PackageRuntimes {
  const nodeCommand = config.packageNode ?? defaults.node;
  // Only Node's own binary is known without asking (under Deno, process.execPath is Deno's).
  const nodeVersion = nodeCommand === process.execPath && !config.packageNode ? process.version : versionOf(nodeCommand);
  const permissionFlag = nodeVersion ? nodePermissionFlag(nodeVersion) : undefined;
  const denoCommand = config.packageDeno ?? defaults.deno;
  return {
    node: permissionFlag ? { command: nodeCommand, permissionFlag } : undefined,
    deno: versionOf(denoCommand)?.startsWith("deno ") ? { command: denoCommand } : undefined,
  };
}
