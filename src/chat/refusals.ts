/**
 * One place that turns a refusal into what the person reads. The core's refusals (AccessError) are shown in
 * its words, with its hint phrased for where the person is (a command, a button, a form). When the policy does
 * not know this person at all, we add who they are on this platform so an admin can add them. Anything else
 * is answered with a short apology, never with internals (the adapter logs it).
 */
import type { AccessError, RefusalHint } from '../domain/errors.ts';
import { isMember, type Person } from '../domain/identity.ts';
import type { Policy } from '../domain/policy.ts';

import { command, commandText, type ChatDialect } from './dialect.ts';
import { rich, type RichText } from './rich-text.ts';
import { type RequestId, requestRef } from '../domain/request-id.ts';

export const SOMETHING_WENT_WRONG = "Something went wrong on accessbot's side. Please try again in a minute; if it keeps happening, tell your accessbot admin.";

/** Where the person acted: a typed command or a button (answered in the conversation), or a form (answered under a field). */
export type Surface = 'command' | 'form';

export interface RefusalContext {
  dialect: ChatDialect;
  policy: Policy;
  /** Who acted, once the platform said (null when even that failed). */
  person: Person | null;
  /** Their id on this platform, for what an admin needs. */
  userId: string;
  surface: Surface;
  /** The request the action was about, when known. */
  requestId?: RequestId | null;
}

/** True when no role names this person as a requester or an approver. */
function unknownToPolicy(policy: Policy, person: Person): boolean {
  return !Object.values(policy.roles).some((role) => isMember(role.requesters, person) || isMember(role.approvers, person));
}

/** "your Slack id is U…, email …" — what an admin needs to add this person to the policy. */
function identityFacts(person: Person, userId: string, dialect: ChatDialect): string {
  const email = person.email
    ? `, email ${person.email}`
    : `; accessbot has no email for you that it can trust, so the policy must name you as ${dialect.platform}:${userId}`;
  return `your ${dialect.platformName} id is ${userId}${email}`;
}

export function whoYouAre(person: Person, userId: string, dialect: ChatDialect): string {
  return `If you should be allowed, ask your accessbot admin to add you to the policy (${identityFacts(person, userId, dialect)}).`;
}

/** What to add to a refusal so the person can get it fixed, or '' when the refusal is not about who they are. */
function identityHint(error: AccessError, ctx: RefusalContext): string {
  const person = ctx.person;
  if (!person) return '';
  // The core already says "ask an admin to add you to its requesters": give them what the admin needs.
  if (error.code === 'not_requester') return ` Tell them ${identityFacts(person, ctx.userId, ctx.dialect)}.`;
  if (error.code === 'not_approver' || (error.code === 'unknown_role' && unknownToPolicy(ctx.policy, person))) return ` ${whoYouAre(person, ctx.userId, ctx.dialect)}`;
  return '';
}

function withHint(error: AccessError, hint: RefusalHint, ctx: RefusalContext): RichText {
  const cmd = (words: string) => command(ctx.dialect, words);
  const form = ctx.surface === 'form';
  switch (hint.kind) {
    case 'add_ticket':
      return rich(form ? `"${hint.role}" needs a ticket: enter its id here.` : `"${hint.role}" needs a ticket: add --ticket ID.`);
    case 'normal_request':
      return rich(form ? `"${hint.role}" does not allow break-glass: untick this box to file a normal request.` : `"${hint.role}" does not allow break-glass; file a normal request instead.`);
    case 'extend_instead':
      return rich(`You already have "${hint.role}" (${requestRef(hint.requestId)}); extend it with `, cmd(`access extend ${requestRef(hint.requestId)} DURATION`), '.');
    case 'cancel_instead':
      return rich(
        `${error.userMessage} To withdraw it, use Cancel request in my DM about it, or `,
        ctx.requestId ? cmd(`access cancel ${requestRef(ctx.requestId)}`) : `${commandText(ctx.dialect, 'access cancel')} with its id`,
        '.',
      );
    case 'new_request':
      return rich(`${error.userMessage} Ask for new access with `, cmd('request-access'), '.');
    case 'cancel_open':
      return rich(
        `${error.userMessage} Withdraw one with `,
        cmd(`access cancel ${requestRef(hint.requestId)}`),
        ' or see them all with ',
        cmd('access'),
        '.',
      );
  }
}

/** The words for a core refusal, phrased for where the person acted. */
export function refusalOf(error: AccessError, ctx: RefusalContext): RichText {
  return rich(error.hint ? withHint(error, error.hint, ctx) : error.userMessage, identityHint(error, ctx));
}
