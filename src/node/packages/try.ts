// Trying a package before it is published or installed for real (issue 18): it runs in the same
// sandbox an installed package gets, against a scratch data folder, lists its tools and, when asked,
// answers one call; then the scratch folder goes, and the unpacked artifact too unless something
// here holds it. Nothing is registered, published or billed.
import { z } from "zod";
import { packageLaunch } from "../../protocol/packages/launch.ts";
import { servedDigest } from "../../protocol/packages/artifact.ts";
import { listInstalled, livePackageEntries } from "../../store/packages.ts";
import { PackageError } from "./errors.ts";
import { launchTarget } from "./launch-target.ts";
import { packageFiles, type PackagePorts } from "./ports.ts";
import { bundleLaunchWith, entryScriptOf, publishInput, storedArtifact } from "./publish.ts";

export const tryInput = publishInput.pick({ npm: true, tarball: true, mcpb: true, version: true, launch: true, env: true }).extend({
  /** A tool to call once it is listed, with its arguments. */
  call: z.strictObject({ name: z.string().min(1).max(128), arguments: z.record(z.string(), z.unknown()).default({}) }).optional(),
});
export type TryInput = z.infer<typeof tryInput>;

export interface TryResult {
  sha256: string;
  tools: { name: string; description?: string | undefined }[];
  call?: { isError: boolean; content: unknown };
}

/** Whether an installed package, or a package this node publishes, keeps the artifact in the store. */
async function kept(s: PackagePorts, sha256: string): Promise<boolean> {
  if ((await listInstalled(s.db)).some((r) => r.sha256 === sha256)) return true;
  return (await livePackageEntries(s.db, { origin: s.nodeId })).some((e) => servedDigest(e.signed.body.artifact) === sha256);
}

export async function tryPackage(s: PackagePorts, input: TryInput): Promise<TryResult> {
  if ([input.npm, input.tarball, input.mcpb].filter((x) => x !== undefined).length !== 1) throw new PackageError("invalid_request", "give an npm package, a tarball or a bundle");
  const files = packageFiles(s.platform);
  const stored = await storedArtifact(s, input, undefined);
  const scratch = `try-${Array.from(crypto.getRandomValues(new Uint8Array(6)), (b) => b.toString(16).padStart(2, "0")).join("")}`;
  try {
    const launch = stored.bundle
      ? bundleLaunchWith(stored.bundle.launch, input.launch)
      : packageLaunch.parse({ runtime: "node", ...input.launch, entry: await entryScriptOf(files, stored.sha256, input.launch) });
    const dataDir = await files.dataDir(scratch);
    try {
      const target = { name: scratch, ...launchTarget(files.root(stored.sha256), dataDir, launch, input.env, s.platform.packageRuntimes) };
      return await s.pool.use(target, async (c) => {
        const tools = (await c.listTools()).tools.map((t) => ({ name: t.name, ...(t.description !== undefined ? { description: t.description } : {}) }));
        if (!input.call) return { sha256: stored.sha256, tools };
        if (!tools.some((t) => t.name === input.call!.name)) throw new PackageError("invalid_request", `the package has no tool ${input.call.name} (it has ${tools.map((t) => t.name).join(", ")})`);
        const r = await c.callTool({ name: input.call.name, arguments: input.call.arguments });
        return { sha256: stored.sha256, tools, call: { isError: r.isError === true, content: r.content } };
      });
    } catch (err) {
      if (err instanceof PackageError) throw err;
      throw new PackageError("invalid_request", `the package did not run: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      await s.pool.close(scratch);
    }
  } finally {
    await files.removeDataDir(scratch);
    if (stored.unpacked && !(await kept(s, stored.sha256))) await files.remove(stored.sha256);
  }
}
