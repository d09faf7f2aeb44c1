import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import cron from 'node-cron';
import { digestPeriod, previousRun } from '../../../src/audit/digest-period.ts';
import { parseLocalOrIso } from '../../../src/audit/zoned-time.ts';

const BERLIN = 'Europe/Berlin';
const H = 3_600_000;
const iso = (ms: number): string => new Date(ms).toISOString();

describe('digestPeriod', () => {
  it('covers the day before a daily run, 23 h across the spring-forward change in Europe/Berlin', () => {
    const period = digestPeriod(Date.parse('2026-03-29T07:00:00.004Z'), '0 9 * * *', BERLIN);
    expect(period.key).toBe('2026-03-29');
    expect(iso(period.since)).toBe('2026-03-28T08:00:00.000Z'); // 09:00 CET
    expect(iso(period.until)).toBe('2026-03-29T07:00:00.000Z'); // 09:00 CEST
    expect(period.until - period.since).toBe(23 * H);
  });

  it('is 25 h across the fall-back change, and 24 h on an ordinary day', () => {
    const autumn = digestPeriod(Date.parse('2026-10-25T08:00:00Z'), '0 9 * * *', BERLIN);
    expect([autumn.key, iso(autumn.since), iso(autumn.until)]).toEqual(['2026-10-25', '2026-10-24T07:00:00.000Z', '2026-10-25T08:00:00.000Z']);
    expect(autumn.until - autumn.since).toBe(25 * H);
    const ordinary = digestPeriod(Date.parse('2026-11-27T08:00:00Z'), '0 9 * * *', BERLIN);
    expect(ordinary.until - ordinary.since).toBe(24 * H);
  });

  it('gives the Monday digest of a weekday schedule the whole weekend', () => {
    const monday = digestPeriod(Date.parse('2026-11-30T08:00:00Z'), '0 9 * * 1-5', BERLIN);
    expect([monday.key, iso(monday.since), iso(monday.until)]).toEqual(['2026-11-30', '2026-11-27T08:00:00.000Z', '2026-11-30T08:00:00.000Z']);
  });

  it('names the run it belongs to even when the timer fires a moment early or the job runs late', () => {
    const early = digestPeriod(Date.parse('2026-11-27T07:59:59.400Z'), '0 9 * * *', BERLIN);
    const late = digestPeriod(Date.parse('2026-11-27T11:30:00Z'), '0 9 * * *', BERLIN);
    expect(early).toEqual(late);
    expect(early.key).toBe('2026-11-27');
  });

  it('keys a second run on the same day by date and time, so periods never share a key', () => {
    const morning = digestPeriod(Date.parse('2026-11-27T08:00:00Z'), '0 9,17 * * *', BERLIN);
    const evening = digestPeriod(Date.parse('2026-11-27T16:00:00Z'), '0 9,17 * * *', BERLIN);
    expect([morning.key, evening.key]).toEqual(['2026-11-27', '2026-11-27T17:00']);
    expect(evening.since).toBe(morning.until);
  });

  it('falls back to the 24 h before now when the schedule has not run for over a year', () => {
    const period = digestPeriod(Date.parse('2026-06-01T10:15:30Z'), '0 0 29 2 *', BERLIN);
    expect(iso(period.until)).toBe('2026-06-01T10:15:00.000Z');
    expect(period.until - period.since).toBe(24 * H);
    expect(period.key).toBe('2026-06-01T12:15');
  });
});

describe('previousRun agrees with node-cron’s own matcher', () => {
  const schedules = ['0 9 * * *', '0 9 * * 1-5', '30 2 * * *', '15 */6 * * *', '0 9 L * *', '0 9 * * 1#1', '*/20 * * * *'];
  const zones = [BERLIN, 'America/New_York', 'Asia/Kathmandu', 'UTC'];

  it('returns a matching instant with no match between it and the bound', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...schedules),
        fc.constantFrom(...zones),
        fc.integer({ min: Date.parse('2026-01-01T00:00:00Z'), max: Date.parse('2027-12-31T00:00:00Z') }),
        (schedule, zone, before) => {
          const task = cron.createTask(schedule, () => undefined, { timezone: zone });
          try {
            const found = previousRun(schedule, zone, before);
            expect(found).not.toBeNull();
            expect(found!).toBeLessThan(before);
            expect(task.match(new Date(found!))).toBe(true);
            // No minute between the answer and the bound matches (checked over at most two days).
            const lastMinute = Math.ceil(before / 60_000) * 60_000 - 60_000;
            for (let at = Math.max(found! + 60_000, lastMinute - 2 * 24 * H); at <= lastMinute; at += 60_000) {
              if (at < before && task.match(new Date(at))) throw new Error(`${schedule} in ${zone} also matches ${iso(at)} (found ${iso(found!)})`);
            }
          } finally {
            void task.destroy();
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('command-line dates', () => {
  it('reads a date as the start of that day in the policy timezone, and ISO times as given', () => {
    expect(iso(parseLocalOrIso('2026-11-27', BERLIN)!)).toBe('2026-11-26T23:00:00.000Z');
    expect(iso(parseLocalOrIso('2026-07-01', BERLIN)!)).toBe('2026-06-30T22:00:00.000Z');
    expect(iso(parseLocalOrIso('2026-11-27T09:30', BERLIN)!)).toBe('2026-11-27T08:30:00.000Z');
    expect(iso(parseLocalOrIso('2026-11-27T09:30:00+01:00', BERLIN)!)).toBe('2026-11-27T08:30:00.000Z');
    expect(iso(parseLocalOrIso('2026-11-27T08:30:00Z', 'UTC')!)).toBe('2026-11-27T08:30:00.000Z');
    expect(parseLocalOrIso('2026-02-30', BERLIN)).toBeNull();
    expect(parseLocalOrIso('yesterday', BERLIN)).toBeNull();
  });
});
