// Vitest's global setup: bundles the Node entry point (src/ only; packages stay imports) once per
// run, so that every node process a test starts loads one file instead of transpiling ~700
// modules: starts take a third of the time, which matters when twenty start on two cores.
// startNode (processes.ts) runs the bundle when MCPFED_NODE_BUNDLE names it, else the source via tsx.
import { build } from "esbuild";
import { rmSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(import.meta.dirname, "../..");

export default async function bundleNode(): Promise<() => void> {
  // Inside node_modules so that the bundle resolves the same packages as the source does.
  const outfile = join(ROOT, "node_modules/.cache/mcpfed-test", `node-${process.pid}.mjs`);
  await build({ entryPoints: [join(ROOT, "src/runtimes/node.ts")], outfile, bundle: true, platform: "node", format: "esm", packages: "external", target: "node20", logLevel: "warning" });
  process.env.MCPFED_NODE_BUNDLE = outfile;
  return () => rmSync(outfile, { force: true });
}
