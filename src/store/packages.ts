// Packages (protocol §18) in the store: the package entries held, the versions installed and which
// one serves, the freshness memory of §18.3, and this node's own signed index.
import { and, desc, eq, like } from "drizzle-orm";
import type { Database } from "./database.ts";
import { installedPackages, ownPackageIndex, packageFreshness, registryEntries } from "./schema/index.ts";
import type { Entry, SignedEntry } from "../protocol/registry/entry.ts";
import { compareSemver } from "../protocol/registry/semver.ts";

export type InstalledRow = typeof installedPackages.$inferSelect;
export type PackageEntry = Entry & { signed: Extract<SignedEntry, { kind: "package"; tombstone: false }> };

/** The live package entries held, newest slot per (origin, key); optionally one origin's, one name's. */
export async function livePackageEntries(db: Database, filter: { origin?: string; name?: string } = {}): Promise<PackageEntry[]> {
  const rows = await db
    .select({ id: registryEntries.id, entry: registryEntries.entry, origin: registryEntries.origin, key: registryEntries.key, tombstone: registryEntries.tombstone })
    .from(registryEntries)
    .where(
      and(
        eq(registryEntries.kind, "package"),
        filter.origin === undefined ? undefined : eq(registryEntries.origin, filter.origin),
        filter.name === undefined ? undefined : like(registryEntries.key, `package/${filter.name}@%`),
      ),
    )
    .orderBy(registryEntries.origin, registryEntries.key, desc(registryEntries.hlc), registryEntries.id);
  const seen = new Set<string>();
  const out: PackageEntry[] = [];
  for (const r of rows) {
    const slot = `${r.origin} ${r.key}`;
    if (seen.has(slot)) continue;
    seen.add(slot);
    if (!r.tombstone) out.push({ id: r.id, canonical: r.entry, signed: JSON.parse(r.entry) as PackageEntry["signed"] });
  }
  return out;
}

export function listInstalled(db: Database, filter: { upstream?: string } = {}): Promise<InstalledRow[]> {
  return db
    .select()
    .from(installedPackages)
    .where(filter.upstream === undefined ? undefined : eq(installedPackages.upstream, filter.upstream))
    .orderBy(installedPackages.upstream, installedPackages.installedAt);
}

export async function insertInstalled(db: Database, row: typeof installedPackages.$inferInsert): Promise<void> {
  await db.insert(installedPackages).values(row).onConflictDoNothing();
}

/** Makes one version the one that serves its upstream, in one batch: every other is inactive. */
export async function activate(db: Database, upstream: string, version: { origin: string; name: string; version: string }, at: number): Promise<void> {
  await db.batch([
    db.update(installedPackages).set({ active: false }).where(eq(installedPackages.upstream, upstream)),
    db
      .update(installedPackages)
      .set({ active: true, activatedAt: at })
      .where(and(eq(installedPackages.origin, version.origin), eq(installedPackages.name, version.name), eq(installedPackages.version, version.version))),
  ]);
}

export async function setRange(db: Database, upstream: string, range: string | null): Promise<void> {
  await db.update(installedPackages).set({ range }).where(eq(installedPackages.upstream, upstream));
}

export async function deleteInstalled(db: Database, v: { origin: string; name: string; version: string }): Promise<void> {
  await db.delete(installedPackages).where(and(eq(installedPackages.origin, v.origin), eq(installedPackages.name, v.name), eq(installedPackages.version, v.version)));
}

/** What this node has seen of an origin (§18.3): its highest index sequence and highest version per package. */
export async function freshnessOf(db: Database, origin: string): Promise<{ seq: number; highest: Map<string, string> } | undefined> {
  const rows = await db.select().from(packageFreshness).where(eq(packageFreshness.origin, origin));
  if (rows.length === 0) return undefined;
  const seq = Number(rows.find((r) => r.name === "")?.highest ?? 0);
  return { seq, highest: new Map(rows.filter((r) => r.name !== "").map((r) => [r.name, r.highest])) };
}

/** Raises what was seen; a lower version or sequence leaves the row as it is. */
export async function raiseFreshness(db: Database, origin: string, seen: { seq?: number; versions?: Map<string, string> }): Promise<void> {
  const held = await freshnessOf(db, origin);
  const rows: { name: string; highest: string }[] = [];
  if (seen.seq !== undefined && seen.seq > (held?.seq ?? 0)) rows.push({ name: "", highest: String(seen.seq) });
  for (const [name, v] of seen.versions ?? []) {
    const h = held?.highest.get(name);
    if (h === undefined || compareSemver(v, h) > 0) rows.push({ name, highest: v });
  }
  for (const r of rows) {
    await db
      .insert(packageFreshness)
      .values({ origin, ...r })
      .onConflictDoUpdate({ target: [packageFreshness.origin, packageFreshness.name], set: { highest: r.highest, updatedAt: Date.now() } });
  }
}

export async function ownIndex(db: Database): Promise<typeof ownPackageIndex.$inferSelect | undefined> {
  const [row] = await db.select().from(ownPackageIndex).where(eq(ownPackageIndex.id, 1));
  return row;
}

export async function saveOwnIndex(db: Database, row: Omit<typeof ownPackageIndex.$inferInsert, "id">): Promise<void> {
  await db.insert(ownPackageIndex).values({ id: 1, ...row }).onConflictDoUpdate({ target: ownPackageIndex.id, set: row });
}
