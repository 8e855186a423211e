// Publishing a package version (protocol §18.1): the publisher fetches the npm artifact (its
// integrity read from the npm registry and checked), or takes a gzipped tar the operator gives (a
// `tarball` artifact it then serves, §18.5), or an MCP bundle (`mcpb`, served the same way, its
// launch read from its manifest), unpacks it into its own store, runs it once to list its tools
// and fingerprint them, and signs the entry. A server.json from the official MCP registry may
// describe it instead (import).
import { z } from "zod";
import { packageLaunch, type PackageLaunch } from "../../protocol/packages/launch.ts";
import type { PackageArtifact } from "../../protocol/packages/artifact.ts";
import { packageBody, packagePrice, type PackageBody, type PackageTool } from "../../protocol/registry/package-entries.ts";
import { npmPackageOf, packageFromServerJson, serverJson, ServerJsonError } from "../../protocol/registry/server-json.ts";
import { toolFingerprint } from "../../protocol/registry/tool-fingerprint.ts";
import { visibility as visibilitySchema, type Entry } from "../../protocol/registry/entry.ts";
import { ImmutableVersionError, type Registry } from "../registry/registry.ts";
import type { Gossip } from "../gossip/gossip.ts";
import { fetchNpm, MAX_ARTIFACT_BYTES, MAX_UPLOAD_BYTES, servedArtifact } from "./artifacts.ts";
import { readBundle } from "./bundle-archive.ts";
import type { BundleManifest } from "../../protocol/packages/bundle.ts";
import type { PackageArchive } from "../settings/package-files.ts";
import { PackageError } from "./errors.ts";
import { packageFiles, type PackagePorts } from "./ports.ts";
import { launchTarget } from "./launch-target.ts";
import type { PackageFiles } from "../settings/package-files.ts";

export const publishInput = z.strictObject({
  /** The package name here; the npm name's last segment by default. */
  name: z.string().optional(),
  npm: z.strictObject({ name: z.string().min(1).max(214), version: z.string().min(1).max(64) }).optional(),
  /** A gzipped tar (npm's layout), base64, instead of `npm`: served by this node as a `tarball` artifact. */
  tarball: z.base64().max(Math.ceil((MAX_UPLOAD_BYTES * 4) / 3) + 4).optional(),
  /** An MCP bundle (.mcpb: a zip with manifest.json), base64: served by this node as an `mcpb` artifact, launched as its manifest says. */
  mcpb: z.base64().max(Math.ceil((MAX_UPLOAD_BYTES * 4) / 3) + 4).optional(),
  /** The version, for a tarball or a bundle: its package.json's or its manifest's by default. */
  version: z.string().max(64).optional(),
  /** A server.json of the official MCP registry, instead of `npm`. */
  serverJson: z.unknown().optional(),
  description: z.string().max(1024).optional(),
  previous: z.string().max(64).nullable().default(null),
  launch: packageLaunch.partial({ runtime: true, entry: true }).optional(),
  licence: z.strictObject({ id: z.string(), text: z.string().optional() }).default({ id: "SEE-LICENSE" }),
  price: packagePrice.optional(),
  visibility: visibilitySchema.default("peers"),
  /** Values the package needs to start once for its tools to be listed; not published. */
  env: z.record(z.string(), z.string()).default({}),
});
export type PublishInput = z.infer<typeof publishInput>;

const manifest = z.looseObject({ bin: z.union([z.string(), z.record(z.string(), z.string())]).optional(), main: z.string().optional(), version: z.string().optional() });

export interface PublishPorts extends PackagePorts {
  registry: Pick<Registry, "publishPackage">;
  gossip: Pick<Gossip, "changed">;
}

const lastSegment = (name: string) => name.slice(name.lastIndexOf("/") + 1).toLowerCase();

