// Tool definitions the operator accepted, per upstream, and the changes waiting for a decision
// (the "rug pull" guard: a tool whose definition moved is hidden until the operator approves).
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { now } from "./defaults.ts";

/** What a client's model is shown of a tool: the part a pin covers. */
export interface PinnedDefinition {
  name: string;
  title?: string;
  description?: string;
  inputSchema: Record<string, unknown>;
  outputSchema?: Record<string, unknown>;
  annotations?: Record<string, unknown>;
}

/**
 * The accepted definition of each tool of each upstream. Keyed by the upstream's name without a
 * foreign key: a package's pins are written from its entry before its upstream first lists.
 */
export const definitionPins = sqliteTable(
  "definition_pins",
  {
    upstream: text("upstream").notNull(),
    tool: text("tool").notNull(),
    /** The tool's fingerprint (protocol §4.3): what a package entry pins. */
    fingerprint: text("fingerprint").notNull(),
    /** Of the whole definition; null for an entry's pin until the tool is first seen matching it. */
    definitionHash: text("definition_hash"),
    definition: text("definition", { mode: "json" }).$type<PinnedDefinition>(),
    /** first_use: trusted when first seen; entry: from a package entry; approved: by the operator. */
    source: text("source", { enum: ["first_use", "entry", "approved"] }).notNull(),
    pinnedAt: integer("pinned_at").notNull().default(now),
  },
  (t) => [primaryKey({ columns: [t.upstream, t.tool] })],
);

/** A definition seen that no pin accepts: one row per distinct definition per tool. */
export const definitionChanges = sqliteTable(
  "definition_changes",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    upstream: text("upstream").notNull(),
    tool: text("tool").notNull(),
    /** The pinned definition it departs from; null when the tool is new to a strict upstream. */
    oldDefinition: text("old_definition", { mode: "json" }).$type<PinnedDefinition>(),
    oldFingerprint: text("old_fingerprint"),
    newDefinition: text("new_definition", { mode: "json" }).notNull().$type<PinnedDefinition>(),
    newFingerprint: text("new_fingerprint").notNull(),
    newDefinitionHash: text("new_definition_hash").notNull(),
    status: text("status", { enum: ["pending", "approved", "rejected"] }).notNull().default("pending"),
    detectedAt: integer("detected_at").notNull().default(now),
    decidedAt: integer("decided_at"),
  },
  (t) => [uniqueIndex("definition_changes_seen").on(t.upstream, t.tool, t.newDefinitionHash), index("definition_changes_status").on(t.status)],
);

/** Upstreams whose new tools wait for the operator too (strict), instead of being trusted on first sight. */
export const definitionPinModes = sqliteTable("definition_pin_modes", {
  upstream: text("upstream").primaryKey(),
  strict: integer("strict", { mode: "boolean" }).notNull(),
});
