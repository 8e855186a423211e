// The one place a package's launch becomes the stdio target the upstream pool spawns: always in
// the sandbox (src/node/packages/sandbox.ts).
import type { PackageLaunch } from "../../protocol/packages/launch.ts";
import type { PackageRuntimes } from "../settings/platform.ts";
import { sandboxedTarget, type PackageTarget } from "./sandbox.ts";

export type { PackageTarget } from "./sandbox.ts";

/** Node with the stable permission flag (Node ≥ 22.13), and Deno, found on the PATH. */
export const DEFAULT_PACKAGE_RUNTIMES: PackageRuntimes = { node: { command: "node", permissionFlag: "--permission" }, deno: { command: "deno" } };

/**
 * The sandboxed target of a package installed in `installDir`, its data in `dataDir`. `runtimes`:
 * what the entry point found (`Platform.packageRuntimes`).
 */
export function launchTarget(
  installDir: string,
  dataDir: string,
  launch: PackageLaunch,
  env: Record<string, string>,
  runtimes: PackageRuntimes = DEFAULT_PACKAGE_RUNTIMES,
): PackageTarget {
  return sandboxedTarget(installDir, dataDir, launch, env, runtimes);
}
