/**
 * Every action_id, callback_id and block_id the Slack adapter renders and listens for. Button values carry
 * the request id only ("42"); listeners must load everything else from the core.
 */
import type { ActionKind } from '../../../src/chat/index.ts';
import { parseRequestIdValue, type RequestId } from '../../../src/domain/request-id.ts';
import { REQUEST_FORM_FIELDS } from '../../../src/chat/forms.ts';

export const ACTION_IDS = {
  approve: 'request_approve',
  deny: 'request_deny',
  cancel: 'request_cancel',
  expedite: 'request_expedite',
  openRequestModal: 'request_open_modal',
  revoke: 'grant_revoke',
  extendOpen: 'grant_extend_open',
  showCredentials: 'grant_show_credentials',
} as const;

/** The action id of each kind of button the chat layer's messages carry. */
export const ACTION_FOR: Record<ActionKind, string> = {
  approve: ACTION_IDS.approve,
  deny: ACTION_IDS.deny,
  cancel: ACTION_IDS.cancel,
  expedite: ACTION_IDS.expedite,
  open_request_form: ACTION_IDS.openRequestModal,
  revoke: ACTION_IDS.revoke,
  extend: ACTION_IDS.extendOpen,
  show_credentials: ACTION_IDS.showCredentials,
};

export const CALLBACK_IDS = {
  requestModal: 'request_access_modal',
  denyModal: 'request_deny_modal',
  extendModal: 'grant_extend_modal',
  credentialsModal: 'grant_credentials_modal',
  home: 'accessbot_home',
} as const;

/** Input blocks of the modals; block_id and action_id are the same string (use them for `response_action: 'errors'`). */
export const REQUEST_MODAL_FIELDS = REQUEST_FORM_FIELDS;

export const DENY_MODAL_FIELDS = { reason: 'reason' } as const;
export const EXTEND_MODAL_FIELDS = { duration: 'duration', reason: 'reason' } as const;

export const BREAK_GLASS_OPTION_VALUE = 'break_glass';

/** The value every request button carries: the request id, nothing else. */
export const requestButtonValue = (requestId: RequestId): string => String(requestId);

/** "42" → 42; anything else → null. Never trust more than the id from a button. */
export function parseRequestButtonValue(value: unknown): RequestId | null {
  return typeof value === 'string' ? parseRequestIdValue(value) : null;
}
