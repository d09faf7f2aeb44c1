/**
 * Pure rules for filing and deciding requests. Each guard checks permission before state, so somebody who
 * may not act learns nothing about a request's progress.
 */
import { AccessError } from './errors.ts';
import { formatDuration, DURATION_EXAMPLES } from './duration.ts';
import { isMember, samePerson, type Person } from './identity.ts';
import { roleNamed, type Member, type Policy, type RoleDef } from './policy.ts';
import { eligibleApprovers } from './waiting.ts';

export type RequestStatus = 'pending' | 'approved' | 'denied' | 'cancelled' | 'expired';

export type FilingOutcome = 'pending' | 'auto_approved' | 'break_glass';

export interface NewRequestInput {
  roleName: string;
  requester: Person;
  /** Absent: the role's default duration. */
  durationMs?: number;
  reason: string;
  ticket?: string | null;
  breakGlass?: boolean;
}

export interface CheckedRequest {
  role: RoleDef;
  durationMs: number;
  reason: string;
  ticket: string | null;
  breakGlass: boolean;
  outcome: FilingOutcome;
  approvalsRequired: number;
}

/** The roles this person may request, by name, in policy order. */
export function requestableRoles(policy: Policy, person: Person): RoleDef[] {
  return Object.values(policy.roles).filter((role) => isMember(role.requesters, person));
}

export function checkNewRequest(policy: Policy, input: NewRequestInput): CheckedRequest {
  const role = roleNamed(policy, input.roleName);
  if (!role) {
    const mine = requestableRoles(policy, input.requester).map((r) => r.name);
    throw new AccessError(
      'unknown_role',
      `There is no role called "${input.roleName}". ` +
        (mine.length ? `Roles you may request: ${mine.join(', ')}.` : 'You may not request any role yet.'),
    );
  }
  if (!isMember(role.requesters, input.requester)) {
    throw new AccessError('not_requester', `You are not allowed to request "${role.name}". Ask an admin to add you to its requesters.`);
  }
  const durationMs = input.durationMs ?? role.defaultDurationMs;
  if (durationMs > role.maxDurationMs) {
    throw new AccessError(
      'duration_too_long',
      `${formatDuration(durationMs)} is longer than "${role.name}" allows (at most ${formatDuration(role.maxDurationMs)}).`,
    );
  }
  if (durationMs < policy.minDurationMs) {
    throw new AccessError('duration_too_short', `${formatDuration(durationMs)} is too short: the minimum is ${formatDuration(policy.minDurationMs)} (${DURATION_EXAMPLES}).`);
  }
  const reason = input.reason.trim();
  if (reason === '') throw new AccessError('reason_required', 'Please say why you need access (a short reason is required).');
  const ticket = input.ticket?.trim() || null;
  if (role.requireTicket !== null) {
    if (!ticket) throw new AccessError('ticket_required', `"${role.name}" needs a ticket.`, { kind: 'add_ticket', role: role.name });
    if (role.requireTicket !== '' && !new RegExp(role.requireTicket).test(ticket)) {
      throw new AccessError('ticket_invalid', `Ticket "${ticket}" does not look right for "${role.name}" (expected ${role.requireTicket}).`);
    }
  }
  const breakGlass = input.breakGlass === true;
  if (breakGlass && !role.breakGlass) {
    throw new AccessError('break_glass_not_allowed', `"${role.name}" does not allow break-glass.`, { kind: 'normal_request', role: role.name });
  }
  const outcome: FilingOutcome = breakGlass
    ? 'break_glass'
    : role.autoApprove && durationMs <= role.autoApprove.maxDurationMs
      ? 'auto_approved'
      : 'pending';
  return { role, durationMs, reason, ticket, breakGlass, outcome, approvalsRequired: role.approvalsRequired };
}

export interface ReviewSubject {
  status: RequestStatus;
  requester: Person;
  approvalsRequired: number;
  decidedBy?: string | null;
  /** When it was filed: with `now`, decides whether the escalation group may approve yet (domain/waiting.ts). */
  createdAt?: number;
}

export interface PriorReview {
  reviewerKey: string;
  reviewer: Person;
  decision: 'approve' | 'deny';
}

export type ReviewOutcome =
  | { kind: 'recorded'; approvals: number; remaining: number }
  | { kind: 'approved'; approvals: number }
  | { kind: 'denied' };

/**
 * Decide what one review does. Throws an AccessError with a message for the reviewer when it does nothing.
 * `role` is undefined when the request's role has left the policy: then nobody may review it, and that is all
 * anyone learns.
 */
export function evaluateReview(
  role: RoleDef | undefined,
  request: ReviewSubject,
  prior: readonly PriorReview[],
  reviewer: Person,
  decision: 'approve' | 'deny',
  now?: number,
): ReviewOutcome {
  if (!role) {
    throw new AccessError('not_allowed', 'Nobody can review this request: its role is no longer in the policy.');
  }
  const eligible = eligibleApprovers(role, request.createdAt, now);
  if (!isMember(eligible, reviewer)) {
    throw new AccessError('not_approver', `You are not an approver for "${role.name}".`);
  }
  if (samePerson(request.requester, reviewer)) {
    if (decision === 'approve') throw new AccessError('self_approval', 'You cannot approve your own request.');
    throw new AccessError('self_approval', 'This is your own request, so you cannot deny it.', { kind: 'cancel_instead' });
  }
  if (request.status !== 'pending') {
    const by = request.decidedBy ? ` by ${request.decidedBy}` : '';
    throw new AccessError('already_decided', `This request was already ${request.status}${by}.`);
  }
  if (prior.some((p) => samePerson(p.reviewer, reviewer))) {
    throw new AccessError('already_reviewed', 'You have already reviewed this request.');
  }
  if (decision === 'deny') return { kind: 'denied' };
  const approvals = countDistinctApprovals(role, request.requester, prior, eligible) + 1;
  if (approvals >= request.approvalsRequired) return { kind: 'approved', approvals };
  return { kind: 'recorded', approvals, remaining: request.approvalsRequired - approvals };
}

/** Approvals that count: distinct people, eligible under the current policy, never the requester. */
export function countDistinctApprovals(role: RoleDef, requester: Person, prior: readonly PriorReview[], eligible: ReadonlySet<Member> = role.approvers): number {
  const seen = new Set<string>();
  for (const review of prior) {
    if (review.decision !== 'approve') continue;
    if (!isMember(eligible, review.reviewer) || samePerson(review.reviewer, requester)) continue;
    seen.add(review.reviewerKey);
  }
  return seen.size;
}

/** Only the requester cancels, and only while the request is pending. */
export function checkCancel(request: ReviewSubject, actor: Person): void {
  if (!samePerson(request.requester, actor)) throw new AccessError('not_allowed', 'Only the person who filed a request can cancel it.');
  if (request.status !== 'pending') throw new AccessError('not_pending', `This request is already ${request.status}; nothing to cancel.`);
}
