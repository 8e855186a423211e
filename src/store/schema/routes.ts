// Routes (issue 15): what each principal's calls take when they name no route.
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { now } from "./defaults.ts";

/** One row per principal the operator gave a default route; at most one per principal. */
export const routeDefaults = sqliteTable("route_defaults", {
  /** The principal's id: "client:<id>", "token:<id>", "anonymous". */
  principal: text("principal").primaryKey(),
  route: text("route", { enum: ["auto", "direct", "forwarded", "private", "anonymous", "anonymous-surb"] }).notNull(),
  updatedAt: integer("updated_at").notNull().default(now),
});