/** The script a package starts with: the one given, else its package.json's `bin` (the first), else `main`. */
export async function entryScriptOf(files: PackageFiles, sha256: string, launch: Partial<PackageLaunch> | undefined): Promise<string> {
  const pkg = manifest.parse((await files.manifest(sha256)) ?? {});
  const entry = launch?.entry ?? (typeof pkg.bin === "string" ? pkg.bin : pkg.bin ? Object.values(pkg.bin)[0] : pkg.main)?.replace(/^\.\//, "");
  if (!entry) throw new PackageError("invalid_request", "the package names no bin or main: give launch.entry");
  return entry;
}

/** The tools a package exposes, listed by running it once. */
async function listedTools(s: PublishPorts, root: string, dataDir: string, launch: PackageLaunch, env: Record<string, string>, label: string): Promise<PackageTool[]> {
  const name = `publish:${label}`;
  try {
    // Inside the try: a variable the package needs and was not given is the operator's to fix, said as such.
    const target = { name, ...launchTarget(root, dataDir, launch, env, s.platform.packageRuntimes) };
    const tools = await s.pool.use(target, async (c) => (await c.listTools()).tools);
    return Promise.all(tools.map(async (t) => {
      const def = { name: t.name, ...(t.description !== undefined ? { description: t.description } : {}), inputSchema: t.inputSchema as PackageTool["inputSchema"] };
      return { ...def, fingerprint: await toolFingerprint(def) };
    }));
  } catch (err) {
    throw new PackageError("invalid_request", `the package did not start and list its tools: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    await s.pool.close(name);
  }
}

export interface StoredArtifact {
  artifact: PackageArtifact;
  sha256: string;
  unpacked: boolean;
  integrity?: string;
  npmName?: string;
  version?: string;
  /** A bundle's manifest and the launch it maps to. */
  bundle?: { manifest: BundleManifest; launch: PackageLaunch };
}

/** The launch of a bundle with the permissions the operator declares: the rest comes from its manifest, nothing else. */
export function bundleLaunchWith(launch: PackageLaunch, given: Partial<PackageLaunch> | undefined): PackageLaunch {
  const { permissions, runtime, entry, args, env } = given ?? {};
  const others = Object.entries({ runtime, entry, args, env }).filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0));
  if (others.length > 0) throw new PackageError("invalid_request", `a bundle starts as its manifest says: give only launch.permissions (not ${others.map(([k]) => k).join(", ")})`);
  return packageLaunch.parse({ ...launch, ...(permissions ? { permissions } : {}) });
}

/** The artifact a publish (or a try) names, in this node's store: npm's (fetched, integrity checked), the operator's tarball or bundle. */
export async function storedArtifact(s: PackagePorts, input: Pick<PublishInput, "tarball" | "mcpb" | "npm" | "version">, doc: z.infer<typeof serverJson> | undefined): Promise<StoredArtifact> {
  const files = packageFiles(s.platform);
  if ([input.tarball, input.mcpb, input.npm, doc].filter((x) => x !== undefined).length > 1) throw new PackageError("invalid_request", "give a tarball, a bundle, an npm package or a server.json, not several");
  if (input.tarball !== undefined || input.mcpb !== undefined) {
    const format = input.mcpb !== undefined ? "mcpb" : "tgz";
    const bytes = Uint8Array.from(atob(input.mcpb ?? input.tarball!), (ch) => ch.charCodeAt(0));
    const artifact = await servedArtifact(format === "mcpb" ? "mcpb" : "tarball", bytes);
    // A bundle's zip and manifest are checked before anything is written.
    const bundle = format === "mcpb" ? readBundle(bytes) : undefined;
    const archive: PackageArchive = bundle ? { format: "mcpb", bytes, files: bundle.files } : { format: "tgz", bytes };
    const unpacked = !(await files.has(artifact.sha256));
    if (unpacked) await unpackChecked(s, artifact.sha256, archive);
    const version = input.version ?? bundle?.manifest.version;
    return { artifact, sha256: artifact.sha256, unpacked, ...(version ? { version } : {}), ...(bundle ? { bundle: { manifest: bundle.manifest, launch: bundle.launch } } : {}) };
  }
  let npm: { name: string; version: string };
  try {
    npm = doc ? (({ identifier, version }) => ({ name: identifier, version }))(npmPackageOf(doc)) : (input.npm ?? (() => { throw new PackageError("invalid_request", "name an npm package, give a tarball or a server.json"); })());
  } catch (err) {
    if (err instanceof ServerJsonError) throw new PackageError("invalid_request", err.message);
    throw err;
  }
  let integrity: string;
  try {
    const meta = z.looseObject({ dist: z.looseObject({ integrity: z.string() }) }).parse(
      await s.outbound.getJson(`${s.config.npmRegistryUrl.replace(/\/$/, "")}/${npm.name}/${npm.version}`, { maxBytes: 1024 * 1024, timeoutMs: 60_000 }),
    );
    integrity = meta.dist.integrity;
  } catch (err) {
    throw new PackageError("fetch_failed", `the npm registry's metadata of ${npm.name}@${npm.version}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const artifact = { type: "npm" as const, name: npm.name, version: npm.version, integrity };
  const fetched = await fetchNpm(s.outbound, s.config.npmRegistryUrl, artifact);
  const unpacked = !(await files.has(fetched.sha256));
  if (unpacked) await unpackChecked(s, fetched.sha256, { format: "tgz", bytes: fetched.bytes });
  return { artifact, sha256: fetched.sha256, unpacked, integrity, npmName: npm.name, version: npm.version };
}

async function unpackChecked(s: PackagePorts, sha256: string, archive: PackageArchive): Promise<void> {
  try {
    await packageFiles(s.platform).unpack(sha256, archive, MAX_ARTIFACT_BYTES * 4);
  } catch (err) {
    if (err instanceof Error && err.name === "UnsafeArchiveError") throw new PackageError("unsafe_archive", err.message);
    throw err;
  }
}

export async function publishPackage(s: PublishPorts, input: PublishInput): Promise<{ entry: Entry; body: PackageBody }> {
  const files = packageFiles(s.platform);
  let doc: z.infer<typeof serverJson> | undefined;
  if (input.serverJson !== undefined) {
    const parsed = serverJson.safeParse(input.serverJson);
    if (!parsed.success) throw new PackageError("invalid_request", `server.json: ${parsed.error.issues[0]?.path.join(".")}: ${parsed.error.issues[0]?.message}`);
    doc = parsed.data;
  }
  const stored = await storedArtifact(s, input, doc);
  const { artifact } = stored;
  const pkg = manifest.parse((await files.manifest(stored.sha256)) ?? {});
  const entryScript = stored.bundle ? stored.bundle.launch.entry : await entryScriptOf(files, stored.sha256, input.launch);
  const name = input.name ?? (doc ? lastSegment(doc.name) : stored.npmName ? lastSegment(stored.npmName) : stored.bundle ? lastSegment(stored.bundle.manifest.name) : undefined);
  if (!name) throw new PackageError("invalid_request", "name the package");
  const version = stored.version ?? pkg.version;
  if (!version) throw new PackageError("invalid_request", "the tarball's package.json states no version: give one");
  const launchOf = (base: PackageLaunch) => packageLaunch.parse({ ...base, ...input.launch, runtime: input.launch?.runtime ?? base.runtime, entry: entryScript });
  const draft = doc
    ? packageFromServerJson(doc, { integrity: stored.integrity ?? "", entry: entryScript, tools: [], licence: input.licence.id, previous: input.previous })
    : undefined;
  const launch = stored.bundle
    ? bundleLaunchWith(stored.bundle.launch, input.launch)
    : launchOf(draft?.launch ?? { runtime: "node", entry: entryScript, args: [], env: [], permissions: { net: [], read: [], write: [], env: [] } });
  const tools = await listedTools(s, files.root(stored.sha256), await files.dataDir(`publish-${name}`), launch, input.env, `${name}@${version}`);
  const body = packageBody.safeParse({
    name,
    version,
    description: input.description ?? draft?.description ?? stored.bundle?.manifest.description.slice(0, 1024) ?? "",
    previous: input.previous,
    artifact,
    launch,
    tools,
    licence: input.licence,
    ...(input.price ? { price: input.price } : {}),
  });
  if (!body.success) throw new PackageError("invalid_request", `the entry: ${body.error.issues[0]?.path.join(".")}: ${body.error.issues[0]?.message}`);
  let signed: Entry[];
  try {
    signed = await s.registry.publishPackage(body.data, input.visibility);
  } catch (err) {
    if (err instanceof ImmutableVersionError) throw new PackageError("in_use", err.message);
    throw err;
  }
  if (signed.length > 0) s.gossip.changed();
  const entry = signed.find((e) => !e.signed.tombstone);
  if (!entry) throw new PackageError("in_use", `${name}@${version} is published already with this body`);
  return { entry, body: body.data };
}
