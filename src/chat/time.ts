/**
 * Times for people, in the policy's timezone. Never reads the clock: callers pass instants.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timezone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timezone);
  if (!formatter) {
    try {
      formatter = new Intl.DateTimeFormat('en-GB', {
        timeZone: timezone,
        weekday: 'short',
        day: 'numeric',
        month: 'short',
        year: 'numeric',
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
        timeZoneName: 'short',
      });
    } catch {
      formatter = formatterFor('UTC');
    }
    formatters.set(timezone, formatter);
  }
  return formatter;
}

/** "Mon, 5 Jan 2026, 10:00 CET" in the given IANA timezone (UTC when unknown). */
export function formatInZone(ms: number, timezone: string): string {
  return formatterFor(timezone).format(new Date(ms));
}

/** "in 25m", "2h ago" — coarse, for reminders. */
export function relativeTo(ms: number, now: number): string {
  const delta = ms - now;
  const abs = Math.abs(delta);
  const minutes = Math.round(abs / 60_000);
  const text = minutes < 1 ? 'less than a minute' : minutes < 90 ? `${minutes}m` : `${Math.round(minutes / 60)}h`;
  if (minutes < 1) return delta >= 0 ? 'in less than a minute' : 'just now';
  return delta >= 0 ? `in ${text}` : `${text} ago`;
}
