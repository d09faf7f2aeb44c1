/**
 * Every refusal the core can give has a code and a message written for the person who asked.
 * Adapters render `userMessage` as is; `code` is for logs, metrics and tests.
 */
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
  | 'bad_input';

export class AccessError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly userMessage: string,
  ) {
    super(`${code}: ${userMessage}`);
    this.name = 'AccessError';
  }
}

export function isAccessError(error: unknown): error is AccessError {
  return error instanceof AccessError;
}
