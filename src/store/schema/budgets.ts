// Federated budgets (protocol §17, "Budgets"): the signed escrow deltas this node holds for each
// budget, its own and its peers', and its own debits, the durable record of every spend and every
// transfer of rights this node made. A debit's seq is the next one of its budget: two writers
// racing for the same rights collide on the key, so one of them re-reads and decides again.
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { now } from "./defaults.ts";

export const budgetDeltas = sqliteTable(
  "budget_deltas",
  {
    /** `<owner node id>/budgets`. */
    namespace: text("namespace").notNull(),
    /** `<unit>:<task>`. */
    key: text("key").notNull(),
    writer: text("writer").notNull(),
    kind: text("kind", { enum: ["allocate", "transfer", "spend"] }).notNull(),
    /** The receiver of a transfer; "" otherwise. */
    receiver: text("receiver").notNull().default(""),
    /** The running total the delta carries: only the highest is kept. */
    total: integer("total").notNull(),
    /** The signed delta, canonical JSON. */
    delta: text("delta").notNull(),
    receivedAt: integer("received_at").notNull().default(now),
  },
  (t) => [primaryKey({ columns: [t.namespace, t.key, t.writer, t.kind, t.receiver] })],
);

export const budgetDebits = sqliteTable(
  "budget_debits",
  {
    namespace: text("namespace").notNull(),
    key: text("key").notNull(),
    seq: integer("seq").notNull(),
    kind: text("kind", { enum: ["spend", "transfer"] }).notNull(),
    amount: integer("amount").notNull(),
    /** The receiver of a transfer; "" for a spend. */
    receiver: text("receiver").notNull().default(""),
    /** After this debit: this node's running total spent, or given to `receiver`. */
    total: integer("total").notNull(),
    /** Who asked: the principal of a spend, or the node a transfer answered; "" for the operator. */
    principal: text("principal").notNull().default(""),
    /** The ledger record the spend paid for, when it was a relayed call. */
    record: text("record"),
    at: integer("at").notNull().default(now),
  },
  (t) => [
    primaryKey({ columns: [t.namespace, t.key, t.seq] }),
    index("budget_debits_kind").on(t.namespace, t.key, t.kind, t.receiver),
    // A record is paid once per budget, whichever process of the node pays it (NULLs are distinct).
    uniqueIndex("budget_debits_record").on(t.namespace, t.key, t.record),
  ],
);
