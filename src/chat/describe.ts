/** Sentences about a request that the card, its thread, private notices and the personal view share. */
import { formatDuration } from '../domain/duration.ts';
import type { RequestView, ReviewView } from '../app/request-view.ts';
import { displayName, type Person } from '../domain/identity.ts';
import { membersStillToReview } from '../domain/waiting.ts';
import { otherPlatforms, type ChatDialect } from './dialect.ts';
import { bold, code, date, joinAnd, mention, oneLine, plural, rich, roughLength, text, type Inline, type RichText } from './rich-text.ts';

/** An instant shown in the policy's timezone. */
export const at = (view: RequestView, ms: number): Inline => date(ms, view.timezone);

export const approvalsOf = (view: RequestView): ReviewView[] => view.reviews.filter((r) => r.decision === 'approve');
const denialOf = (view: RequestView): ReviewView | undefined => view.reviews.find((r) => r.decision === 'deny');

/** *readonly* on `orders-db` */
export const roleOnResource = (view: RequestView): RichText => rich(bold(view.role, 150), ' on ', code(view.resource, 150));

/** "AR-42 *readonly* on `orders-db`" */
export const refAndRole = (view: RequestView): RichText => rich(`${view.ref} `, roleOnResource(view));

/** "1 of 2" */
export const approvalCount = (view: RequestView): string => `${Math.min(approvalsOf(view).length, view.approvalsRequired)} of ${view.approvalsRequired}`;

/** A policy member atom as a person: `slack:U1` and `teams:…` by platform id, anything else is an email. */
export function memberAsPerson(member: string): Person {
  if (member.startsWith('slack:')) {
    const id = member.slice('slack:'.length);
    return { slackId: id, name: id };
  }
  if (member.startsWith('teams:')) return { teamsId: member.slice('teams:'.length) };
  return { email: member };
}

/** Who did something, as the core records it: a principal key, `cli:NAME`, `system`, or a display label. */
export function actor(who: string | null | undefined): RichText {
  if (!who) return rich('someone');
  if (who === 'system') return rich('accessbot');
  if (who.startsWith('cli:')) return rich(`${who.slice(4)} (command line)`);
  if (who.startsWith('slack:') || who.startsWith('teams:')) return rich(mention(memberAsPerson(who)));
  return rich(who);
}

/**
 * One approval, named by the display label a notice carries: a mention when exactly one approval has that
 * label, and which approval it was ("1 of 2"), so a notice delivered late still tells its own step.
 */
export function oneApproval(view: RequestView, label: string | null): { who: RichText; count: string } {
  const approvals = approvalsOf(view);
  const matches = label === null ? [] : approvals.filter((r) => displayName(r.who) === label);
  const match = matches.length === 1 ? matches[0]! : null;
  const last = approvals.at(-1);
  const who = match ? rich(mention(match.who)) : label !== null ? actor(label) : last ? rich(mention(last.who)) : rich('An approver');
  const ordinal = match ? approvals.indexOf(match) + 1 : approvals.length;
  return { who, count: `${Math.min(ordinal, view.approvalsRequired)} of ${view.approvalsRequired}` };
}

export function approvedBy(view: RequestView): RichText {
  const people = approvalsOf(view).map((r) => rich(mention(r.who)));
  return people.length ? joinAnd(people) : actor(view.decidedBy);
}

export function deniedBy(view: RequestView, maxNote = 500): RichText {
  const denial = denialOf(view);
  const who = denial ? rich(mention(denial.who)) : actor(view.decidedBy);
  const note = denial?.note ?? view.decisionNote;
  return note ? rich(who, ': ', text(oneLine(note), maxNote)) : who;
}

/**
 * Approver members for "who can approve": members only reachable on another platform summarised ("2 Teams
 * users"), and neither the requester nor anyone who already reviewed (they cannot approve this request,
 * whatever the role's list says). About `max` characters at most, then "and N more".
 */
