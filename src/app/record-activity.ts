/**
 * Session activity in the audit (issue 15): what the holder did, as the target reports it, stored as
 * `grant.activity` events — samples while a grant is active (new sessions only) and everything at the revoke,
 * before the login is dropped. A short record per grant (kv `grant-activity:<grantId>`) keeps the sessions seen
 * so far and the one-line summary the chat shows ("ran 14 statements in 2 sessions").
 *
 * Sampling is replica-safe: each grant's sample for a time slot is claimed first (insert-if-absent on the
 * store), so one replica samples it; the write is a unit of work that records only while the grant is still
 * active, so a sample never lands after (or races with) the revoke's own record.
 */
import type { GrantRecord } from '../../db/store/records.ts';
import { appendAudit, type AuditInput } from '../audit/chain.ts';
import type { AuditDetails } from '../audit/events.ts';
import {
  activitySummary,
  boundActivity,
  eventLine,
  mergeSessions,
  moreLine,
  sessionKey,
  sessionLine,
  statementLine,
  type ActivityReport,
  type ActivitySession,
  type BoundedActivity,
} from '../domain/activity.ts';
import type { AppContext } from './context.ts';
import { grantTargetFor } from './grant-target.ts';
import { withDeadline } from './in-flight.ts';

const RECORD_PREFIX = 'grant-activity:';
const SAMPLE_PREFIX = 'activity-sample:';
/** Default time between samples of one grant. */
export const ACTIVITY_SAMPLE_EVERY_MS = 5 * 60_000;
/** Sessions kept in the per-grant record (what the revoke merges with; the audit has every sample). */
const KEPT_SESSIONS = 200;

/** The per-grant record: sessions seen so far, and the summary once the grant ended. */
export interface GrantActivityRecord {
  sessions: ActivitySession[];
  /** The final one-liner ("ran 14 statements in 2 sessions"), set at the revoke. */
  summary: string | null;
}

/** Where a grant's activity record is kept. */
export function activityRecordKey(grantId: string): string {
  return RECORD_PREFIX + grantId;
}

export async function readActivityRecord(reads: { kvGet(key: string): Promise<string | null> }, grantId: string): Promise<GrantActivityRecord | null> {
  const value = await reads.kvGet(activityRecordKey(grantId));
  if (value === null) return null;
  try {
    const parsed = JSON.parse(value) as Partial<GrantActivityRecord>;
    return { sessions: Array.isArray(parsed.sessions) ? parsed.sessions : [], summary: typeof parsed.summary === 'string' ? parsed.summary : null };
  } catch {
    return null;
  }
}

function details(bounded: BoundedActivity, phase: 'during' | 'at revoke'): AuditDetails['grant.activity'] {
  const { report } = bounded;
  const withMore = (lines: string[], shown: number, total: number, what: string): string[] => {
    const more = moreLine(shown, total, what);
    return more ? [...lines, more] : lines;
  };
  return {
    phase,
    source: report.source,
    // A sample records new sessions only; statements (cumulative at the target) are read at the revoke.
    summary: phase === 'during' ? `${bounded.sessionsTotal} new session${bounded.sessionsTotal === 1 ? '' : 's'}` : activitySummary({ ...bounded, statementsUnavailable: report.statementsUnavailable }),
    sessions: bounded.sessionsTotal,
    statements_run: bounded.callsTotal,
    distinct_statements: bounded.statementsTotal,
    actions_reported: bounded.eventsTotal,
    session_lines: withMore(report.sessions.map(sessionLine), report.sessions.length, bounded.sessionsTotal, 'sessions'),
    statement_lines: withMore(report.statements.map(statementLine), report.statements.length, bounded.statementsTotal, 'distinct statements'),
    event_lines: withMore(report.events.map(eventLine), report.events.length, bounded.eventEntriesTotal, 'entries'),
    ...(report.statementsUnavailable ? { statements_unavailable: report.statementsUnavailable } : {}),
  };
}

/** What the revoke records about the holder's activity: the audit event, and the per-grant record (kv) to write. */
export interface RevokeActivity {
  event: AuditInput & { action: 'grant.activity' };
  key: string;
  value: string;
}

