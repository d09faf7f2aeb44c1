/** What a grant's digest line says about what happened during it: the target's activity and runbook actions run. */
import type { AuditRow } from '../../db/store/records.ts';
import type { DigestGrant } from './digest.ts';
import { readDetails } from './events.ts';

/** Lines of the activity shown per grant (statements first, then reported actions). */
const ACTIVITY_LINES = 3;
const ACTIONS_LISTED = 5;

export function noteActivity(grant: DigestGrant | undefined, row: Pick<AuditRow, 'action' | 'details'>): void {
  if (!grant) return;
  if (row.action === 'grant.activity') {
    const d = readDetails('grant.activity', row.details);
    if (d.phase !== 'at revoke') return;
    grant.activity = d.statements_unavailable && d.statements_run === 0 ? `${d.summary ?? 'no activity recorded'}` : d.summary;
    grant.activityLines = [...(d.statement_lines ?? []), ...(d.event_lines ?? [])].slice(0, ACTIVITY_LINES);
  } else if (row.action === 'action.ran') {
    const d = readDetails('action.ran', row.details);
    const runs = (grant.actionsRun ??= []);
    if (runs.length < ACTIONS_LISTED) runs.push(`${d.action ?? '?'}: ${d.outcome ?? '?'}`);
    else if (runs.length === ACTIONS_LISTED) runs.push('…');
  }
}
