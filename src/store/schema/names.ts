// The operator's names and hiding for what peers share, keyed by what stays stable while the
// entry is replaced: its kind, its origin and its name there.
import { integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const federatedSettings = sqliteTable(
  "federated_settings",
  {
    /** "tool", "resource", "resource-template" or "prompt": each lists in its own MCP namespace. */
    kind: text("kind").notNull(),
    origin: text("origin").notNull(),
    /** The entry's name at its origin, without a version label: `<upstream>/<tool>` for a tool. */
    ref: text("ref").notNull(),
    /** The operator's name for it; null keeps the derived one (alias and the origin's name). */
    shortName: text("short_name"),
    hidden: integer("hidden", { mode: "boolean" }).notNull().default(false),
  },
  (t) => [primaryKey({ columns: [t.kind, t.origin, t.ref] })],
);
