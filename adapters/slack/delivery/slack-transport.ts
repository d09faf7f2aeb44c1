/**
 * The chat layer's transport on Slack's Web API: cards and audit posts with chat.postMessage, edits with
 * chat.update, thread replies under the card's ts, private messages as DMs to the Slack user id. Links never
 * unfurl. A message Slack no longer has (or will not let us edit) is `gone`; every other error is thrown, so
 * the outbox retries the notice later.
 */
import type { ChatTransport, MessageRef, UpdateOutcome, ChatMessage, RichText } from '../../../src/chat/index.ts';
import type { Person } from '../../../src/domain/identity.ts';
import { slackErrorCode } from '../identity.ts';
import { renderMessage, SECTION_MAX, toMrkdwn, truncate, isSlackUserId } from '../render/index.ts';
import type { WebClient } from '../services.ts';
import type { RequestId } from '../../../src/domain/request-id.ts';

/** Message metadata on each card, naming the request (for Slack-side automation and audits). */
export const REQUEST_METADATA_EVENT = 'accessbot_request';

const NO_UNFURL = { unfurl_links: false, unfurl_media: false } as const;
const GONE_ON_UPDATE = new Set(['message_not_found']);
const GONE_ON_RETIRE = new Set(['message_not_found', 'cant_update_message', 'channel_not_found']);

function posted(answer: { channel?: string; ts?: string }): MessageRef | null {
  return answer.channel && answer.ts ? { channel: answer.channel, messageId: answer.ts } : null;
}

export class SlackTransport implements ChatTransport {
  readonly platform = 'slack';

  constructor(private readonly client: WebClient) {}

  async postCard(channel: string, card: ChatMessage, requestId: RequestId): Promise<MessageRef> {
    const answer = await this.client.chat.postMessage({
      channel,
      ...renderMessage(card),
      ...NO_UNFURL,
      metadata: { event_type: REQUEST_METADATA_EVENT, event_payload: { request_id: requestId } },
    });
    const ref = posted(answer);
    if (!ref) throw new Error('chat.postMessage answered without channel and ts');
    return ref;
  }

  updateCard(card: MessageRef, message: ChatMessage): Promise<UpdateOutcome> {
    return this.update(card, message, GONE_ON_UPDATE);
  }

  async deleteCard(card: MessageRef): Promise<void> {
    await this.client.chat.delete({ channel: card.channel, ts: card.messageId });
  }

  async replyInThread(card: MessageRef, text: RichText): Promise<void> {
    await this.client.chat.postMessage({ channel: card.channel, thread_ts: card.messageId, text: truncate(toMrkdwn(text), SECTION_MAX), ...NO_UNFURL });
  }

  canNotify(person: Person): boolean {
    return isSlackUserId(person.slackId);
  }

  async notifyPerson(person: Person, message: ChatMessage): Promise<MessageRef | null> {
    if (!isSlackUserId(person.slackId)) return null;
    return posted(await this.client.chat.postMessage({ channel: person.slackId, ...renderMessage(message), ...NO_UNFURL }));
  }

  retireButtons(message: MessageRef, retired: ChatMessage): Promise<UpdateOutcome> {
    return this.update(message, retired, GONE_ON_RETIRE);
  }

  async postToAuditChannel(channel: string, message: ChatMessage): Promise<void> {
    await this.client.chat.postMessage({ channel, ...renderMessage(message), ...NO_UNFURL });
  }

  async linkTo(card: MessageRef): Promise<string | null> {
    const answer = await this.client.chat.getPermalink({ channel: card.channel, message_ts: card.messageId });
    return typeof answer.permalink === 'string' ? answer.permalink : null;
  }

  private async update(ref: MessageRef, message: ChatMessage, gone: ReadonlySet<string>): Promise<UpdateOutcome> {
    try {
      await this.client.chat.update({ channel: ref.channel, ts: ref.messageId, ...renderMessage(message) });
      return 'updated';
    } catch (error) {
      if (gone.has(slackErrorCode(error) ?? '')) return 'gone';
      throw error;
    }
  }
}
