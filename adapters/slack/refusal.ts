/**
 * Refusals in Slack: the chat layer phrases the core's (with who the person is on Slack when the policy does
 * not know them); this file adds the adapter's own (Slack trouble the person can act on) and writes them as
 * mrkdwn. Anything else is logged and answered with a short apology, never with internals.
 */
import { refusalOf, SOMETHING_WENT_WRONG, type Surface, plainText, type RichText } from '../../src/chat/index.ts';
import { isAccessError } from '../../src/domain/errors.ts';
import type { Person } from '../../src/domain/identity.ts';
import type { Policy } from '../../src/domain/policy.ts';
import type { Logger } from '../../src/logging.ts';
import { SLACK_DIALECT } from './dialect.ts';
import { escapeSlackText, toMrkdwn } from './render/index.ts';
import type { RequestId } from '../../src/domain/request-id.ts';

/** A refusal the adapter itself gives (Slack trouble the person can act on), shown as written. */
export class SlackRefusal extends Error {
  constructor(readonly userMessage: string) {
    super(userMessage);
    this.name = 'SlackRefusal';
  }
}

export interface RefusalInput {
  policy: Policy;
  person: Person | null;
  slackUserId: string;
  log: Logger;
  /** What the person was doing, for the log. */
  what: string;
  surface: Surface;
  requestId?: RequestId | null;
}

/** The words for any error, or null when it is not one we may show (the caller shows SOMETHING_WENT_WRONG). */
function refusal(error: unknown, input: RefusalInput): RichText | string | null {
  if (isAccessError(error)) {
    return refusalOf(error, { dialect: SLACK_DIALECT, policy: input.policy, person: input.person, userId: input.slackUserId, surface: input.surface, requestId: input.requestId ?? null });
  }
  if (error instanceof SlackRefusal) return error.userMessage;
  input.log.error({ err: error instanceof Error ? error.message : String(error), what: input.what }, 'slack handler failed');
  return null;
}

/** As mrkdwn, for messages. */
export function refusalText(error: unknown, input: RefusalInput): string {
  const words = refusal(error, input);
  if (words === null) return SOMETHING_WENT_WRONG;
  return typeof words === 'string' ? escapeSlackText(words) : toMrkdwn(words);
}

/** As plain text, for an inline form error. */
export function refusalPlain(error: unknown, input: RefusalInput): string {
  const words = refusal(error, input);
  if (words === null) return SOMETHING_WENT_WRONG;
  return typeof words === 'string' ? words : plainText(words);
}
