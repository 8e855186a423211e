// The sandbox-probe package (test/fixtures/sandbox-probe) as a node installs one: bundled whole
// into a fresh package folder, with a data folder beside it, and the runtimes of tools/ to run it.
import { build } from "esbuild";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { nodePermissionFlag } from "../../src/runtimes/package-runtimes.ts";
import type { PackageRuntimes } from "../../src/node/settings/platform.ts";
import { ROOT, tempDir, TOOLS } from "./processes.ts";
import { execFileSync } from "node:child_process";

export interface ProbePackage {
  installDir: string;
  dataDir: string;
}

export async function installProbePackage(): Promise<ProbePackage> {
  const root = tempDir("mcpfed-package-");
  const installDir = join(root, "install");
  const dataDir = join(root, "data");
  mkdirSync(dataDir, { recursive: true });
  await build({
    entryPoints: [join(ROOT, "test/fixtures/sandbox-probe/server.mjs")],
    bundle: true,
    platform: "node",
    format: "esm",
    outfile: join(installDir, "server.mjs"),
    logLevel: "warning",
    // Bundled CommonJS parts call require: the module gets one.
    banner: { js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);' },
  });
  return { installDir, dataDir };
}

/** Node 24 and Deno from tools/, as the entry point would find them. */
export function toolsRuntimes(): PackageRuntimes {
  const node = join(TOOLS, "node");
  const flag = nodePermissionFlag(execFileSync(node, ["--version"], { encoding: "utf8" }));
  return { node: flag ? { command: node, permissionFlag: flag } : undefined, deno: { command: join(TOOLS, "deno") } };
}