export function approversText(view: RequestView, dialect: ChatDialect, max = 1500): RichText {
  const members = membersStillToReview(new Set(view.approverMembers), view.requester, view.reviews.map((r) => r.who));
  const others = otherPlatforms(dialect);
  const shown = members.filter((m) => !others.some((o) => m.startsWith(o.prefix))).map((m) => rich(mention(memberAsPerson(m))));
  const summarised = others.flatMap((o) => {
    const count = members.filter((m) => m.startsWith(o.prefix)).length;
    return count ? [rich(plural(count, o.userWord))] : [];
  });
  const parts = [...shown, ...summarised];
  if (parts.length === 0) return rich('nobody (check the policy)');
  let out: RichText = rich();
  for (let i = 0; i < parts.length; i++) {
    const next = i === 0 ? parts[i]! : rich(out, ', ', parts[i]!);
    if (roughLength(next) > max - 20) return rich(out, ` and ${parts.length - i} more`);
    out = next;
  }
  return out;
}

const revokeNote = (reason: string | null): string | null => {
  if (!reason) return null;
  const colon = reason.indexOf(': ');
  return colon >= 0 ? reason.slice(colon + 2) : null;
};

export const endedByExpiry = (view: RequestView): boolean => (view.grant?.revokeReason ?? '').startsWith('expired');

/** How the access ended: "expired Mon 10:00" or "revoked Mon 10:00 by @bob: done early". */
export function endedText(view: RequestView): RichText {
  const grant = view.grant!;
  const when = at(view, grant.revokedAt ?? grant.expiresAt);
  if (endedByExpiry(view)) return rich('expired ', when);
  const note = revokeNote(grant.revokeReason);
  return rich('revoked ', when, ' by ', actor(grant.revokedBy), note && ': ', note && text(oneLine(note), 300));
}

/** The state of the grant behind an approved request, or null when there is none yet. */
export function grantLine(view: RequestView): RichText | null {
  const grant = view.grant;
  if (!grant) return null;
  switch (grant.status) {
    case 'granting':
      return rich('⏳ Setting up access…');
    case 'active':
      return rich('🟢 Access active until ', at(view, grant.expiresAt));
    case 'revoking':
      return grant.overdue
        ? rich('⚠️ ', bold('Revoke overdue'), ': access should have ended ', at(view, grant.expiresAt), '; accessbot keeps retrying and the auditors were alerted')
        : rich('⏳ Removing access…');
    case 'revoked':
      return rich('⏹️ Access ', endedText(view));
    case 'failed':
      return rich('❗ Granting failed; the admins were alerted');
  }
}

/** The one-paragraph status of a request, for cards and the personal view. */
export function statusText(view: RequestView): RichText {
  switch (view.status) {
    case 'pending': {
      const remaining = Math.max(view.approvalsRequired - approvalsOf(view).length, 0);
      return rich(`⏳ Waiting for ${plural(remaining, 'more approval')} · lapses `, at(view, view.lapsesAt));
    }
    case 'denied':
      return rich('❌ Denied by ', deniedBy(view));
    case 'cancelled':
      return rich('🚫 Cancelled by the requester');
    case 'expired':
      return rich('⌛ Expired: nobody decided before ', at(view, view.lapsesAt));
    case 'approved': {
      const decision = view.breakGlass
        ? rich('🚨 Break-glass self-activation: no approval, flagged for review')
        : view.autoApproved
          ? rich('⚡ Auto-approved (within the role’s auto-approval limit)')
          : rich('✅ Approved by ', approvedBy(view));
      if (view.kind === 'extend') {
        const grant = view.grant;
        const extended = grant ? rich(' · access now ends ', at(view, grant.expiresAt)) : null;
        const state = grant && grant.status !== 'active' ? rich('\n', grantLine(view)) : null;
        return rich(decision, `\n⏩ Extended by ${formatDuration(view.durationMs)}`, extended, state);
      }
      return rich(decision, '\n', grantLine(view) ?? '⏳ Setting up access…');
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
