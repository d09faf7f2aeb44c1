/** The chat layer's message models rendered as Slack would post them, for Slack rendering tests. */
import type { Notice } from '../../src/app/ports.ts';
import type { RequestView } from '../../src/app/request-view.ts';
import { approvalCard, auditAlert, digestMessage, helpMessage, personalView, requesterNotice, retiredNotice, threadStep, type ButtonsLive, type ChatMessage, type HelpInput, type PersonalViewInput, type ThreadEvent } from '../../src/chat/index.ts';
import { ANSWER_ITEMS_PER_LIST, HOME_ITEMS_PER_LIST, SLACK_DIALECT } from '../../adapters/slack/dialect.ts';
import { renderHome, renderMessage, SECTION_MAX, toMrkdwn, truncate, type HomeView, type SlackMessage } from '../../adapters/slack/render/index.ts';

export { SLACK_DIALECT, ANSWER_ITEMS_PER_LIST, HOME_ITEMS_PER_LIST };

const opts = (now: number) => ({ now, dialect: SLACK_DIALECT });

export const slackCard = (view: RequestView, { now }: { now: number }): SlackMessage => renderMessage(approvalCard(view, opts(now)));

export const slackThread = (view: RequestView, event: ThreadEvent, { reviewer }: { now: number; reviewer?: string | null }): string =>
  truncate(toMrkdwn(threadStep(view, event, { reviewer: reviewer ?? null })), SECTION_MAX);

/** The model behind each rendered notice, so a test can retire a notice it rendered. */
const models = new WeakMap<SlackMessage, ChatMessage>();

export function slackNotice(view: RequestView, notice: Notice, { now }: { now: number }): SlackMessage | null {
  const model = requesterNotice(view, notice, opts(now));
  if (!model) return null;
  const message = renderMessage(model);
  models.set(message, model);
  return message;
}

export const slackRetired = (sent: SlackMessage, view: RequestView, live: ButtonsLive): SlackMessage => renderMessage(retiredNotice(models.get(sent)!, view, live));

export const slackHome = (input: Omit<PersonalViewInput, 'dialect' | 'itemsPerList'>): HomeView => renderHome(personalView({ ...input, dialect: SLACK_DIALECT, itemsPerList: HOME_ITEMS_PER_LIST }));

export const slackAlert = (notice: Extract<Notice, { type: 'audit.alert' }>, view: RequestView | null = null): SlackMessage => renderMessage(auditAlert(notice, view));

export const slackDigest = (notice: Extract<Notice, { type: 'digest' }>): SlackMessage => renderMessage(digestMessage(notice));

export const slackHelp = (input: Omit<HelpInput, 'dialect'>): string => truncate(toMrkdwn(helpMessage({ ...input, dialect: SLACK_DIALECT })), SECTION_MAX);
