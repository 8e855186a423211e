// Packages (protocol §18): the versions this node installed from their signed entries, which one
// serves each package, and what it has seen of each origin's versions (freshness, §18.3).
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { now } from "./defaults.ts";

/**
 * One installed version. Its files are in the content-addressed store under `sha256`; the signed
 * entry is kept whole, so a version can be used again (rollback) with the network and origin gone.
 */
export const installedPackages = sqliteTable(
  "installed_packages",
  {
    origin: text("origin").notNull(),
    name: text("name").notNull(),
    version: text("version").notNull(),
    /** The upstream this package serves as; one per (origin, name). */
    upstream: text("upstream").notNull(),
    /** The artifact's SHA-256: the store address. */
    sha256: text("sha256").notNull(),
    entryId: text("entry_id").notNull(),
    /** The signed entry's canonical JSON, as received. */
    entry: text("entry").notNull(),
    /** Whether this version serves the upstream: at most one per upstream. */
    active: integer("active", { mode: "boolean" }).notNull().default(false),
    /** When it last started serving: rollback returns to the one before. */
    activatedAt: integer("activated_at"),
    /** The operator's semver range `update` stays within; null: any newer version. */
    range: text("range"),
    installedAt: integer("installed_at").notNull().default(now),
  },
  (t) => [primaryKey({ columns: [t.origin, t.name, t.version] }), index("installed_packages_upstream").on(t.upstream)],
);

/** The highest version seen per origin and package, and the highest index sequence (name ""): only ever raised. */
export const packageFreshness = sqliteTable(
  "package_freshness",
  {
    origin: text("origin").notNull(),
    name: text("name").notNull(),
    /** The highest version seen, or, for name "", the highest index sequence as a decimal. */
    highest: text("highest").notNull(),
    updatedAt: integer("updated_at").notNull().default(now),
  },
  (t) => [primaryKey({ columns: [t.origin, t.name] })],
);

/** The index this node signs for its own packages (§18.4), re-signed on the tick. */
export const ownPackageIndex = sqliteTable("own_package_index", {
  id: integer("id").primaryKey(),
  seq: integer("seq").notNull(),
  /** The signed index's JSON. */
  signed: text("signed").notNull(),
  /** A hash of the listed packages: the index is re-signed at once when it changes. */
  contentHash: text("content_hash").notNull(),
  issued: integer("issued").notNull(),
  expires: integer("expires").notNull(),
});
