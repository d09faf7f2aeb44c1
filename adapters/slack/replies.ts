/**
 * Answers only the person who acted can see. Tried in order: the interaction's response_url (ephemeral),
 * chat.postEphemeral in the channel, a small modal (when a trigger is at hand, e.g. a click in App Home), and
 * finally a DM. The first that Slack accepts wins.
 */
import type { RespondFn } from '@slack/bolt';
import type { SlackBlock } from './render/index.ts';
import { section } from './render/blocks.ts';
import { truncate } from './render/text.ts';
import type { SlackServices } from './services.ts';

export interface PrivateTarget {
  userId: string;
  channelId?: string | null | undefined;
  respond?: RespondFn | undefined;
  triggerId?: string | null | undefined;
}

export interface PrivateMessage {
  text: string;
  blocks?: SlackBlock[];
}

/** A modal that just says something, for clicks that have no channel to answer in. */
export function noticeModal(message: PrivateMessage) {
  return {
    type: 'modal' as const,
    title: { type: 'plain_text' as const, text: 'accessbot' },
    close: { type: 'plain_text' as const, text: 'OK' },
    blocks: message.blocks ?? [section(truncate(message.text, 3000))],
  };
}

export async function replyPrivately(s: Pick<SlackServices, 'client' | 'log'>, target: PrivateTarget, message: PrivateMessage): Promise<void> {
  const attempts: [string, () => Promise<unknown>][] = [];
  if (target.respond) {
    const respond = target.respond;
    attempts.push(['response_url', () => respond({ response_type: 'ephemeral', replace_original: false, text: message.text, ...(message.blocks ? { blocks: message.blocks } : {}) })]);
  }
  if (target.channelId) {
    const channel = target.channelId;
    attempts.push(['chat.postEphemeral', () => s.client.chat.postEphemeral({ channel, user: target.userId, text: message.text, ...(message.blocks ? { blocks: message.blocks } : {}) })]);
  }
  if (target.triggerId) {
    const trigger = target.triggerId;
    attempts.push(['views.open', () => s.client.views.open({ trigger_id: trigger, view: noticeModal(message) })]);
  }
  attempts.push(['dm', () => s.client.chat.postMessage({ channel: target.userId, text: message.text, ...(message.blocks ? { blocks: message.blocks } : {}) })]);
  for (const [how, attempt] of attempts) {
    try {
      await attempt();
      return;
    } catch (error) {
      s.log.warn({ how, err: error instanceof Error ? error.message : String(error) }, 'private reply failed; trying the next way');
    }
  }
}
