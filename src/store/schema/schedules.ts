// Periodic work judged on the tick (src/node/schedules/): when each job last ran for each subject,
// and the schedule the operator chose for a peer's ledger reconciliation.
import { integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { now } from "./defaults.ts";

/** One row per job and subject (a peer, a unit): its last run, and failures since the last success. */
export const scheduleRuns = sqliteTable(
  "schedule_runs",
  {
    job: text("job").notNull(),
    subject: text("subject").notNull(),
    /** The last run that succeeded, ms; null before the first. */
    lastRunAt: integer("last_run_at"),
    /** The last attempt, successful or not, ms. */
    lastAttemptAt: integer("last_attempt_at").notNull(),
    /** Failed attempts since the last success: the retry waits longer after each. */
    failures: integer("failures").notNull().default(0),
    lastError: text("last_error"),
  },
  (t) => [primaryKey({ columns: [t.job, t.subject] })],
);

/** A peer's ledger reconciliation schedule, where the operator set one (else LEDGER_RECONCILE_SCHEDULE). */
export const reconcileSchedules = sqliteTable("reconcile_schedules", {
  peer: text("peer").primaryKey(),
  schedule: text("schedule", { enum: ["tick", "daily", "weekly", "monthly", "manual"] }).notNull(),
  updatedAt: integer("updated_at").notNull().default(now),
});
