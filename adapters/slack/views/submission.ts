/**
 * Shared handling of a modal submission: the answer must go back in the ack (inline errors keep the form
 * open), so the person is resolved with a deadline and the core runs before the ack. Core decisions are single
 * store transactions: milliseconds, well inside Slack's 3 seconds. Refusals are phrased for a form ("enter
 * its id here" rather than "add --ticket ID") and shown as plain text under the field they concern.
 */
import type { AckFn, ViewResponseAction } from '@slack/bolt';
import { isAccessError, type AccessError } from '../../../src/domain/errors.ts';
import type { Person } from '../../../src/domain/identity.ts';
import { within } from '../act-as.ts';
import { refusalPlain } from '../refusal.ts';
import type { SlackServices } from '../services.ts';
import type { RequestId } from '../../../src/domain/request-id.ts';

/** The longest we wait on Slack to say who submitted, leaving time for the core and the ack. */
export const IDENTITY_DEADLINE_MS = 2000;

/** Field block_id → message shown under that field. */
export type FieldErrors = Record<string, string>;

export async function submitAs(
  s: SlackServices,
  ack: AckFn<ViewResponseAction>,
  userId: string,
  what: string,
  /** Which field shows a refusal; null: an unexpected error (shown on the first field). */
  fieldFor: (error: AccessError | null) => string,
  work: (person: Person) => Promise<FieldErrors | null>,
  /** The request the form is about, when there is one. */
  requestId: RequestId | null = null,
): Promise<void> {
  let person: Person | null = null;
  let errors: FieldErrors | null;
  try {
    person = await within(IDENTITY_DEADLINE_MS, s.directory.person(userId), () => new Error('Slack took too long to say who you are'));
    errors = await work(person);
  } catch (error) {
    const text = refusalPlain(error, { policy: s.ctx.policy, person, slackUserId: userId, log: s.log, what, surface: 'form', requestId });
    errors = { [fieldFor(isAccessError(error) ? error : null)]: text };
  }
  if (errors && Object.keys(errors).length > 0) await ack({ response_action: 'errors', errors });
  else await ack();
}
