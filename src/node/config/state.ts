// This node's configuration as it stands, in the file's terms (docs/protocol.md §19.3): what export
// writes and what a plan is compared with. Secrets are read as their names only.
import type { ConfigArea, ConfigBody, ConfigLimit, ConfigPackage, ConfigRule, ConfigShare, ConfigTool, ConfigUpstream, SecretRef } from "../../protocol/config/file.ts";
import { itemKey } from "../../protocol/config/file.ts";
import { toolOfKey } from "../../protocol/registry/entry.ts";
import type { Database } from "../../store/database.ts";
import { isStrict } from "../../store/definition-pins.ts";
import { listUpstreams, type UpstreamRow } from "../../store/upstreams.ts";
import type { PolicyStore } from "../access/policy/rules.ts";
import type { RateLimiter } from "../access/limits/limiter.ts";
import { localTools } from "../catalog/local.ts";
import { allPeers } from "../peers/directory.ts";
import { heldEntries } from "../registry/shares.ts";
import type { SecretBox } from "../../secrets/sealed-box.ts";
import { openTarget } from "../../store/sealed-fields.ts";
import { listPackages } from "../packages/versions.ts";
import { collapseData } from "../packages/sandbox.ts";
import { listInstalled, type PackageEntry } from "../../store/packages.ts";

/** What reading the configuration needs: the store, this node's id, the rule and limit stores. */
export interface ConfigStatePorts {
  db: Database;
  nodeId: string;
  access: { policy: Pick<PolicyStore, "list">; limits: Pick<RateLimiter, "list"> };
  /** Opens a package's variables: the ones its entry does not declare secret are written out. */
  secrets: SecretBox;
}

/** A peer as a plan sees it: the file's peers, and those waiting for the operator (pending). */
export interface PeerState {
  id: string;
  url: string;
  alias?: string;
  state: "active" | "blocked" | "pending";
}

export type ConfigState = Omit<ConfigBody, "peers" | "packages"> & { peers: PeerState[]; packages: ConfigPackage[] };

/** The name a secret of this upstream goes by in a file: `<UPSTREAM>_<FIELD>`, upper case. */
export function secretNameOf(upstream: string, field: string): string {
  const name = `${upstream}_${field}`.toUpperCase().replace(/[^A-Z0-9]/g, "_");
  return /^[A-Z]/.test(name) ? name : `UPSTREAM_${name}`;
}

const refs = (upstream: string, values: Record<string, string> | null): Record<string, SecretRef> | undefined =>
  values && Object.keys(values).length > 0 ? Object.fromEntries(Object.keys(values).map((k) => [k, { secret: secretNameOf(upstream, k) }])) : undefined;

function upstreamOf(row: UpstreamRow, strict: boolean): ConfigUpstream {
  const prefix = { ...(row.prefix === null ? {} : { prefix: row.prefix }), ...(strict ? { pins: "strict" as const } : {}) };
  if (row.kind === "http") {
    const headers = refs(row.name, row.headers);
    const perPrincipal = row.perPrincipal ? (row.perPrincipal.mode === "header" ? `header:${row.perPrincipal.header}` : "oauth") : undefined;
    return { name: row.name, kind: "http", url: row.url!, ...(headers ? { headers } : {}), ...prefix, ...(perPrincipal ? { perPrincipal } : {}) };
  }
  const env = refs(row.name, row.env);
  return { name: row.name, kind: "stdio", command: row.command!, args: row.args ?? [], ...(env ? { env } : {}), ...(row.cwd ? { cwd: row.cwd } : {}), ...prefix };
}

/** The object without its null and undefined fields: the file leaves out what is not set. */
function present<T extends object>(o: T): { [K in keyof T]: Exclude<T[K], null> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined)) as { [K in keyof T]: Exclude<T[K], null> };
}

export async function readUpstreams(s: ConfigStatePorts): Promise<{ items: ConfigUpstream[]; packaged: Set<string> }> {
  const rows = await listUpstreams(s.db);
  // A package's upstream is the package's to configure (its data folder, its sandbox).
  const packaged = new Set(rows.filter((r) => r.sandboxed).map((r) => r.name));
  const kept = rows.filter((r) => !r.sandboxed);
  const strict = await Promise.all(kept.map((r) => isStrict(s.db, r.name)));
  return { items: kept.map((r, i) => upstreamOf(r, strict[i]!)), packaged };
}

export async function readTools(s: ConfigStatePorts, packaged: Set<string>): Promise<ConfigTool[]> {
  return (await localTools(s))
    .filter((t) => !packaged.has(t.upstream))
    .map((t) => ({ upstream: t.upstream, tool: t.name, name: t.shortName, hidden: t.hidden, pinned: t.pinned }));
}

