/**
 * One place that turns an error into the sentence the person sees. Core refusals (AccessError) are shown as
 * written; when the policy does not know this person at all, we add who they are to Slack so an admin can add
 * them. Anything else is logged and answered with a short apology, never with internals.
 */
import { isAccessError, type AccessError } from '../../src/domain/errors.ts';
import { isMember, type Person } from '../../src/domain/identity.ts';
import type { Policy } from '../../src/domain/policy.ts';
import type { Logger } from '../../src/logging.ts';
import { escapeSlackText } from './render/index.ts';

/** A refusal the adapter itself gives (Slack trouble the person can act on), shown as written. */
export class SlackRefusal extends Error {
  constructor(readonly userMessage: string) {
    super(userMessage);
    this.name = 'SlackRefusal';
  }
}

export const SOMETHING_WENT_WRONG = "Something went wrong on accessbot's side. Please try again in a minute; if it keeps happening, tell your accessbot admin.";

/** True when no role names this person as a requester or an approver. */
export function unknownToPolicy(policy: Policy, person: Person): boolean {
  return !Object.values(policy.roles).some((role) => isMember(role.requesters, person) || isMember(role.approvers, person));
}

/** "your Slack id is U…, email …" — what an admin needs to add this person to the policy. */
function identityFacts(person: Person, slackUserId: string): string {
  const email = person.email
    ? `, email ${escapeSlackText(person.email)}`
    : `; accessbot has no email for you that it can trust, so the policy must name you as slack:${escapeSlackText(slackUserId)}`;
  return `your Slack id is ${escapeSlackText(slackUserId)}${email}`;
}

export function whoYouAre(person: Person, slackUserId: string): string {
  return `If you should be allowed, ask your accessbot admin to add you to the policy (${identityFacts(person, slackUserId)}).`;
}

/** What to add to a refusal so the person can get it fixed, or '' when the refusal is not about who they are. */
export function identityHint(error: AccessError, policy: Policy, person: Person | null, slackUserId: string): string {
  if (!person) return '';
  // The core already says "ask an admin to add you to its requesters": give them what the admin needs.
  if (error.code === 'not_requester') return ` Tell them ${identityFacts(person, slackUserId)}.`;
  if (error.code === 'not_approver' || (error.code === 'unknown_role' && unknownToPolicy(policy, person))) return ` ${whoYouAre(person, slackUserId)}`;
  return '';
}

export function refusalText(error: unknown, input: { policy: Policy; person: Person | null; slackUserId: string; log: Logger; what: string }): string {
  if (isAccessError(error)) return `${escapeSlackText(error.userMessage)}${identityHint(error, input.policy, input.person, input.slackUserId)}`;
  if (error instanceof SlackRefusal) return escapeSlackText(error.userMessage);
  input.log.error({ err: error instanceof Error ? error.message : String(error), what: input.what }, 'slack handler failed');
  return SOMETHING_WENT_WRONG;
}
