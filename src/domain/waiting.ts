/**
 * Rules for a request that waits for approval (issue 14): when its approvers are reminded, when it escalates
 * to a second group and who may approve it at a given instant. Every instant derives from the request's
 * creation time and the role's intervals, so any replica, before or after a restart, computes the same
 * schedule; the store only records which reminder round and which escalation went out.
 */
import type { ChannelRefs, Member, RoleDef } from './policy.ts';
import { formatDuration } from './duration.ts';
import { AccessError } from './errors.ts';
import { isMember, memberKeys, samePerson, type Person } from './identity.ts';

export interface EscalationDef {
  /** Expanded members (groups resolved) who may approve once the request has escalated. */
  approvers: ReadonlySet<Member>;
  /** Where the escalated request is announced, per platform. */
  channel?: ChannelRefs;
}

/** The paging hook called when a requester expedites a request: a signed JSON POST (like the webhook provider). */
export interface ExpediteWebhookDef {
  url: string;
  secret: string;
  timeoutMs: number;
}

/** A role's waiting rules, the policy's `defaults` already merged in. */
export interface WaitingRules {
  /** Remind approvers who have not reviewed, every this long while the request waits; null: never. */
  remindAfterMs: number | null;
  /** After this long the escalation group may approve too; null: never. */
  escalateAfterMs: number | null;
  escalation: EscalationDef | null;
  expediteWebhook: ExpediteWebhookDef | null;
}

/** The rules of a role (none for a role defined in code without them). */
export function waitingRulesOf(role: RoleDef | undefined): WaitingRules | null {
  return role?.waiting ?? null;
}

/** The reminder round due at `now` (1 = the first reminder); 0 before the first one. */
export function reminderRound(rules: WaitingRules | null, createdAt: number, now: number): number {
  if (!rules?.remindAfterMs || now < createdAt) return 0;
  return Math.floor((now - createdAt) / rules.remindAfterMs);
}

/** When the next reminder after `now` is due, or null when there is none before the request lapses. */
export function nextReminderAt(rules: WaitingRules | null, createdAt: number, lapsesAt: number, now: number): number | null {
  if (!rules?.remindAfterMs) return null;
  const next = createdAt + (reminderRound(rules, createdAt, now) + 1) * rules.remindAfterMs;
  return next < lapsesAt ? next : null;
}

/** When the request escalates (whether or not that is past), or null when the role does not escalate. */
export function escalatesAt(rules: WaitingRules | null, createdAt: number): number | null {
  if (rules?.escalateAfterMs == null || !rules.escalation) return null;
  return createdAt + rules.escalateAfterMs;
}

export function isEscalated(rules: WaitingRules | null, createdAt: number, now: number): boolean {
  const at = escalatesAt(rules, createdAt);
  return at !== null && now >= at;
}

/**
 * Who may approve a request of `role` filed at `createdAt`, at `now`: the role's approvers, and once the
 * escalation delay has passed, the escalation group too. The one definition review, may-review and every
 * "who can approve" list use.
 */
export function eligibleApprovers(role: RoleDef, createdAt: number | undefined, now: number | undefined): ReadonlySet<Member> {
  const rules = waitingRulesOf(role);
  if (!rules?.escalation || createdAt === undefined || now === undefined || !isEscalated(rules, createdAt, now)) return role.approvers;
  return new Set([...role.approvers, ...rules.escalation.approvers]);
}

export function mayApproveAt(role: RoleDef, person: Person, createdAt: number, now: number): boolean {
  return isMember(eligibleApprovers(role, createdAt, now), person);
}

/**
 * The members to remind: eligible now, not the requester, not anyone who already reviewed. Members are policy
 * atoms; a person named twice (email and platform id) may be listed twice, which delivery de-duplicates.
 */
export function membersStillToReview(eligible: ReadonlySet<Member>, requester: Person, reviewers: readonly Person[]): Member[] {
  const done = new Set([requester, ...reviewers].flatMap(memberKeys));
  return [...eligible].filter((member) => !done.has(member));
}

/** Who may expedite: only the requester, only while the request waits, only once. Throws with a message for them. */
export function checkExpedite(request: { status: string; requester: Person; ref: string }, actor: Person, expeditedAt: number | null, describeAt: (ms: number) => string): void {
  if (!samePerson(request.requester, actor)) throw new AccessError('not_allowed', 'Only the person who filed a request can mark it urgent.');
  if (request.status !== 'pending') throw new AccessError('not_pending', `${request.ref} is already ${request.status}; there is nobody to page.`);
  if (expeditedAt !== null) throw new AccessError('not_allowed', `You already paged the approvers of ${request.ref} (${describeAt(expeditedAt)}). It can be marked urgent once.`);
}

/** Who may approve a request of this role at some point: its approvers and, once escalated, the escalation group. */
export function mayEverApprove(role: RoleDef, person: Person): boolean {
  return isMember(role.approvers, person) || isMember(waitingRulesOf(role)?.escalation?.approvers ?? new Set(), person);
}

/** What changed in a role's waiting rules, one line each, for the policy reload's audit (the hook's URL and secret are never shown). */
export function waitingChanges(was: WaitingRules | undefined, now: WaitingRules | undefined): string[] {
  const changes: string[] = [];
  const every = (ms: number | null | undefined): string => (ms == null ? 'never' : formatDuration(ms));
  const compare = (what: string, a: string, b: string) => {
    if (a !== b) changes.push(`${what} ${a} → ${b}`);
  };
  compare('remind_after', every(was?.remindAfterMs), every(now?.remindAfterMs));
  compare('escalate_after', every(was?.escalateAfterMs), every(now?.escalateAfterMs));
  const group = (rules: WaitingRules | undefined) => [...(rules?.escalation?.approvers ?? [])].sort().join(', ') || 'nobody';
  compare('escalation.approvers', group(was), group(now));
  const channel = (rules: WaitingRules | undefined) => JSON.stringify(rules?.escalation?.channel ?? {});
  if (channel(was) !== channel(now)) changes.push('escalation.channel changed');
  const hook = (rules: WaitingRules | undefined) => JSON.stringify(rules?.expediteWebhook ?? null);
  if (hook(was) !== hook(now)) changes.push(now?.expediteWebhook ? (was?.expediteWebhook ? 'expedite_webhook changed' : 'expedite_webhook added') : 'expedite_webhook removed');
  return changes;
}
