/**
 * Which stretch of the audit log a scheduled digest covers: from the schedule's previous run up to this run,
 * in the policy's timezone. node-cron 4 can say whether an instant matches (`task.match`) and what runs
 * next from the wall clock, but not what ran before, so the previous run is found here by walking back over
 * local days and the schedule's hours/minutes/seconds, asking node-cron's own matcher about each candidate
 * (so "L", "1#2", names and day-of-week rules mean exactly what they mean to the scheduler). Across a DST
 * change a daily period is 23 or 25 hours long; a weekday schedule's Monday digest covers the weekend.
 */
import cron, { type ScheduledTask } from 'node-cron';
import { addDays, localDateKey, localMinuteKey, localParts, offsetAt, zonedInstants } from './zoned-time.ts';

export interface DigestPeriod {
  /** Unique per scheduled run: the local date of the run ("2026-11-27"), or date and time ("2026-11-27T17:00") for a second run that day. */
  key: string;
  /** Inclusive start (the previous run), epoch ms. */
  since: number;
  /** Exclusive end (this run), epoch ms. */
  until: number;
}

/** How far back to look for a previous run before giving up (a schedule may run once a year). */
const MAX_DAYS_BACK = 400;
/** A cron timer may fire a hair before its instant; a run this close ahead of `now` still counts as "this run". */
const EARLY_FIRE_TOLERANCE_MS = 1_000;
const DAY_MS = 86_400_000;

/**
 * The period ending at the latest scheduled run at or before `now` (allowing a timer that fired up to a second
 * early). When the schedule never matches within a year, the 24 h before `now` (to the minute).
 */
export function digestPeriod(now: number, schedule: string, timezone: string): DigestPeriod {
  const until = previousRun(schedule, timezone, now + EARLY_FIRE_TOLERANCE_MS + 1);
  const since = until === null ? null : previousRun(schedule, timezone, until);
  if (until === null || since === null) {
    const end = Math.floor(now / 60_000) * 60_000;
    return { key: localMinuteKey(end, timezone), since: end - DAY_MS, until: end };
  }
  return { key: periodKey(since, until, timezone), since, until };
}

/** The local date of the run; with the time too when an earlier run of the same schedule fell on that date. */
function periodKey(since: number, until: number, timezone: string): string {
  const day = localDateKey(until, timezone);
  return localDateKey(since, timezone) === day ? localMinuteKey(until, timezone) : day;
}

/** The latest instant strictly before `before` that the schedule matches in `timezone`, or null within ~a year. */
export function previousRun(schedule: string, timezone: string, before: number): number | null {
  const fields = cron.parse(schedule);
  const task = cron.createTask(schedule, () => undefined, { timezone });
  try {
    return walkBack(task, fields, timezone, before);
  } finally {
    void task.destroy();
  }
}

function walkBack(task: ScheduledTask, fields: ReturnType<typeof cron.parse>, timezone: string, before: number): number | null {
  const hours = [...fields.hour].sort((a, b) => b - a);
  const minutes = [...fields.minute].sort((a, b) => b - a);
  const seconds = [...fields.second].sort((a, b) => b - a);
  const months = new Set(fields.month);
  const start = localParts(before, timezone);
  const repeatedSeconds = Math.max(0, offsetAt(before - 3 * 3_600_000, timezone) - offsetAt(before, timezone)) / 1000;
  let date = { year: start.year, month: start.month, day: start.day };
  for (let i = 0; i <= MAX_DAYS_BACK; i++, date = addDays(date, -1)) {
    if (!months.has(date.month) || !dayMayMatch(fields, date)) continue;
    // On the first day only local times up to `before` can qualify (plus the repeated hour after a fall-back).
    const bound = i === 0 ? start.hour * 3600 + start.minute * 60 + start.second + repeatedSeconds : Infinity;
    for (const hour of hours) {
      for (const minute of minutes) {
        for (const second of seconds) {
          if (hour * 3600 + minute * 60 + second > bound) continue;
          const instants = zonedInstants({ ...date, hour, minute, second }, timezone);
          for (let k = instants.length - 1; k >= 0; k--) {
            const at = instants[k]!;
            if (at < before && task.match(new Date(at))) return at;
          }
        }
      }
    }
  }
  return null;
}

/** A cheap pre-check on plain numeric day fields; tokens such as "L" or "1#2" defer to node-cron's matcher. */
function dayMayMatch(fields: ReturnType<typeof cron.parse>, date: { year: number; month: number; day: number }): boolean {
  const numeric = (values: (number | string)[]): values is number[] => values.every((v) => typeof v === 'number');
  if (numeric(fields.dayOfMonth) && !fields.dayOfMonth.includes(date.day)) return false;
  if (numeric(fields.dayOfWeek)) {
    const weekday = new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay();
    if (!fields.dayOfWeek.some((d) => d % 7 === weekday)) return false;
  }
  return true;
}
