// Which restore of this store its rows come from: drawn when the store is first asked, and drawn
// again by every restore, so that positions into the replaced rows (a blackboard watch cursor, a
// rowid) are known to be another generation's.
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** One row (id 1). */
export const storeGeneration = sqliteTable("store_generation", {
  id: integer("id").primaryKey(),
  /** 16 hex characters, random. */
  generation: text("generation").notNull(),
});
