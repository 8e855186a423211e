// The invocation log: one row per tools/call.
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** Append-only: one row per tools/call, without arguments unless the operator opts in. */
export const invocations = sqliteTable(
  "invocations",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    at: integer("at").notNull(),
    caller: text("caller").notNull(),
    toolId: text("tool_id"),
    toolName: text("tool_name").notNull(),
    upstream: text("upstream"),
    durationMs: integer("duration_ms").notNull(),
    outcome: text("outcome", {
      enum: ["ok", "tool_error", "unknown_tool", "unavailable", "timeout", "cancelled", "upstream_error", "peer_refused", "cache_hit", "no_credential"],
    }).notNull(),
    error: text("error"),
    arguments: text("arguments", { mode: "json" }),
  },
  (t) => [index("invocations_at").on(t.at)],
);
