// Subscriptions this node bought from peers for relayed calls.
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** Subscription grants this node bought from peers: a call to a tool priced by subscription presents one. */
export const subscriptions = sqliteTable(
  "subscriptions",
  {
    grantId: text("grant_id").primaryKey(),
    provider: text("provider").notNull(),
    /** The tool's global id. */
    tool: text("tool").notNull(),
    from: integer("from").notNull(),
    until: integer("until").notNull(),
    /** The provider's signed grant, canonical JSON. */
    grant: text("grant").notNull(),
    /** The purchase's ledger record. */
    recordId: text("record_id").notNull(),
  },
  (t) => [index("subscriptions_tool").on(t.provider, t.tool, t.until)],
);
