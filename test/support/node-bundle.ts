// Vitest's global setup: bundles the Node entry point and the CLI (src/ only; packages stay
// imports) once per run, so that every node process a test starts loads one file instead of
// transpiling ~700 modules: starts take a third of the time, which matters when twenty start on two
// cores, and a CLI run a quarter of the CPU (the suite runs the CLI a few hundred times).
// startNode (processes.ts) runs the node's bundle when MCPFED_NODE_BUNDLE names it, cli (cli.ts)
// the CLI's when MCPFED_CLI_BUNDLE does; else each runs the source via tsx.
import { build } from "esbuild";
import { rmSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(import.meta.dirname, "../..");

export default async function bundleNode(): Promise<() => void> {
  // Inside node_modules so that the bundle resolves the same packages as the source does.
  const bundles = { MCPFED_NODE_BUNDLE: "src/runtimes/node.ts", MCPFED_CLI_BUNDLE: "src/cli/main.ts" };
  const outfiles: string[] = [];
  for (const [name, entry] of Object.entries(bundles)) {
    const outfile = join(ROOT, "node_modules/.cache/mcpfed-test", `${name.toLowerCase()}-${process.pid}.mjs`);
    await build({ entryPoints: [join(ROOT, entry)], outfile, bundle: true, platform: "node", format: "esm", packages: "external", target: "node20", logLevel: "warning" });
    process.env[name] = outfile;
    outfiles.push(outfile);
  }
  return () => outfiles.forEach((f) => rmSync(f, { force: true }));
}