/**
 * For the revoke's unit of work, before `grant.revoked`: the final `grant.activity` event (sessions sampled
 * earlier, `earlier`, merged in) and the record with the summary the chat shows, for the caller to write (the
 * batched revoke commit, ./revoke-commit.ts). Null when the provider reported nothing and nothing was sampled.
 */
export function revokeActivity(grant: GrantRecord, report: ActivityReport | undefined, earlier: GrantActivityRecord | null, now: number): RevokeActivity | null {
  if (!report && !earlier) return null;
  const merged: ActivityReport = report ?? { source: 'samples', sessions: [], statements: [], events: [], statementsUnavailable: 'the revoke reported no activity; sessions from samples only' };
  const all = { ...merged, sessions: mergeSessions(earlier?.sessions ?? [], merged.sessions) };
  const bounded = boundActivity(all);
  const recorded = details(bounded, 'at revoke');
  const record: GrantActivityRecord = { sessions: bounded.report.sessions, summary: recorded.summary };
  return {
    event: { at: now, actor: 'system', action: 'grant.activity', requestId: grant.requestId, grantId: grant.id, details: recorded },
    key: activityRecordKey(grant.id),
    value: JSON.stringify(record),
  };
}

/** One sample of one active grant, if this process claims its slot. True when something new was recorded. */
export async function sampleGrant(ctx: AppContext, grant: GrantRecord, everyMs = ACTIVITY_SAMPLE_EVERY_MS): Promise<boolean> {
  const provider = ctx.providers.get(grant.resource);
  if (!provider?.activity) return false;
  const now = ctx.clock.now();
  const slot = Math.floor(now / everyMs);
  if (!(await ctx.store.claimKey(`${SAMPLE_PREFIX}${grant.id}:${slot}`, ctx.instanceId, now))) return false;
  const target = await grantTargetFor(ctx.store, ctx.policy, grant, { requireRequest: true });
  const sample = provider.activity;
  const report = await withDeadline(() => sample.call(provider, target), { deadlineMs: 60_000, what: `${grant.resource} (activity of grant ${grant.id})` });
  return ctx.store.tx(async (uow) => {
    const row = await uow.getGrant(grant.id);
    if (row?.status !== 'active') return false; // the revoke records what happened
    const earlier = await readActivityRecord(uow, grant.id);
    const seen = new Set((earlier?.sessions ?? []).map(sessionKey));
    const fresh = report.sessions.filter((session) => !seen.has(sessionKey(session)));
    if (fresh.length === 0) return false;
    const at = ctx.clock.now();
    const bounded = boundActivity({ ...report, sessions: fresh, statements: [], events: [] });
    await appendAudit(uow, { at, actor: 'system', action: 'grant.activity', requestId: grant.requestId, grantId: grant.id, details: details(bounded, 'during') });
    const record: GrantActivityRecord = { sessions: [...(earlier?.sessions ?? []), ...bounded.report.sessions].slice(-KEPT_SESSIONS), summary: null };
    await uow.kvPut(activityRecordKey(grant.id), JSON.stringify(record), at);
    return true;
  });
}

/** Sample every active grant on a resource whose provider can say what is going on (the scheduler's job). */
export async function sampleActiveGrants(ctx: AppContext, everyMs = ACTIVITY_SAMPLE_EVERY_MS): Promise<number> {
  const now = ctx.clock.now();
  let recorded = 0;
  for (const [resource, provider] of ctx.providers) {
    if (!provider.activity) continue;
    for (const grant of await ctx.store.activeGrantsOn(resource, now)) {
      try {
        if (await sampleGrant(ctx, grant, everyMs)) recorded++;
      } catch (error) {
        ctx.log.warn({ grantId: grant.id, resource, err: error instanceof Error ? error.message : String(error) }, 'sampling a grant’s activity failed; the revoke still records it');
      }
    }
  }
  // Slot claims are only needed for a while.
  await ctx.store.tx((uow) => uow.kvPrune(SAMPLE_PREFIX, now - 24 * 60 * 60_000));
  return recorded;
}
