/** Block Kit rendering for the Slack adapter: pure functions from core views to Slack JSON. */
export { approvalCard, type RenderOptions } from './approval-card.ts';
export { threadMessage, type ThreadEvent } from './thread.ts';
export { requesterNotice, retiredNotice } from './requester-notice.ts';
export {
  requestModal,
  parseRequestModal,
  denyModal,
  parseDenyModal,
  extendModal,
  parseExtendModal,
  credentialsModal,
  ticketRequired,
  type RoleChoice,
  type RequestModalOptions,
  type RequestModalValues,
  type ExtendModalOptions,
} from './modals.ts';
export { homeView, HOME_ITEMS_PER_LIST, type HomeInput } from './home.ts';
export { auditAlert, digestMessage } from './audit.ts';
export { helpText, type HelpInput } from './help.ts';
export {
  ACTION_IDS,
  CALLBACK_IDS,
  REQUEST_MODAL_FIELDS,
  DENY_MODAL_FIELDS,
  EXTEND_MODAL_FIELDS,
  BREAK_GLASS_OPTION_VALUE,
  requestButtonValue,
  parseRequestButtonValue,
} from './ids.ts';
export { escapeSlackText, escapeAndTruncate, truncate, mentionPerson, memberLabel, actorLabel, codePoints } from './text.ts';
export { slackDate, formatInZone, relativeTo } from './time.ts';
export { statusText } from './describe.ts';
export type { SlackMessage, SlackBlock, ModalView, HomeView } from './blocks.ts';
