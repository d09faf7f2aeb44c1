/**
 * The verbs of every Action.Execute the Teams adapter renders and handles, and the data they carry: the
 * request id only (and, from a form, what was typed). Handlers load everything else from the core.
 */
import type { ActionKind } from '../../../src/chat/index.ts';
import { REQUEST_FORM_FIELDS } from '../../../src/chat/forms.ts';

/** Verbs beyond the chat layer's button kinds: card refreshes and the forms' submit buttons. */
export const FORM_VERBS = {
  /** Teams asks for the card as this user should see it (refresh.userIds, or the Back button of a form). */
  refresh: 'refresh',
  /** The deny form's "Deny request" (the reason is in the data). */
  denyConfirm: 'deny_confirm',
  /** The extend form's submit. */
  extendConfirm: 'extend_confirm',
  /** The request form's submit. */
  fileRequest: 'file_request',
} as const;

export type Verb = ActionKind | (typeof FORM_VERBS)[keyof typeof FORM_VERBS];

const VERBS: ReadonlySet<string> = new Set<Verb>(['approve', 'deny', 'cancel', 'expedite', 'revoke', 'extend', 'show_credentials', 'open_request_form', 'run_action', ...Object.values(FORM_VERBS)]);

export const isVerb = (value: unknown): value is Verb => typeof value === 'string' && VERBS.has(value);

/** Where a card lives, carried in its buttons' data: the shared approval card answers with a per-person view. */
export type CardSurface = 'approval' | 'personal';

/** The input ids of the forms (their values arrive merged into the action's data). */
export const FORM_INPUTS = REQUEST_FORM_FIELDS;
