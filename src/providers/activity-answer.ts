/**
 * Activity a webhook or command reports in its revoke answer: `{"activity": [...]}` in a webhook's 2xx JSON
 * body, or JSON lines on a command's stdout (each line one entry, or `{"activity": [...]}`). An entry is a
 * string (something that happened) or an object:
 *   {"kind": "statement", "text": "SELECT …", "count": 14}
 *   {"kind": "session", "at": "2026-12-06T09:12:00Z", "client": "10.0.0.5", "application": "psql"}
 *   {"kind": "event", "at": "…", "text": "restarted deploy/api"}      (kind defaults to "event")
 * Entries that fit none of these are counted, not kept. Everything is bounded later (src/domain/activity.ts).
 */
import { z } from 'zod';
import { emptyActivity, type ActivityReport } from '../domain/activity.ts';

/** Entries read at most from one answer; the rest are counted. */
const MAX_ENTRIES = 2000;
const shortText = z.string().max(100_000);

const entrySchema = z.union([
  shortText.transform((text) => ({ kind: 'event' as const, text })),
  z.looseObject({
    kind: z.enum(['session', 'statement', 'event']).default('event'),
    text: shortText.optional(),
    at: shortText.optional(),
    count: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
    client: shortText.optional(),
    application: shortText.optional(),
    database: shortText.optional(),
  }),
]);

/** The report from a list of entries, or null when the answer said nothing about activity. */
export function activityFromEntries(source: string, entries: readonly unknown[]): ActivityReport {
  const report = emptyActivity(source);
  let unreadable = 0;
  for (const raw of entries.slice(0, MAX_ENTRIES)) {
    const parsed = entrySchema.safeParse(raw);
    if (!parsed.success) {
      unreadable++;
      continue;
    }
    const entry = parsed.data;
    if (entry.kind === 'session') {
      const e = entry as { at?: string; client?: string; application?: string; database?: string };
      report.sessions.push({ startedAt: e.at ?? null, client: e.client ?? null, application: e.application ?? null, database: e.database ?? null });
    } else if (!entry.text) {
      unreadable++;
    } else if (entry.kind === 'statement') {
      report.statements.push({ text: entry.text, calls: (entry as { count?: number }).count ?? 1 });
    } else {
      const e = entry as { at?: string; count?: number };
      report.events.push({ at: e.at ?? null, text: entry.text, count: e.count ?? 1 });
    }
  }
  const skipped = unreadable + Math.max(0, entries.length - MAX_ENTRIES);
  if (skipped > 0) report.events.push({ at: null, text: `(${skipped} more entr${skipped === 1 ? 'y' : 'ies'} not readable or over the limit)`, count: 1 });
  return report;
}

/** A webhook's 2xx body: the report when it carries an `activity` list, else undefined. */
export function activityFromJsonBody(source: string, body: string): ActivityReport | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || !('activity' in parsed)) return undefined;
  const list = (parsed as { activity: unknown }).activity;
  return activityFromEntries(source, Array.isArray(list) ? list : [list]);
}

/** A command's stdout: JSON lines (an entry each, or `{"activity": [...]}`); other lines are its log. Undefined when none. */
export function activityFromJsonLines(source: string, stdout: string): ActivityReport | undefined {
  const entries: unknown[] = [];
  let any = false;
  for (const line of stdout.split(/\r?\n/)) {
    const text = line.trim();
    if (!text.startsWith('{') && !text.startsWith('"')) continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      continue;
    }
    if (typeof value === 'object' && value !== null && 'activity' in value) {
      const list = (value as { activity: unknown }).activity;
      entries.push(...(Array.isArray(list) ? list : [list]));
      any = true;
    } else if (typeof value === 'string' || (typeof value === 'object' && value !== null && ('kind' in value || 'text' in value))) {
      entries.push(value);
      any = true;
    }
    if (entries.length > MAX_ENTRIES) break;
  }
  return any ? activityFromEntries(source, entries) : undefined;
}
