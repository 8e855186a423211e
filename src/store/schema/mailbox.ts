// Mailboxes (docs/protocol.md §20.6): the messages this node holds for nodes that bind nothing
// reachable and poll it. Each body is the `forwarded` message as the caller's envelope made it,
// sealed end to end to the node it waits for: this node can read none of it.
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const mailboxMessages = sqliteTable(
  "mailbox_messages",
  {
    id: text("id").primaryKey(),
    /** The node the message waits for. */
    nodeId: text("node_id").notNull(),
    /** The `forwarded` message, as JSON. */
    body: text("body").notNull(),
    createdAt: integer("created_at").notNull(),
    /** Seconds since the epoch after which nobody waits for it: it is dropped, delivered or not. */
    expiresAt: integer("expires_at").notNull(),
    /** When the node took it in a poll; null while it waits. */
    takenAt: integer("taken_at"),
    /** The node's answer (a `mailbox-answer`'s `answer`, as JSON), for the caller waiting on it. */
    answer: text("answer"),
  },
  (t) => [index("mailbox_messages_node").on(t.nodeId, t.takenAt)],
);
