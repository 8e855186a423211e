// A real MCP bundle (.mcpb) for tests: the real @modelcontextprotocol/server-memory with its
// dependencies bundled into one file by esbuild, a manifest.json, and the bundle format's own
// CLI (`mcpb pack`, from @anthropic-ai/mcpb) to validate the manifest and zip them.
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";

const ROOT = join(import.meta.dirname, "../..");

/** The bundle's manifest: a node server started from its own folder, two variables from user_config (one sensitive). */
export const memoryBundleManifest = {
  manifest_version: "0.3",
  name: "memory-bundle",
  version: "1.0.0",
  description: "server-memory packed as an MCP bundle",
  author: { name: "mcpfed tests" },
  server: {
    type: "node",
    entry_point: "server/index.mjs",
    mcp_config: { command: "node", args: ["${__dirname}/server/index.mjs"], env: { MEMORY_FILE_PATH: "${user_config.memory_file}", MEMORY_API_TOKEN: "${user_config.api_token}" } },
  },
  user_config: {
    memory_file: { type: "string", title: "Memory file", description: "Where the graph is kept", required: true },
    api_token: { type: "string", title: "Token", description: "A secret the server is given", sensitive: true, required: false },
  },
  tools: [{ name: "read_graph", description: "Read the knowledge graph" }],
};

/** Packs the bundle in `dir` and returns the .mcpb's path. */
export async function packMemoryBundle(dir: string, manifest: object = memoryBundleManifest): Promise<string> {
  const src = join(dir, "memory-bundle");
  mkdirSync(join(src, "server"), { recursive: true });
  await build({
    entryPoints: [join(ROOT, "node_modules/@modelcontextprotocol/server-memory/dist/index.js")],
    outfile: join(src, "server/index.mjs"),
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    logLevel: "warning",
    // CommonJS dependencies inside an ES module ask for `require`.
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  });
  writeFileSync(join(src, "manifest.json"), JSON.stringify(manifest, null, 2));
  const out = join(dir, "memory-bundle.mcpb");
  execFileSync(join(ROOT, "node_modules/.bin/mcpb"), ["pack", src, out], { stdio: "pipe" });
  return out;
}