export async function readShares(s: ConfigStatePorts, packaged: Set<string>): Promise<ConfigShare[]> {
  const out: ConfigShare[] = [];
  for (const { signed: e } of await heldEntries(s, s.nodeId)) {
    if (e.kind !== "tool" || e.tombstone || packaged.has(toolOfKey(e.key).upstream)) continue;
    out.push({
      key: e.key,
      visibility: e.visibility,
      version: e.body.version,
      tags: e.body.tags,
      pricing: e.body.pricing,
      ...(e.body.cache?.ttlSeconds !== undefined ? { cacheTtlSeconds: e.body.cache.ttlSeconds } : {}),
      ...(e.body.replicable ? { replicable: true } : {}),
    });
  }
  return out;
}

/** A stored rule as the file has it: without its id and unset fields. */
export const ruleItem = ({ id: _id, ...rule }: Awaited<ReturnType<PolicyStore["list"]>>[number]): ConfigRule => present(rule) as ConfigRule;
export const limitItem = ({ id: _id, createdAt: _at, ...limit }: Awaited<ReturnType<RateLimiter["list"]>>[number]): ConfigLimit => present(limit) as ConfigLimit;

export async function readPolicy(s: ConfigStatePorts): Promise<ConfigRule[]> {
  return (await s.access.policy.list()).map(ruleItem);
}

export async function readLimits(s: ConfigStatePorts): Promise<ConfigLimit[]> {
  return (await s.access.limits.list()).map(limitItem);
}

export async function readPeers(s: ConfigStatePorts): Promise<PeerState[]> {
  return (await allPeers(s)).map((p) => ({ id: p.nodeId, url: p.url, ...(p.alias !== null ? { alias: p.alias } : {}), state: p.state }));
}

/**
 * Installed packages: versions, the one in use, the range, the declared variables' values (a
 * secret one by name), and the permissions the version in use declares.
 */
export async function readPackages(s: ConfigStatePorts): Promise<ConfigPackage[]> {
  const rows = await listInstalled(s.db);
  const upstreamRows = new Map((await listUpstreams(s.db)).map((r) => [r.name, r]));
  const out: ConfigPackage[] = [];
  for (const p of await listPackages(s)) {
    const shown = rows.find((r) => r.upstream === p.upstream && r.version === (p.active ?? p.versions[p.versions.length - 1]!.version))!;
    const launch = (JSON.parse(shown.entry) as PackageEntry["signed"]).body.launch;
    const row = upstreamRows.get(p.upstream);
    const target = row ? ((await openTarget(s.secrets, row)) as { env?: Record<string, string>; cwd?: string }) : {};
    // The sandbox runs a package in its data folder and stores its variables expanded (§18.1).
    const given = Object.fromEntries(Object.entries(target.env ?? {}).map(([k, v]) => [k, target.cwd ? collapseData(v, target.cwd) : v]));
    const env: Record<string, string | SecretRef> = {};
    for (const v of launch.env) {
      if (given[v.name] === undefined) continue;
      env[v.name] = v.secret ? { secret: secretNameOf(p.upstream, v.name) } : given[v.name]!;
    }
    out.push({
      upstream: p.upstream,
      name: p.name,
      origin: p.origin,
      versions: p.versions.map((v) => v.version),
      active: p.active,
      ...(p.range !== null ? { range: p.range } : {}),
      ...(Object.keys(env).length > 0 ? { env } : {}),
      permissions: launch.permissions,
    });
  }
  return out;
}

/** One area as it stands now, sorted by identity. */
export async function readArea(s: ConfigStatePorts, area: ConfigArea): Promise<object[]> {
  const { items, packaged } = await readUpstreams(s);
  const read: Record<ConfigArea, () => Promise<object[]>> = {
    upstreams: async () => items,
    tools: () => readTools(s, packaged),
    shares: () => readShares(s, packaged),
    policy: () => readPolicy(s),
    limits: () => readLimits(s),
    peers: () => readPeers(s),
    packages: () => readPackages(s),
  };
  return sortedByKey(area, await read[area]());
}

export function sortedByKey<T extends object>(area: ConfigArea, items: T[]): T[] {
  return items.map((i) => ({ i, k: itemKey(area, i) })).sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0)).map((x) => x.i);
}

/** Every area as it stands now. */
export async function readState(s: ConfigStatePorts): Promise<ConfigState> {
  const [upstreams, tools, shares, policy, limits, peers, packages] = await Promise.all(
    (["upstreams", "tools", "shares", "policy", "limits", "peers", "packages"] as const).map((a) => readArea(s, a)),
  );
  return { upstreams, tools, shares, policy, limits, peers, packages } as ConfigState;
}
