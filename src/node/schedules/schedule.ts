// Schedules of periodic work, judged on the tick from when the work last ran: no timer, nothing
// in memory. A calendar schedule is due once per UTC period (a day, a week from Monday, a month),
// so a node that was down runs the work once on its first tick back, not once per period missed.
export const CALENDAR_SCHEDULES = ["daily", "weekly", "monthly"] as const;
export type CalendarSchedule = (typeof CALENDAR_SCHEDULES)[number];

/** Every tick, once per calendar period, or only when the operator asks. */
export const SCHEDULES = ["tick", ...CALENDAR_SCHEDULES, "manual"] as const;
export type Schedule = (typeof SCHEDULES)[number];

const DAY_MS = 86_400_000;

/** The start of the UTC period holding `t`, ms. */
export function periodStart(t: number, schedule: CalendarSchedule): number {
  const d = new Date(t);
  const day = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  if (schedule === "daily") return day;
  if (schedule === "weekly") return day - ((d.getUTCDay() + 6) % 7) * DAY_MS;
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

/** The start of the period after the one starting at `start`. */
export function nextPeriod(start: number, schedule: CalendarSchedule): number {
  if (schedule === "daily") return start + DAY_MS;
  if (schedule === "weekly") return start + 7 * DAY_MS;
  const d = new Date(start);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

/** Whether work on `schedule` that last ran at `lastRun` (never: undefined) is due at `now`. */
export function isDue(schedule: Schedule, lastRun: number | undefined, now: number): boolean {
  if (schedule === "manual") return false;
  if (schedule === "tick" || lastRun === undefined) return true;
  return lastRun < periodStart(now, schedule);
}

/** When it is next due: now if due, else the next period's start; null for manual. */
export function nextDue(schedule: Schedule, lastRun: number | undefined, now: number): number | null {
  if (schedule === "manual") return null;
  if (isDue(schedule, lastRun, now) || schedule === "tick") return now;
  return nextPeriod(periodStart(now, schedule), schedule);
}

const RETRY_BASE_MS = 60_000;
const RETRY_MAX_MS = 6 * 3_600_000;

/** How long after its last attempt work that failed `failures` times in a row is tried again: 1 minute, doubling, at most 6 hours. */
export function retryWait(failures: number): number {
  return failures <= 0 ? 0 : Math.min(RETRY_BASE_MS * 2 ** Math.min(failures - 1, 30), RETRY_MAX_MS);
}
