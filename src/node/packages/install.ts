// Installing a package version (protocol §18): the signed entry held in the registry, the artifact
// fetched and checked against every digest, unpacked into the content-addressed store with its lock,
// and the package registered as a stdio upstream; a priced one is paid for (§18.6) before it is
// registered. A version already in the store is not fetched again.
import { canonicalJson } from "../../protocol/encoding/canonical-json.ts";
import { compareSemver } from "../../protocol/registry/semver.ts";
import { toolFingerprint } from "../../protocol/registry/tool-fingerprint.ts";
import type { PackageBody } from "../../protocol/registry/package-entries.ts";
import { upstreamName } from "../../store/upstream-spec.ts";
import { getUpstream } from "../../store/upstreams.ts";
import { activate, insertInstalled, listInstalled, livePackageEntries, raiseFreshness, type InstalledRow, type PackageEntry } from "../../store/packages.ts";
import { knownCard } from "../peers/origin-cards.ts";
import { listPeers } from "../../store/peers.ts";
import { registerUpstream } from "../upstreams/registration.ts";
import type { PackageFiles } from "../settings/package-files.ts";
import { packageFiles, type PackagePorts } from "./ports.ts";
import { fetchNpm, fetchServed, MAX_ARTIFACT_BYTES, servedArtifact, type FetchedArtifact } from "./artifacts.ts";
import { readBundle } from "./bundle-archive.ts";
import { servedDigest } from "../../protocol/packages/artifact.ts";
import type { PackageArchive } from "../settings/package-files.ts";
import { PackageError } from "./errors.ts";
import { launchTarget } from "./launch-target.ts";
import { switchTo } from "./switch.ts";
import { buyLicence, licenceDue } from "./licence.ts";
import type { Charged } from "../budgets/call-charges.ts";
import { acceptOriginIndex, requireListed, type IndexSource } from "./origin-index.ts";
import { signingKey } from "../../protocol/identity/imported.ts";

export interface InstallRequest {
  name: string;
  /** The publishing node; needed only when several origins publish the name. */
  origin?: string | undefined;
  /** Exact; the newest held when absent. */
  version?: string | undefined;
  /** The upstream it serves as; the package name by default. */
  upstream?: string | undefined;
  /** Values of the environment variables the entry declares. */
  env?: Record<string, string> | undefined;
  /** Serve this version at once even when another version serves. */
  use?: boolean | undefined;
  /** The principal the install is for: a licence bought is paid from its budget if it is charged to one. */
  principal?: string | undefined;
}

export interface InstallResult {
  upstream: string;
  origin: string;
  name: string;
  version: string;
  sha256: string;
  active: boolean;
  /** False when the store held the artifact already. */
  fetched: boolean;
  /** What the principal's budget paid for the licence bought, if one was. */
  charged?: Charged;
}

/** The entry of `name` to install: the one origin that publishes it (or the one asked for), the version asked for or the newest. */
export async function chooseEntry(s: Pick<PackagePorts, "db">, name: string, origin?: string, version?: string): Promise<PackageEntry> {
  const held = await livePackageEntries(s.db, { name, ...(origin ? { origin } : {}) });
  const named = held.filter((e) => e.signed.body.name === name);
  const origins = [...new Set(named.map((e) => e.signed.origin))];
  if (origins.length === 0) throw new PackageError("unknown_package", `no package ${name}${origin ? ` from ${origin}` : ""} is held here`);
  if (origins.length > 1) throw new PackageError("ambiguous_package", `${name} is published by ${origins.join(", ")}: name the origin`);
  if (version !== undefined) {
    const e = named.find((x) => x.signed.body.version === version);
    if (!e) throw new PackageError("unknown_package", `${name}@${version} is not held here (held: ${named.map((x) => x.signed.body.version).join(", ")})`);
    return e;
  }
  return named.sort((a, b) => compareSemver(b.signed.body.version, a.signed.body.version))[0]!;
}

function defaultUpstream(name: string): string {
  const u = name.replace(/\./g, "-").slice(0, 32);
  if (!upstreamName.safeParse(u).success) throw new PackageError("invalid_request", `name an upstream for ${name}`);
  return u;
}

