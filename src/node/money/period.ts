// A billing period as the operator names it: a month (2026-11) or whole days, both ends included
// (2026-11-03..2026-11-09), in UTC. As times: [from, to) in ms.

export interface Period {
  from: number;
  to: number;
  /** The period as it was named, normalized. */
  label: string;
}

export class PeriodError extends Error {
  override name = "PeriodError";
}

const DAY_MS = 86_400_000;
/** Longer periods are refused: an invoice covers a month or so, not a ledger's lifetime. */
const MAX_DAYS = 366;

function day(s: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) throw new PeriodError(`not a day (YYYY-MM-DD): ${JSON.stringify(s.slice(0, 40))}`);
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = Date.UTC(y, mo - 1, d);
  // Date.UTC rolls 2026-02-30 over into March: a day that does not exist does not come back the same.
  if (new Date(t).toISOString().slice(0, 10) !== s || y < 2000) throw new PeriodError(`no such day: ${s}`);
  return t;
}

/** Parses YYYY-MM or YYYY-MM-DD..YYYY-MM-DD; the period must have begun by `now` (ms). */
export function parsePeriod(s: string, now: number): Period {
  let period: Period;
  const month = /^(\d{4})-(\d{2})$/.exec(s);
  if (month) {
    const from = day(`${s}-01`);
    const next = new Date(from);
    next.setUTCMonth(next.getUTCMonth() + 1);
    period = { from, to: next.getTime(), label: s };
  } else {
    const days = /^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$/.exec(s);
    if (!days) throw new PeriodError("a period is YYYY-MM or YYYY-MM-DD..YYYY-MM-DD");
    const from = day(days[1]!);
    const last = day(days[2]!);
    if (last < from) throw new PeriodError("the period ends before it begins");
    if ((last - from) / DAY_MS + 1 > MAX_DAYS) throw new PeriodError(`a period spans at most ${MAX_DAYS} days`);
    period = { from, to: last + DAY_MS, label: s };
  }
  if (period.from > now) throw new PeriodError("the period has not begun");
  return period;
}
