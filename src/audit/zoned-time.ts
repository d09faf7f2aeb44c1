/**
 * Wall-clock time in an IANA timezone, for the digest: reading an instant's local date and time, turning a
 * local date and time back into instants (none in a spring-forward gap, two in a fall-back hour), and short
 * labels for people. Pure: instants in, text out; the clock is never read here.
 */
export interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const partFormatters = new Map<string, Intl.DateTimeFormat>();

function partFormatter(timezone: string): Intl.DateTimeFormat {
  let formatter = partFormatters.get(timezone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      hourCycle: 'h23',
    });
    partFormatters.set(timezone, formatter);
  }
  return formatter;
}

/** Is this a timezone Intl knows? */
export function isTimeZone(timezone: string): boolean {
  try {
    partFormatter(timezone);
    return true;
  } catch {
    return false;
  }
}

/** The local calendar date and time of an instant (seconds resolution). */
export function localParts(ms: number, timezone: string): LocalParts {
  const parts: Record<string, number> = {};
  for (const part of partFormatter(timezone).formatToParts(new Date(ms))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return {
    year: parts.year ?? 1970,
    month: parts.month ?? 1,
    day: parts.day ?? 1,
    hour: (parts.hour ?? 0) % 24,
    minute: parts.minute ?? 0,
    second: parts.second ?? 0,
  };
}

function asUtc(p: LocalParts): number {
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
}

function sameParts(a: LocalParts, b: LocalParts): boolean {
  return a.year === b.year && a.month === b.month && a.day === b.day && a.hour === b.hour && a.minute === b.minute && a.second === b.second;
}

/** The zone's offset from UTC at an instant, in ms (positive east of Greenwich). */
export function offsetAt(ms: number, timezone: string): number {
  const whole = Math.floor(ms / 1000) * 1000;
  return asUtc(localParts(whole, timezone)) - whole;
}

/**
 * Every instant that reads as this local date and time, earliest first: usually one, none when the clocks
 * jump over it (spring forward), two when they repeat it (fall back).
 */
export function zonedInstants(local: LocalParts, timezone: string): number[] {
  const guess = asUtc(local);
  const offsets = new Set([offsetAt(guess - 43_200_000, timezone), offsetAt(guess, timezone), offsetAt(guess + 43_200_000, timezone)]);
  const found = new Set<number>();
  for (const offset of offsets) {
    const candidate = guess - offset;
    if (sameParts(localParts(candidate, timezone), local)) found.add(candidate);
  }
  return [...found].sort((a, b) => a - b);
}

/** The first instant of a local calendar day (midnight, or the first minute that exists). */
function startOfLocalDay(year: number, month: number, day: number, timezone: string): number {
  for (let hour = 0; hour < 24; hour++) {
    const at = zonedInstants({ year, month, day, hour, minute: 0, second: 0 }, timezone)[0];
    if (at !== undefined) return at;
  }
  return Date.UTC(year, month - 1, day);
}

/** The calendar day after (or before, with -1) a local date. */
export function addDays(date: { year: number; month: number; day: number }, days: number): { year: number; month: number; day: number } {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** "2026-11-27" */
export function localDateKey(ms: number, timezone: string): string {
  const p = localParts(ms, timezone);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}`;
}

/** "2026-11-27T14:00" */
export function localMinuteKey(ms: number, timezone: string): string {
  const p = localParts(ms, timezone);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}`;
}

const labelFormatters = new Map<string, Intl.DateTimeFormat>();

function labelFormatter(timezone: string, kind: 'short' | 'long'): Intl.DateTimeFormat {
  const key = `${kind}|${timezone}`;
  let formatter = labelFormatters.get(key);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-GB', {
      timeZone: timezone,
      ...(kind === 'long' ? { weekday: 'short', year: 'numeric', timeZoneName: 'short' } : {}),
      day: 'numeric',
      month: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    } as Intl.DateTimeFormatOptions);
    labelFormatters.set(key, formatter);
  }
  return formatter;
}

/** "27 Nov, 09:12" — for list lines. */
export function shortTime(ms: number, timezone: string): string {
  return labelFormatter(timezone, 'short').format(new Date(ms));
}

/** "Fri, 27 Nov 2026, 09:00 CET" — for headings. */
export function longTime(ms: number, timezone: string): string {
  return labelFormatter(timezone, 'long').format(new Date(ms));
}

/** "09:12" */
export function clockTime(ms: number, timezone: string): string {
  const p = localParts(ms, timezone);
  return `${pad(p.hour)}:${pad(p.minute)}`;
}

/**
 * A time given on the command line: "2026-11-27" (the start of that day in `timezone`), a local date and time
 * "2026-11-27T09:00" or "2026-11-27 09:00[:30]" (in `timezone`), or an ISO time with a zone ("…Z", "…+01:00").
 * Null when it is none of these.
 */
export function parseLocalOrIso(text: string, timezone: string): number | null {
  const input = text.trim();
  const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(input);
  if (date) {
    const [year, month, day] = [Number(date[1]), Number(date[2]), Number(date[3])];
    return validDate(year, month, day) ? startOfLocalDay(year, month, day, timezone) : null;
  }
  const local = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?$/.exec(input);
  if (local) {
    const [year, month, day, hour, minute, second] = local.slice(1).map((v) => Number(v ?? 0)) as [number, number, number, number, number, number];
    if (!validDate(year, month, day) || hour > 23 || minute > 59 || second > 59) return null;
    // A time the clocks skip moves forward by the skipped hour; a repeated one means its first occurrence.
    return zonedInstants({ year, month, day, hour, minute, second }, timezone)[0] ?? zonedInstants({ year, month, day, hour: hour + 1, minute, second }, timezone)[0] ?? null;
  }
  if (!/^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:?\d{2})$/i.test(input)) return null;
  const ms = Date.parse(input);
  return Number.isNaN(ms) ? null : ms;
}

function validDate(year: number, month: number, day: number): boolean {
  const d = new Date(Date.UTC(year, month - 1, day));
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
}
