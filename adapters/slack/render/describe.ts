/** Sentences about a request that the card, its thread, DMs and App Home share. */
import { formatDuration } from '../../../src/domain/duration.ts';
import type { RequestView, ReviewView } from '../../../src/app/request-view.ts';
import { displayName, memberKeys } from '../../../src/domain/identity.ts';
import { actorLabel, escapeAndTruncate, joinAnd, memberLabel, mentionPerson, oneLine, plural } from './text.ts';
import { slackDate } from './time.ts';

export const date = (view: RequestView, ms: number): string => slackDate(ms, view.timezone);

export const approvalsOf = (view: RequestView): ReviewView[] => view.reviews.filter((r) => r.decision === 'approve');
export const denialOf = (view: RequestView): ReviewView | undefined => view.reviews.find((r) => r.decision === 'deny');

/** "readonly" on `orders-db` */
export const roleOnResource = (view: RequestView): string => `*${escapeAndTruncate(view.role, 150)}* on \`${escapeAndTruncate(view.resource, 150)}\``;

/** "1 of 2" */
export const approvalCount = (view: RequestView): string => `${Math.min(approvalsOf(view).length, view.approvalsRequired)} of ${view.approvalsRequired}`;

/**
 * One approval, named by the display label a notice carries: an @-mention when exactly one approval has that
 * label, and which approval it was ("1 of 2"), so a notice delivered late still tells its own step.
 */
export function oneApproval(view: RequestView, label: string | null): { who: string; count: string } {
  const approvals = approvalsOf(view);
  const matches = label === null ? [] : approvals.filter((r) => displayName(r.who) === label);
  const match = matches.length === 1 ? matches[0]! : null;
  const last = approvals.at(-1);
  const who = match ? mentionPerson(match.who) : label !== null ? actorLabel(label) : last ? mentionPerson(last.who) : 'An approver';
  const ordinal = match ? approvals.indexOf(match) + 1 : approvals.length;
  return { who, count: `${Math.min(ordinal, view.approvalsRequired)} of ${view.approvalsRequired}` };
}

export function approvedBy(view: RequestView): string {
  const people = approvalsOf(view).map((r) => mentionPerson(r.who));
  return people.length ? joinAnd(people) : actorLabel(view.decidedBy);
}

export function deniedBy(view: RequestView, maxNote = 500): string {
  const denial = denialOf(view);
  const who = denial ? mentionPerson(denial.who) : actorLabel(view.decidedBy);
  const note = denial?.note ?? view.decisionNote;
  return note ? `${who}: ${escapeAndTruncate(oneLine(note), maxNote)}` : who;
}

/**
 * Approver members for "who can approve": Teams-only members summarised, and neither the requester nor anyone
 * who already reviewed (they cannot approve this request, whatever the role's list says).
 */
export function approversText(view: RequestView, max = 1500): string {
  const cannot = new Set([view.requester, ...view.reviews.map((r) => r.who)].flatMap(memberKeys));
  const members = view.approverMembers.filter((m) => !cannot.has(m));
  const shown = members.filter((m) => !m.startsWith('teams:')).map(memberLabel);
  const teams = members.length - shown.length;
  const parts = teams ? [...shown, plural(teams, 'Teams user')] : shown;
  if (parts.length === 0) return 'nobody (check the policy)';
  let text = '';
  for (let i = 0; i < parts.length; i++) {
    const next = text ? `${text}, ${parts[i]}` : parts[i]!;
    if (next.length > max - 20) return `${text} and ${parts.length - i} more`;
    text = next;
  }
  return text;
}

const revokeNote = (reason: string | null): string | null => {
  if (!reason) return null;
  const colon = reason.indexOf(': ');
  return colon >= 0 ? reason.slice(colon + 2) : null;
};

export const endedByExpiry = (view: RequestView): boolean => (view.grant?.revokeReason ?? '').startsWith('expired');

/** How the access ended: "expired Mon 10:00" or "revoked Mon 10:00 by @bob: done early". */
export function endedText(view: RequestView): string {
  const grant = view.grant!;
  const at = date(view, grant.revokedAt ?? grant.expiresAt);
  if (endedByExpiry(view)) return `expired ${at}`;
  const note = revokeNote(grant.revokeReason);
  return `revoked ${at} by ${actorLabel(grant.revokedBy)}${note ? `: ${escapeAndTruncate(oneLine(note), 300)}` : ''}`;
}

/** The state of the grant behind an approved request, or null when there is none yet. */
export function grantLine(view: RequestView): string | null {
  const grant = view.grant;
  if (!grant) return null;
  switch (grant.status) {
    case 'granting':
      return '⏳ Setting up access…';
    case 'active':
      return `🟢 Access active until ${date(view, grant.expiresAt)}`;
    case 'revoking':
      return grant.overdue
        ? `⚠️ *Revoke overdue*: access should have ended ${date(view, grant.expiresAt)}; accessbot keeps retrying and the auditors were alerted`
        : '⏳ Removing access…';
    case 'revoked':
      return `⏹️ Access ${endedText(view)}`;
    case 'failed':
      return '❗ Granting failed; the admins were alerted';
  }
}

/** The one-paragraph status of a request, for cards and App Home. */
export function statusText(view: RequestView): string {
  switch (view.status) {
    case 'pending': {
      const remaining = Math.max(view.approvalsRequired - approvalsOf(view).length, 0);
      return `⏳ Waiting for ${plural(remaining, 'more approval')} · lapses ${date(view, view.lapsesAt)}`;
    }
    case 'denied':
      return `❌ Denied by ${deniedBy(view)}`;
    case 'cancelled':
      return '🚫 Cancelled by the requester';
    case 'expired':
      return `⌛ Expired: nobody decided before ${date(view, view.lapsesAt)}`;
    case 'approved': {
      const decision = view.breakGlass
        ? '🚨 Break-glass self-activation: no approval, flagged for review'
        : view.autoApproved
          ? '⚡ Auto-approved (within the role’s auto-approval limit)'
          : `✅ Approved by ${approvedBy(view)}`;
      if (view.kind === 'extend') {
        const grant = view.grant;
        const extended = grant ? ` · access now ends ${date(view, grant.expiresAt)}` : '';
        const state = grant && grant.status !== 'active' ? `\n${grantLine(view)}` : '';
        return `${decision}\n⏩ Extended by ${formatDuration(view.durationMs)}${extended}${state}`;
      }
      const line = grantLine(view);
      return line ? `${decision}\n${line}` : `${decision}\n⏳ Setting up access…`;
    }
  }
}

/** Short plain words for the header marker. */
export function kindMarker(view: RequestView): string {
  if (view.breakGlass) return '🚨 Break-glass';
  if (view.kind === 'extend') return '⏩ Extension';
  if (view.autoApproved) return '⚡ Auto-approved';
  return '🔑 Access request';
}
