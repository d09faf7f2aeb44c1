/**
 * The platform-neutral chat layer: the command grammar, the message models (and the rich text they are
 * written in), refusals, delivery orchestration and personal views. A chat adapter supplies a dialect, a
 * transport (ChatTransport), an identity lookup and renderers for these models; it needs nothing else.
 */
export type { ChatDialect } from './dialect.ts';
export { command, commandText } from './dialect.ts';
export * from './rich-text.ts';
export type { ActionKind, Block, Button, ChatMessage, Confirm, PersonalView } from './message.ts';
export { buttonsOf, withoutButtons } from './message.ts';
export { parseAccess, parseMessage, parseRequestAccess, type AccessCommand, type CommandProblem, type FileRequestCommand, type MessageCommand, type RequestAccessCommand } from './grammar.ts';
export { describeProblem } from './problems.ts';
export { refusalOf, SOMETHING_WENT_WRONG, whoYouAre, type RefusalContext, type Surface } from './refusals.ts';
export { at, roleOnResource } from './describe.ts';
export { approvalCard, PARAGRAPH_MAX, type RenderOptions } from './messages/approval-card.ts';
export { threadEventOf, threadStep, type ThreadEvent } from './messages/thread.ts';
export { buttonsLiveWhile, requesterNotice, retiredNotice, type ButtonsLive } from './messages/requester-notice.ts';
export { auditAlert, digestMessage } from './messages/audit.ts';
export { helpMessage, NO_ROLES, ticketRequired, type HelpInput, type RoleChoice } from './messages/help.ts';
export { personalView, type PersonalViewInput } from './messages/personal-view.ts';
export * from './messages/answers.ts';
export { expeditedAnswer, expediteButton, waitingLine } from './messages/waiting.ts';
export { actionButtons, actionRunAnswer, actionThreadLine, runActionReply } from './messages/action-run.ts';
export { ChatDelivery, type ChatDeliveryOptions } from './delivery/chat-delivery.ts';
export type { ChatTransport, MessageRef, UpdateOutcome } from './delivery/transport.ts';
export { SeenDeliveries } from './inbound.ts';
export { PersonalViews, type PersonalViewSurface } from './personal-views.ts';
export { formatInZone, relativeTo } from './time.ts';
export { durationField, FORM_WORDS, requestFieldOf, type RequestFormField } from './forms.ts';
export { ChatAddresses } from './addresses.ts';
export { fileParsedRequest } from './file-request.ts';
export { CHAT_WORK_BUDGET, WorkBudget, type WaitOutcome, type WorkBudgetOptions } from './work-budget.ts';
