/**
 * What a holder did during a grant, as a target reported it: sessions (connections), statements with how often
 * each ran, and free-form events (a webhook's or command's own words). Everything here comes from outside
 * (a target, or text a holder typed into a database), so it is bounded before it is stored or shown: a few
 * dozen entries at most, each cut to a length, with "and N more" for the rest. It is kept as typed; the chat
 * renderers escape it like any other text.
 */

export interface ActivitySession {
  /** ISO 8601, when the target says. */
  startedAt: string | null;
  client: string | null;
  application: string | null;
  database: string | null;
}

export interface ActivityStatement {
  text: string;
  calls: number;
}

export interface ActivityEvent {
  at: string | null;
  text: string;
  count: number;
}

export interface ActivityReport {
  /** Where it came from: `postgres`, `webhook`, `exec`. */
  source: string;
  sessions: ActivitySession[];
  statements: ActivityStatement[];
  events: ActivityEvent[];
  /** Why statements could not be recorded (e.g. pg_stat_statements is not installed); null when they were. */
  statementsUnavailable: string | null;
}

export const MAX_SESSIONS = 20;
export const MAX_STATEMENTS = 25;
export const MAX_EVENTS = 50;
export const MAX_TEXT = 300;
const MAX_FIELD = 120;

export const emptyActivity = (source: string): ActivityReport => ({ source, sessions: [], statements: [], events: [], statementsUnavailable: null });

/** One line, control characters out, at most `max` code points (with "…"). */
export function clipText(value: string, max = MAX_TEXT): string {
  // eslint-disable-next-line no-control-regex
  const flat = value.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/gu, ' ').replace(/\s+/g, ' ').trim();
  const chars = [...flat];
  return chars.length <= max ? flat : `${chars.slice(0, max - 1).join('')}…`;
}

const field = (value: string | null): string | null => (value === null || value.trim() === '' ? null : clipText(value, MAX_FIELD));

/** Sessions seen, counted once each (start, client and application say which). */
export function sessionKey(session: ActivitySession): string {
  return JSON.stringify([session.startedAt, session.client, session.application, session.database]);
}

/** Sessions of `a` then those of `b` not in `a`. */
export function mergeSessions(a: readonly ActivitySession[], b: readonly ActivitySession[]): ActivitySession[] {
  const seen = new Set(a.map(sessionKey));
  return [...a, ...b.filter((session) => !seen.has(sessionKey(session)) && seen.add(sessionKey(session)))];
}

/** The report as stored: texts clipped, the busiest statements first. Counts are taken before the cut. */
export interface BoundedActivity {
  report: ActivityReport;
  sessionsTotal: number;
  statementsTotal: number;
  callsTotal: number;
  /** Events counted with their repetitions; `eventEntriesTotal` without. */
  eventsTotal: number;
  eventEntriesTotal: number;
}

export function boundActivity(report: ActivityReport): BoundedActivity {
  const statements = report.statements
    .filter((s) => s.text.trim() !== '')
    .map((s) => ({ text: clipText(s.text), calls: Math.max(0, Math.floor(s.calls)) }))
    .sort((x, y) => y.calls - x.calls);
  const events = report.events.map((e) => ({ at: field(e.at), text: clipText(e.text), count: Math.max(1, Math.floor(e.count)) })).filter((e) => e.text !== '');
  const sessions = report.sessions.map((s) => ({ startedAt: field(s.startedAt), client: field(s.client), application: field(s.application), database: field(s.database) }));
  return {
    report: {
      source: clipText(report.source, 40),
      sessions: sessions.slice(0, MAX_SESSIONS),
      statements: statements.slice(0, MAX_STATEMENTS),
      events: events.slice(0, MAX_EVENTS),
      statementsUnavailable: report.statementsUnavailable === null ? null : clipText(report.statementsUnavailable, 400),
    },
    sessionsTotal: sessions.length,
    statementsTotal: statements.length,
    callsTotal: statements.reduce((sum, s) => sum + s.calls, 0),
    eventsTotal: events.reduce((sum, e) => sum + e.count, 0),
    eventEntriesTotal: events.length,
  };
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** "ran 14 statements in 2 sessions", "reported 3 actions", "no sessions"; for the thread, views and digest. */
export function activitySummary(bounded: Pick<BoundedActivity, 'sessionsTotal' | 'statementsTotal' | 'callsTotal' | 'eventsTotal'> & { statementsUnavailable: string | null }): string {
  const parts: string[] = [];
  const sessions = bounded.sessionsTotal > 0 ? ` in ${plural(bounded.sessionsTotal, 'session')}` : '';
  if (bounded.callsTotal > 0) parts.push(`ran ${plural(bounded.callsTotal, 'statement')}${bounded.statementsTotal !== bounded.callsTotal ? ` (${bounded.statementsTotal} distinct)` : ''}${sessions}`);
  else if (bounded.sessionsTotal > 0) parts.push(`opened ${plural(bounded.sessionsTotal, 'session')}${bounded.statementsUnavailable ? ' (statements not recorded)' : ', ran no statements'}`);
  if (bounded.eventsTotal > 0) parts.push(`reported ${plural(bounded.eventsTotal, 'action')}`);
  if (parts.length === 0) return bounded.statementsUnavailable ? 'no sessions seen (statements not recorded)' : 'no activity recorded';
  return parts.join('; ');
}

/** "09:12:03Z from 10.0.0.5 (psql) on orders" */
export function sessionLine(session: ActivitySession): string {
  const parts = [session.startedAt ?? 'start unknown', session.client ? `from ${session.client}` : '', session.application ? `(${session.application})` : '', session.database ? `on ${session.database}` : ''];
  return parts.filter(Boolean).join(' ');
}

/** "14× SELECT * FROM orders WHERE id = $1" */
export const statementLine = (statement: ActivityStatement): string => `${statement.calls}× ${statement.text}`;

export const eventLine = (event: ActivityEvent): string => `${event.at ? `${event.at} ` : ''}${event.count > 1 ? `${event.count}× ` : ''}${event.text}`;

/** "and 12 more" lines for what was cut, or null. */
export function moreLine(shown: number, total: number, what: string): string | null {
  return total > shown ? `and ${total - shown} more ${what}` : null;
}
