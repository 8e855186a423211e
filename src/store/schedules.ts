// Schedule state (schema/schedules.ts): jobs' last runs per subject, and peers' reconciliation
// schedules. Each write is one statement, so processes of one node may share it.
import { and, eq, inArray, sql } from "drizzle-orm";
import type { Database } from "./database.ts";
import { reconcileSchedules, scheduleRuns } from "./schema/index.ts";

/** Every tick, daily, weekly, monthly, or only when asked (src/node/schedules/schedule.ts). */
export type StoredSchedule = (typeof reconcileSchedules.$inferSelect)["schedule"];

export interface ScheduleRun {
  subject: string;
  lastRunAt: number | null;
  lastAttemptAt: number;
  failures: number;
  lastError: string | null;
}

/** Errors are kept short: a peer's answer is not stored at length. */
const MAX_ERROR = 300;

export class ScheduleRuns {
  constructor(
    private readonly db: Database,
    private readonly job: string,
  ) {}

  /** The runs of the subjects given (all when none), by subject. */
  async of(subjects?: readonly string[]): Promise<Map<string, ScheduleRun>> {
    if (subjects?.length === 0) return new Map();
    const where = subjects ? and(eq(scheduleRuns.job, this.job), inArray(scheduleRuns.subject, [...subjects])) : eq(scheduleRuns.job, this.job);
    const rows = await this.db
      .select({ subject: scheduleRuns.subject, lastRunAt: scheduleRuns.lastRunAt, lastAttemptAt: scheduleRuns.lastAttemptAt, failures: scheduleRuns.failures, lastError: scheduleRuns.lastError })
      .from(scheduleRuns)
      .where(where);
    return new Map(rows.map((r) => [r.subject, r]));
  }

  async succeeded(subject: string, at: number): Promise<void> {
    const values = { lastRunAt: at, lastAttemptAt: at, failures: 0, lastError: null };
    await this.db.insert(scheduleRuns).values({ job: this.job, subject, ...values }).onConflictDoUpdate({ target: [scheduleRuns.job, scheduleRuns.subject], set: values });
  }

  async failed(subject: string, at: number, error: string): Promise<void> {
    const lastError = error.slice(0, MAX_ERROR);
    await this.db
      .insert(scheduleRuns)
      .values({ job: this.job, subject, lastAttemptAt: at, failures: 1, lastError })
      .onConflictDoUpdate({ target: [scheduleRuns.job, scheduleRuns.subject], set: { lastAttemptAt: at, failures: sql`${scheduleRuns.failures} + 1`, lastError } });
  }

  /** Drops a subject's row: its work is done for good. */
  async forget(subject: string): Promise<void> {
    await this.db.delete(scheduleRuns).where(and(eq(scheduleRuns.job, this.job), eq(scheduleRuns.subject, subject)));
  }
}

/** Peers' own reconciliation schedules, by peer. */
export async function reconcileSchedulesOf(db: Database): Promise<Map<string, StoredSchedule>> {
  const rows = await db.select({ peer: reconcileSchedules.peer, schedule: reconcileSchedules.schedule }).from(reconcileSchedules);
  return new Map(rows.map((r) => [r.peer, r.schedule]));
}

export async function setReconcileSchedule(db: Database, peer: string, schedule: StoredSchedule): Promise<void> {
  await db.insert(reconcileSchedules).values({ peer, schedule, updatedAt: Date.now() }).onConflictDoUpdate({ target: reconcileSchedules.peer, set: { schedule, updatedAt: Date.now() } });
}

/** Back to the default; whether the peer had its own. */
export async function clearReconcileSchedule(db: Database, peer: string): Promise<boolean> {
  return (await db.delete(reconcileSchedules).where(eq(reconcileSchedules.peer, peer)).returning({ peer: reconcileSchedules.peer })).length > 0;
}
