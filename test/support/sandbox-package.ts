// The sandbox-probe package (test/fixtures/sandbox-probe) as a node installs one: bundled whole
// into a fresh package folder, with a data folder beside it, and the runtimes of tools/ to run it.
import { build } from "esbuild";
import { mkdirSync, writeFileSync } from "node:fs";
import * as tar from "tar";
import { join } from "node:path";
import { nodePermissionFlag } from "../../src/runtimes/package-runtimes.ts";
import type { PackageRuntimes } from "../../src/node/settings/platform.ts";
import { ROOT, tempDir, TOOLS } from "./processes.ts";
import { execFileSync } from "node:child_process";

export interface ProbePackage {
  installDir: string;
  dataDir: string;
}

async function bundleProbe(outfile: string, minify = false): Promise<void> {
  await build({
    entryPoints: [join(ROOT, "test/fixtures/sandbox-probe/server.mjs")],
    bundle: true,
    minify,
    platform: "node",
    format: "esm",
    outfile,
    logLevel: "warning",
    // Bundled CommonJS parts call require: the module gets one.
    banner: { js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);' },
  });
}

export async function installProbePackage(): Promise<ProbePackage> {
  const root = tempDir("mcpfed-package-");
  const installDir = join(root, "install");
  const dataDir = join(root, "data");
  mkdirSync(dataDir, { recursive: true });
  await bundleProbe(join(installDir, "server.mjs"));
  return { installDir, dataDir };
}

/** The probe as a publisher hands it over: a gzipped tar in npm's layout (`package/`), no dependencies. */
export async function probeTarball(version: string): Promise<string> {
  const root = tempDir("mcpfed-probe-tgz-");
  await bundleProbe(join(root, "package", "server.mjs"), true);
  writeFileSync(join(root, "package", "package.json"), JSON.stringify({ name: "sandbox-probe", version, type: "module", main: "server.mjs" }));
  const file = join(root, "probe.tgz");
  await tar.c({ gzip: true, cwd: root, file, portable: true }, ["package"]);
  return file;
}

/** Node 24 and Deno from tools/, as the entry point would find them. */
export function toolsRuntimes(): PackageRuntimes {
  const node = join(TOOLS, "node");
  const flag = nodePermissionFlag(execFileSync(node, ["--version"], { encoding: "utf8" }));
  return { node: flag ? { command: node, permissionFlag: flag } : undefined, deno: { command: join(TOOLS, "deno") } };
}
