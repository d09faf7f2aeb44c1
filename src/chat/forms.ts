/**
 * The forms every platform offers (request access, deny with a reason, extend): which field a refusal belongs
 * under, and what is said under a field filled in wrong. Plain words: forms show no markup.
 */
import { DURATION_EXAMPLES, parseDuration } from '../domain/duration.ts';
import type { AccessError } from '../domain/errors.ts';

export type RequestFormField = 'role' | 'duration' | 'reason' | 'ticket' | 'break_glass';

/** The request form's inputs, by the same ids on every platform (Slack block/action ids, Adaptive Card input ids). */
export const REQUEST_FORM_FIELDS = {
  role: 'role',
  duration: 'duration',
  reason: 'reason',
  ticket: 'ticket',
  breakGlass: 'break_glass',
} as const satisfies Record<string, RequestFormField>;

/** Which field of the request form a core refusal belongs under (null: an unexpected error, shown on the first). */
export function requestFieldOf(error: AccessError | null, breakGlassTicked: boolean): RequestFormField {
  switch (error?.code) {
    case 'bad_duration':
    case 'duration_too_long':
    case 'duration_too_short':
      return 'duration';
    case 'reason_required':
      return 'reason';
    case 'ticket_required':
    case 'ticket_invalid':
      return 'ticket';
    case 'break_glass_not_allowed':
      return breakGlassTicked ? 'break_glass' : 'role';
    default:
      return 'role';
  }
}

export const FORM_WORDS = {
  chooseRole: 'Choose a role.',
  denyReason: 'Say why, so the requester knows what to change.',
  /** The form's hidden request id is missing or unreadable. */
  lostRequest: 'This form no longer points at a request. Close it and use the buttons on the request again.',
} as const;

/** A duration field: its length, or what to say under it. `ask` is what an empty field is asked ("how long you need it"). */
export function durationField(typed: string, ask: 'how long you need it' | 'how much longer'): { ms: number } | { problem: string } {
  const ms = parseDuration(typed);
  if (ms !== null) return { ms };
  return { problem: typed ? `"${typed}" is not a duration: ${DURATION_EXAMPLES}.` : `Say ${ask}: ${DURATION_EXAMPLES}.` };
}
