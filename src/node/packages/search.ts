// Finding packages (protocol §18.1): the live package entries this node holds, by name or words of
// their description, each with its versions, price and licence, and whether it is installed here.
import { compareSemver } from "../../protocol/registry/semver.ts";
import type { Database } from "../../store/database.ts";
import { listInstalled, livePackageEntries, type PackageEntry } from "../../store/packages.ts";
import { PackageError } from "./errors.ts";

export interface PackageListing {
  origin: string;
  name: string;
  description: string;
  newest: string;
  versions: string[];
  price: PackageEntry["signed"]["body"]["price"] | null;
  licence: string;
  tools: string[];
  installed: string[];
}

function listings(entries: PackageEntry[], installed: { origin: string; name: string; version: string }[]): PackageListing[] {
  const groups = new Map<string, PackageEntry[]>();
  for (const e of entries) {
    const k = `${e.signed.origin} ${e.signed.body.name}`;
    groups.set(k, [...(groups.get(k) ?? []), e]);
  }
  return [...groups.values()].map((g) => {
    const sorted = g.sort((a, b) => compareSemver(a.signed.body.version, b.signed.body.version));
    const newest = sorted[sorted.length - 1]!.signed;
    return {
      origin: newest.origin,
      name: newest.body.name,
      description: newest.body.description,
      newest: newest.body.version,
      versions: sorted.map((e) => e.signed.body.version),
      price: newest.body.price ?? null,
      licence: newest.body.licence.id,
      tools: newest.body.tools.map((t) => t.name),
      installed: installed.filter((i) => i.origin === newest.origin && i.name === newest.body.name).map((i) => i.version),
    };
  });
}

export async function searchPackages(s: { db: Database }, query: string): Promise<PackageListing[]> {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const entries = (await livePackageEntries(s.db)).filter((e) => {
    const text = `${e.signed.body.name} ${e.signed.body.description} ${e.signed.body.tools.map((t) => t.name).join(" ")}`.toLowerCase();
    return words.every((w) => text.includes(w));
  });
  return listings(entries, await listInstalled(s.db));
}

/** One package's versions, with the newest entry whole. */
export async function packageInfo(s: { db: Database }, name: string, origin?: string): Promise<PackageListing & { entry: PackageEntry["signed"] }> {
  const entries = await livePackageEntries(s.db, { name, ...(origin ? { origin } : {}) });
  const [listing, ...more] = listings(entries.filter((e) => e.signed.body.name === name), await listInstalled(s.db));
  if (!listing) throw new PackageError("unknown_package", `no package ${name} is held here`);
  if (more.length > 0) throw new PackageError("ambiguous_package", `${name} is published by ${[listing, ...more].map((l) => l.origin).join(", ")}: name the origin`);
  const entry = entries.find((e) => e.signed.origin === listing.origin && e.signed.body.version === listing.newest)!;
  return { ...listing, entry: entry.signed };
}
