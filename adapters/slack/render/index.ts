/** Block Kit for the Slack adapter: the chat layer's message models as Slack JSON, and the modals. */
export { renderAnswer, renderHome, renderMessage, SECTION_MAX } from './message.ts';
export { toMrkdwn, slackDate } from './mrkdwn.ts';
export {
  requestModal,
  parseRequestModal,
  denyModal,
  parseDenyModal,
  extendModal,
  parseExtendModal,
  credentialsModal,
} from './modals.ts';
export {
  ACTION_IDS,
  CALLBACK_IDS,
  REQUEST_MODAL_FIELDS,
  DENY_MODAL_FIELDS,
  EXTEND_MODAL_FIELDS,
  parseRequestButtonValue,
  parseActionButtonValue,
  RUN_ACTION_ID_PATTERN,
} from './ids.ts';
export { escapeSlackText, escapeAndTruncate, truncate, mentionPerson, codePoints, isSlackUserId } from './text.ts';
export type { SlackMessage, SlackBlock, ModalView, HomeView } from './blocks.ts';
