/**
 * The chat layer's transport on the Bot Connector: the approval card as an Adaptive Card posted proactively to
 * the approvals channel (with refresh.userIds while it waits) and updated in place; thread replies under it;
 * private messages in the person's personal chat with accessbot (opened by accessbot when the app is installed
 * for them but they never wrote); audit posts. References come from the store (TeamsConversations), so this
 * works after a restart and on any replica. A person accessbot cannot reach privately is logged, and the
 * approvers' channel is told once per request under the card.
 */
import type { AppContext } from '../../../src/app/context.ts';
import { loadRequestView } from '../../../src/app/request-view.ts';
import { buttonsOf, ChatAddresses, mention, rich, type ChatMessage, type ChatTransport, type MessageRef, type RichText, type UpdateOutcome } from '../../../src/chat/index.ts';
import type { Person } from '../../../src/domain/identity.ts';
import type { Logger } from '../../../src/logging.ts';
import type { ApprovalViews } from '../approval-views.ts';
import { conversationOf, type StoredReference, type TeamsConversations } from '../conversations.ts';
import type { Proactive } from '../proactive.ts';
import { cardActivity, renderCard, textActivity } from '../render/card.ts';
import type { RequestId } from '../../../src/domain/request-id.ts';

/** The conversation id of a reply in a channel thread. */
export const threadOf = (card: MessageRef): string => `${conversationOf(card.channel)};messageid=${card.messageId}`;

export class TeamsTransport implements ChatTransport {
  readonly platform = 'teams';
  private readonly notes: ChatAddresses;

  constructor(
    private readonly ctx: AppContext,
    private readonly conversations: TeamsConversations,
    private readonly views: ApprovalViews,
    private readonly proactive: Proactive,
    private readonly log: Logger,
  ) {
    this.notes = new ChatAddresses(ctx, 'teams');
  }

  async postCard(channel: string, card: ChatMessage, requestId: RequestId): Promise<MessageRef> {
    const reference = await this.channel(channel);
    const view = await loadRequestView(this.ctx.store, this.ctx.policy, requestId, this.ctx.clock.now());
    const content = await this.views.sharedCard(card, view);
    const id = await this.proactive.send(reference, cardActivity(content, card.summary));
    return { channel: reference.conversation.id, messageId: id };
  }

  async updateCard(card: MessageRef, message: ChatMessage): Promise<UpdateOutcome> {
    const reference = await this.channel(card.channel);
    const requestId = buttonsOf(message.blocks).find((b) => b.requestId !== null)?.requestId ?? null;
    const view = requestId === null ? null : await loadRequestView(this.ctx.store, this.ctx.policy, requestId, this.ctx.clock.now());
    const content = await this.views.sharedCard(message, view);
    return this.proactive.update(reference, reference.conversation.id, card.messageId, cardActivity(content, message.summary));
  }

  async deleteCard(card: MessageRef): Promise<void> {
    const reference = await this.channel(card.channel);
    await this.proactive.delete(reference, reference.conversation.id, card.messageId);
  }

  async replyInThread(card: MessageRef, text: RichText): Promise<void> {
    const reference = await this.channel(card.channel);
    await this.proactive.send(reference, textActivity(text), threadOf(card));
  }

  canNotify(person: Person): boolean {
    return Boolean(person.teamsId);
  }

  async notifyPerson(person: Person, message: ChatMessage): Promise<MessageRef | null> {
    if (!person.teamsId) return null;
    const reference = await this.personalChat(person.teamsId);
    if (!reference) {
      this.log.warn({ user: person.teamsId }, 'cannot message this person privately in Teams: accessbot is not installed for them');
      await this.tellApprovers(person, message);
      return null;
    }
    const id = await this.proactive.send(reference, cardActivity(renderCard(message, { surface: 'personal' }), message.summary));
    return { channel: reference.conversation.id, messageId: id };
  }

  async retireButtons(message: MessageRef, retired: ChatMessage): Promise<UpdateOutcome> {
    const reference = await this.conversations.reference(message.channel);
    if (!reference) return 'gone';
    return this.proactive.update(reference, message.channel, message.messageId, cardActivity(renderCard(retired, { surface: 'personal' }), retired.summary));
  }

  async postToAuditChannel(channel: string, message: ChatMessage): Promise<void> {
    const reference = await this.channel(channel);
    await this.proactive.send(reference, cardActivity(renderCard(message, { surface: 'personal' }), message.summary));
  }

  /** A channel's reference; throws (the outbox retries) until accessbot has heard from its tenant. */
  private async channel(channel: string): Promise<StoredReference> {
    const reference = await this.conversations.reference(channel);
    if (!reference) {
      throw new Error(`no Teams conversation reference for ${channel} yet: install accessbot in that channel's team (notices wait in the outbox)`);
    }
    return reference;
  }

  /** The person's personal chat: as stored, else opened now when Teams knows them (the app is installed for them). */
  private async personalChat(aadObjectId: string): Promise<StoredReference | null> {
    const stored = await this.conversations.personalChat(aadObjectId);
    if (stored) return stored;
    const user = await this.conversations.user(aadObjectId);
    const tenant = await this.conversations.anyTenant();
    if (!user || !tenant) return null;
    try {
      const opened = await this.proactive.openPersonalChat(tenant, user.id);
      await this.conversations.rememberPersonalChat(aadObjectId, opened);
      return opened;
    } catch (error) {
      this.log.warn({ user: aadObjectId, err: error instanceof Error ? error.message : String(error) }, 'Teams would not open a personal chat');
      return null;
    }
  }

  /** Say under the request's card, once, that its requester cannot be told privately. */
  private async tellApprovers(person: Person, message: ChatMessage): Promise<void> {
    const requestId = buttonsOf(message.blocks).find((b) => b.requestId !== null)?.requestId ?? null;
    if (requestId === null) return;
    const card = await this.ctx.store.cardRef(this.platform, requestId);
    if (!card || (await this.notes.get(`unreachable:${requestId}`)) !== null) return;
    await this.replyInThread(
      { channel: card.channel, messageId: card.messageId },
      rich('⚠️ I cannot message ', mention(person), ' privately in Teams: they have not added accessbot for themselves. They will not hear about this request from me here; please tell them.'),
    );
    await this.notes.put(`unreachable:${requestId}`, { at: this.ctx.clock.now() });
  }
}