/** Where the artifact can be fetched from: npm, or this node's store, then the origin, then every active peer (mirrors, §18.5). */
async function fetchArtifact(s: PackagePorts, entry: PackageEntry): Promise<FetchedArtifact> {
  const a = entry.signed.body.artifact;
  if (a.type === "npm") return fetchNpm(s.outbound, s.config.npmRegistryUrl, a);
  // The store may hold the artifact already (its publisher keeps what it published): checked like any source's.
  const kept = await packageFiles(s.platform).artifact(a.sha256);
  if (kept && kept.length === a.size && (await servedArtifact(a.type, kept)).sha256 === a.sha256) return { bytes: kept, sha256: a.sha256 };
  const origin = await knownCard(s, entry.signed.origin);
  const mirrors = (await listPeers(s.db)).filter((p) => p.state === "active" && p.nodeId !== entry.signed.origin).map((p) => p.card.url);
  return fetchServed(s.outbound, [...(origin ? [origin.url] : []), ...mirrors], a);
}

const INDEX_READ = { maxBytes: 8 * 1024 * 1024, timeoutMs: 30_000 };

/**
 * Refuses an entry its origin's current signed index does not list (§18.4): the index read from the
 * origin, else from an active peer mirroring it, else the copy held here while valid. This node's
 * own entries need no index: they are what it signs its index from.
 */
async function checkListed(s: PackagePorts, entry: PackageEntry): Promise<void> {
  const origin = entry.signed.origin;
  if (origin === s.nodeId) return;
  const card = await knownCard(s, origin);
  const mirrors = (await listPeers(s.db)).filter((p) => p.state === "active" && p.nodeId !== origin);
  const sources: IndexSource[] = [
    ...(card ? [{ from: "the origin", read: () => s.outbound.getJson(`${card.url.replace(/\/$/, "")}/federation/v1/packages/index`, INDEX_READ) }] : []),
    ...mirrors.map((p) => ({ from: `peer ${p.nodeId}`, read: () => s.outbound.getJson(`${p.card.url.replace(/\/$/, "")}/federation/v1/packages/index/${encodeURIComponent(origin)}`, INDEX_READ) })),
  ];
  const keyOf = async () => {
    if (!card) return undefined;
    const key = await signingKey((await s.identity()).primitives, card.keys.sig.pub);
    return { verify: (message: Uint8Array, signature: Uint8Array, context: string) => key.verify(signature, message, context) };
  };
  requireListed(await acceptOriginIndex({ db: s.db, keyOf }, origin, sources, Date.now()), entry);
}

/** The store address of an artifact this node holds already, by its entry's artifact. */
async function heldAddress(s: PackagePorts, files: PackageFiles, body: PackageBody): Promise<string | undefined> {
  const served = servedDigest(body.artifact);
  if (served) return (await files.has(served)) ? served : undefined;
  const artifact = canonicalJson(body.artifact);
  for (const row of await listInstalled(s.db)) {
    const held = (JSON.parse(row.entry) as PackageEntry["signed"]).body.artifact;
    if (canonicalJson(held) === artifact && (await files.has(row.sha256))) return row.sha256;
  }
  return undefined;
}

/**
 * A bundle's zip and manifest checked (bundle-archive.ts), and its manifest's server mapped to the
 * very launch the signed entry states: the entry is what the operator saw and the sandbox follows.
 */
function checkedBundle(body: PackageBody, bytes: Uint8Array): PackageArchive {
  const bundle = readBundle(bytes);
  // The permissions are the publisher's to declare (a manifest states none): everything else must agree.
  const start = (l: PackageBody["launch"]) => canonicalJson({ runtime: l.runtime, entry: l.entry, args: l.args, env: l.env });
  if (start(bundle.launch) !== start(body.launch)) throw new PackageError("bundle_malformed", `the bundle's manifest starts its server otherwise than the entry states (${start(bundle.launch)})`);
  return { format: "mcpb", bytes, files: bundle.files };
}

/** Fetches the artifact, checks it, unpacks it into the store and locks it; its store address. */
async function fetchIntoStore(s: PackagePorts, files: PackageFiles, entry: PackageEntry): Promise<string> {
  const body = entry.signed.body;
  const artifact = await fetchArtifact(s, entry);
  const sha256 = artifact.sha256;
  const archive: PackageArchive = body.artifact.type === "mcpb" ? checkedBundle(body, artifact.bytes) : { format: "tgz", bytes: artifact.bytes };
  let digests: Record<string, string>;
  try {
    digests = await files.unpack(sha256, archive, MAX_ARTIFACT_BYTES * 4);
  } catch (err) {
    if (err instanceof Error && err.name === "UnsafeArchiveError") throw new PackageError("unsafe_archive", err.message);
    throw err;
  }
  await files.writeLock({
    v: 1,
    sha256,
    ...(body.artifact.type === "npm" ? { integrity: body.artifact.integrity } : {}),
    name: body.name,
    version: body.version,
    entryId: entry.id,
    signer: entry.signed.origin,
    tools: Object.fromEntries(body.tools.map((t) => [t.name, t.fingerprint])),
    files: digests,
  });
  return sha256;
}

