// Other origins' package indexes (protocol §18.4) as this node last accepted them: checked against
// the index before an install, and served to peers by a mirror while the origin is offline.
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { now } from "./defaults.ts";

export const heldPackageIndexes = sqliteTable("held_package_indexes", {
  origin: text("origin").primaryKey(),
  seq: integer("seq").notNull(),
  /** The signed index's JSON, as received. */
  signed: text("signed").notNull(),
  expires: integer("expires").notNull(),
  receivedAt: integer("received_at").notNull().default(now),
});
