/**
 * Every refusal the core can give has a code and a message written for the person who asked, in plain words
 * that name no platform's syntax. Where the person can do something about it with a command or a button, the
 * refusal carries a `hint` (what to do, as data): the chat layer (src/chat/refusals.ts) phrases it for where
 * the person is (a Slack command, a form, a Teams chat); the command line shows `userMessage` alone.
 */
import type { RequestId } from './request-id.ts';
export type ErrorCode =
  | 'unknown_user'
  | 'ambiguous_user'
  | 'unknown_role'
  | 'not_requester'
  | 'not_approver'
  | 'self_approval'
  | 'bad_duration'
  | 'duration_too_long'
  | 'duration_too_short'
  | 'ticket_required'
  | 'ticket_invalid'
  | 'reason_required'
  | 'break_glass_not_allowed'
  | 'not_found'
  | 'already_decided'
  | 'already_reviewed'
  | 'not_pending'
  | 'not_active'
  | 'not_allowed'
  | 'extend_too_long'
  | 'extend_pending'
  | 'bad_input'
  /** Filing faster than the policy's `limits:` allow (src/domain/rate-limit.ts). */
  | 'rate_limited'
  /** As many requests awaiting approval as `limits.max_open_requests` allows. */
  | 'too_many_open'
  /** The policy file is invalid: the bot runs on the last good policy and takes no new requests. */
  | 'intake_closed';

/** What the person can do instead, for the chat layer to phrase. */
export type RefusalHint =
  /** The role needs a ticket: give one. */
  | { kind: 'add_ticket'; role: string }
  /** They hold this role already: extend that access instead. */
  | { kind: 'extend_instead'; role: string; requestId: RequestId }
  /** Their own request: withdraw (cancel) it rather than deny it. */
  | { kind: 'cancel_instead' }
  /** The role allows no break-glass: file a normal request. */
  | { kind: 'normal_request'; role: string }
  /** That access is over: ask for new access. */
  | { kind: 'new_request' }
  /** Too many requests waiting: withdraw one (the newest is named) or wait for a decision. */
  | { kind: 'cancel_open'; requestId: RequestId };

export class AccessError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly userMessage: string,
    readonly hint: RefusalHint | null = null,
  ) {
    super(`${code}: ${userMessage}`);
    this.name = 'AccessError';
  }
}

export function isAccessError(error: unknown): error is AccessError {
  return error instanceof AccessError;
}
