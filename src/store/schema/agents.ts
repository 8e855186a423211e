// Agents and intents (protocol §17.2): the discovery index over the registry's agent entries, and
// the intents this node declared for its principals.
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * One row per agent whose newest entry here is live: what discovery ranks, beside the entry
 * itself (registry_entries). Kept by the entry store as entries are stored; expired leases stay
 * until a newer entry or a tombstone replaces them, and reads filter them out.
 */
export const agentIndex = sqliteTable(
  "agent_index",
  {
    agentId: text("agent_id").primaryKey(),
    origin: text("origin").notNull(),
    name: text("name").notNull(),
    /** The registry entry this row reflects, and its HLC: an older entry never overwrites a newer one. */
    entryId: text("entry_id").notNull(),
    hlc: text("hlc").notNull(),
    /** The node's trust in the agent, percent. */
    trust: integer("trust").notNull(),
    /** Milliseconds: when the entry was signed (its HLC's wall time) and until when its lease runs. */
    signedAt: integer("signed_at").notNull(),
    leaseUntil: integer("lease_until").notNull(),
  },
  (t) => [index("agent_index_lease").on(t.leaseUntil)],
);

/**
 * An agent's capability tags, one row each: discovery looks tags up here by index. Each row carries
 * what its agent's score is made of (trust, when its entry was signed, its lease), so a query
 * scores every match from the index alone, or reads a long tag list best trust first.
 */
export const agentTags = sqliteTable(
  "agent_tags",
  {
    tag: text("tag").notNull(),
    agentId: text("agent_id").notNull(),
    leaseUntil: integer("lease_until").notNull(),
    trust: integer("trust").notNull().default(0),
    signedAt: integer("signed_at").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.tag, t.agentId] }), index("agent_tags_agent").on(t.agentId), index("agent_tags_rank").on(t.tag, t.trust, t.agentId, t.leaseUntil, t.signedAt)],
);

/** The intents this node declared, and for whom: the principal that may accept offers and whose limit they count against. */
export const declaredIntents = sqliteTable(
  "declared_intents",
  {
    /** `intent/<32 hex>`: the registry key. */
    key: text("key").primaryKey(),
    entryId: text("entry_id").notNull(),
    principal: text("principal").notNull(),
    expires: integer("expires").notNull(),
    withdrawn: integer("withdrawn", { mode: "boolean" }).notNull().default(false),
  },
  (t) => [index("declared_intents_principal").on(t.principal, t.expires), index("declared_intents_entry").on(t.entryId)],
);

/** The agents this node registered, and the principal that registered each: only it may beat or deregister. */
export const registeredAgents = sqliteTable("registered_agents", {
  agentId: text("agent_id").primaryKey(),
  name: text("name").notNull(),
  principal: text("principal").notNull(),
});
