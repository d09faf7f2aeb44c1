/**
 * One place that turns an error into the sentence the person sees. Core refusals (AccessError) are shown as
 * written; when the policy does not know this person at all, we add who they are to Slack so an admin can add
 * them. Anything else is logged and answered with a short apology, never with internals.
 */
import { isAccessError } from '../../src/domain/errors.ts';
import { isMember, type Person } from '../../src/domain/identity.ts';
import type { Policy } from '../../src/domain/policy.ts';
import type { Logger } from '../../src/logging.ts';
import { escapeSlackText } from './render/index.ts';

export const SOMETHING_WENT_WRONG = "Something went wrong on accessbot's side. Please try again in a minute; if it keeps happening, tell your accessbot admin.";

/** True when no role names this person as a requester or an approver. */
export function unknownToPolicy(policy: Policy, person: Person): boolean {
  return !Object.values(policy.roles).some((role) => isMember(role.requesters, person) || isMember(role.approvers, person));
}

export function whoYouAre(person: Person, slackUserId: string): string {
  const email = person.email
    ? `, email ${escapeSlackText(person.email)}`
    : `; accessbot has no email for you that it can trust, so the policy must name you as slack:${escapeSlackText(slackUserId)}`;
  return `If you should be allowed, ask your accessbot admin to add you to the policy (your Slack id is ${escapeSlackText(slackUserId)}${email}).`;
}

export function refusalText(error: unknown, input: { policy: Policy; person: Person | null; slackUserId: string; log: Logger; what: string }): string {
  if (isAccessError(error)) {
    const text = escapeSlackText(error.userMessage);
    const person = input.person;
    const hint =
      person && (error.code === 'not_requester' || error.code === 'not_approver' || (error.code === 'unknown_role' && unknownToPolicy(input.policy, person)))
        ? ` ${whoYouAre(person, input.slackUserId)}`
        : '';
    return `${text}${hint}`;
  }
  input.log.error({ err: error instanceof Error ? error.message : String(error), what: input.what }, 'slack handler failed');
  return SOMETHING_WENT_WRONG;
}