/** Installs one version; registers the upstream on the first, and serves it when asked or when nothing serves. */
export async function installPackage(s: PackagePorts, req: InstallRequest): Promise<InstallResult> {
  const files = packageFiles(s.platform);
  const entry = await chooseEntry(s, req.name, req.origin, req.version);
  const body = entry.signed.body;
  const upstream = req.upstream ?? defaultUpstream(body.name);
  const others = await listInstalled(s.db, { upstream });
  const foreign = others.find((r) => r.origin !== entry.signed.origin || r.name !== body.name);
  if (foreign) throw new PackageError("in_use", `upstream ${upstream} serves ${foreign.name} from ${foreign.origin}: name another upstream`);
  // One row per version and node (the store's lock names one upstream's data): another upstream is refused.
  const elsewhere = (await listInstalled(s.db)).find((r) => r.origin === entry.signed.origin && r.name === body.name && r.version === body.version && r.upstream !== upstream);
  if (elsewhere) throw new PackageError("in_use", `${body.name}@${body.version} is installed already, as ${elsewhere.upstream}`);
  const existing = await getUpstream(s.db, upstream);
  if (existing && others.length === 0) throw new PackageError("in_use", `an upstream named ${upstream} exists and is not a package`);
  const missing = body.launch.env.filter((v) => v.required && v.default === undefined && !(req.env && v.name in req.env)).map((v) => v.name);
  if (missing.length > 0) throw new PackageError("invalid_request", `${body.name} needs ${missing.join(", ")}`);
  for (const t of body.tools) {
    if ((await toolFingerprint(t)) !== t.fingerprint) throw new PackageError("hash_mismatch", `the entry's tool ${t.name} does not match its fingerprint`);
  }

  await checkListed(s, entry);

  let sha256 = await heldAddress(s, files, body);
  const fetched = sha256 === undefined;
  sha256 ??= await fetchIntoStore(s, files, entry);
  // Paid for once the artifact is verified and before anything is registered: a licence that
  // cannot be bought leaves nothing installed (§18.6).
  let charged: Charged | undefined;
  if (await licenceDue(s, entry)) {
    try {
      ({ charged } = await buyLicence(s, entry, req.principal));
    } catch (err) {
      if (fetched && !(await listInstalled(s.db)).some((r) => r.sha256 === sha256)) await files.remove(sha256);
      throw err;
    }
  }
  await insertInstalled(s.db, { origin: entry.signed.origin, name: body.name, version: body.version, upstream, sha256, entryId: entry.id, entry: entry.canonical });
  await raiseFreshness(s.db, entry.signed.origin, { versions: new Map([[body.name, body.version]]) });

  const serving = others.find((r) => r.active);
  let active = false;
  if (!existing) {
    const row = (await listInstalled(s.db, { upstream })).find((r) => r.version === body.version)!;
    await register(s, files, upstream, row, req.env ?? {});
    active = true;
  } else if (req.use || !serving) {
    await switchTo(s, upstream, body.version);
    active = true;
  }
  return { upstream, origin: entry.signed.origin, name: body.name, version: body.version, sha256, active, fetched, ...(charged ? { charged } : {}) };
}

async function register(s: PackagePorts, files: PackageFiles, upstream: string, row: InstalledRow, env: Record<string, string>): Promise<void> {
  const body = (JSON.parse(row.entry) as PackageEntry["signed"]).body;
  const target = launchTarget(files.root(row.sha256), await files.dataDir(upstream), body.launch, env, s.platform.packageRuntimes);
  const r = await registerUpstream(s, { name: upstream, kind: "stdio", command: target.command, args: target.args, env: target.env, cwd: target.cwd, sandboxed: target.sandboxed });
  if (!r.ok) throw new PackageError(r.code === "unsupported" ? "packages_unsupported" : "invalid_request", r.message);
  await activate(s.db, upstream, row, Date.now());
}
