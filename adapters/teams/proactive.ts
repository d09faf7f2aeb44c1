/**
 * Messages accessbot sends on its own (cards, notices, audit posts, edits): a proactive turn on a stored
 * conversation reference (`continueConversationAsync`), and a new personal chat when accessbot has none with a
 * person yet (`createConversationAsync`, which Teams allows only where the app is installed for them). Errors
 * are thrown (the outbox retries; the connector client itself retries 429s briefly); a message Teams no longer
 * has is `gone`.
 */
import { TurnContext, type Activity, type CloudAdapter } from 'botbuilder';
import type { ConnectorClient } from 'botframework-connector';
import type { UpdateOutcome } from '../../src/chat/index.ts';
import { asConversationReference, type StoredReference } from './conversations.ts';
import { connectorStatus } from './identity.ts';
import type { CardActivity, TextActivity } from './render/card.ts';

/** An outgoing activity as the renderers build it. */
export type OutgoingActivity = CardActivity | TextActivity;

export class Proactive {
  constructor(
    private readonly adapter: CloudAdapter,
    /** The bot's app id ('' without one: the emulator). */
    private readonly appId: string,
    /** The audience of outgoing calls (the Bot Framework token scope). */
    private readonly audience: string,
  ) {}

  /** Run `work` in a proactive turn on this conversation (a channel thread when `conversationId` names one). */
  private async turn<T>(reference: StoredReference, work: (context: TurnContext) => Promise<T>, conversationId?: string): Promise<T> {
    let result: { value: T } | null = null;
    await this.adapter.continueConversationAsync(this.appId, asConversationReference(reference, conversationId), async (context) => {
      result = { value: await work(context) };
    });
    if (!result) throw new Error('the proactive turn did not run');
    return (result as { value: T }).value;
  }

  /** Post a message; returns its activity id. */
  async send(reference: StoredReference, activity: OutgoingActivity, conversationId?: string): Promise<string> {
    return this.turn(
      reference,
      async (context) => {
        // A new post (or, with a thread's conversation id, a reply in that thread): never a reply to the
        // proactive turn's own made-up activity id, which TurnContext.sendActivity would add.
        const client = context.turnState.get<ConnectorClient>(context.adapter.ConnectorClientKey);
        const conversation = context.activity.conversation;
        const sent = await client.conversations.sendToConversation(conversation.id, {
          ...(activity as Partial<Activity>),
          from: context.activity.recipient,
          conversation,
          serviceUrl: context.activity.serviceUrl,
          channelId: context.activity.channelId,
        } as Activity);
        if (!sent?.id) throw new Error('Teams accepted the message without an id');
        return sent.id;
      },
      conversationId,
    );
  }

  async update(reference: StoredReference, conversationId: string, activityId: string, activity: OutgoingActivity): Promise<UpdateOutcome> {
    try {
      await this.turn(reference, (context) => context.updateActivity({ ...(activity as Partial<Activity>), id: activityId }), conversationId);
      return 'updated';
    } catch (error) {
      if (connectorStatus(error) === 404) return 'gone';
      throw error;
    }
  }

  async delete(reference: StoredReference, conversationId: string, activityId: string): Promise<void> {
    await this.turn(reference, (context) => context.deleteActivity(activityId), conversationId);
  }

  /** Open a personal chat with a Teams user; returns how to reach it. */
  async openPersonalChat(tenant: { tenantId: string; serviceUrl: string; bot: { id: string; name?: string | undefined } }, userId: string): Promise<StoredReference> {
    let created: StoredReference | null = null;
    await this.adapter.createConversationAsync(
      this.appId,
      'msteams',
      tenant.serviceUrl,
      this.audience,
      { isGroup: false, bot: { id: tenant.bot.id, name: tenant.bot.name ?? 'accessbot' }, members: [{ id: userId, name: '' }], tenantId: tenant.tenantId, channelData: { tenant: { id: tenant.tenantId } }, activity: undefined as never },
      async (context) => {
        const reference = TurnContext.getConversationReference(context.activity);
        const id = reference.conversation?.id;
        if (id) created = { serviceUrl: tenant.serviceUrl, channelId: 'msteams', bot: { id: tenant.bot.id, ...(tenant.bot.name ? { name: tenant.bot.name } : {}) }, conversation: { id, conversationType: 'personal', tenantId: tenant.tenantId, isGroup: false } };
      },
    );
    if (!created) throw new Error('Teams created no conversation');
    return created;
  }
}
