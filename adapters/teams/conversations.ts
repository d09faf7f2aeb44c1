/**
 * Conversation references and known users, kept in the store through the chat layer's ChatAddresses, never
 * only in memory: cards and private messages go out proactively after a restart and from any replica.
 *
 *   ref:<conversation id>   how to reach a conversation (service URL, tenant, type, the bot's account)
 *   person:<aad object id>  the person's personal chat with accessbot (a conversation id)
 *   tenant:<tenant id>      the tenant's service URL and the bot's account, to reach a channel never seen yet
 *   user:<aad object id>    the Teams user id (for refresh.userIds and new chats), name, email as last resolved
 *
 * Captured on install and on every inbound activity; a personal chat is forgotten when the app is removed.
 */
import type { Activity, ConversationReference } from 'botbuilder';
import { z } from 'zod';
import type { AppContext } from '../../src/app/context.ts';
import { ChatAddresses } from '../../src/chat/index.ts';

const account = z.object({ id: z.string(), name: z.string().optional() });

const referenceSchema = z.object({
  serviceUrl: z.string(),
  channelId: z.string(),
  bot: account,
  conversation: z.object({
    id: z.string(),
    conversationType: z.string().optional(),
    tenantId: z.string().optional(),
    isGroup: z.boolean().optional(),
  }),
});
export type StoredReference = z.infer<typeof referenceSchema>;

const tenantSchema = z.object({ serviceUrl: z.string(), bot: account });
const personSchema = z.object({ conversationId: z.string() });

const userSchema = z.object({
  /** The Teams user id ("29:…"), what refresh.userIds and new conversations take. */
  id: z.string(),
  name: z.string().nullable(),
  /** Null for guests and when Teams gave no address accessbot trusts. */
  email: z.string().nullable(),
  tenantId: z.string().nullable(),
});
export type KnownUser = z.infer<typeof userSchema> & { aadObjectId: string };

/** "19:abc@thread.tacv2;messageid=123" → "19:abc@thread.tacv2" (a channel thread belongs to its channel). */
export const conversationOf = (id: string): string => id.split(';')[0]!;

/** The tenant of an activity (conversation first, channel data as Teams also sends it). */
export function tenantOf(activity: Partial<Activity>): string | null {
  const fromData = (activity.channelData as { tenant?: { id?: unknown } } | undefined)?.tenant?.id;
  return activity.conversation?.tenantId ?? (typeof fromData === 'string' ? fromData : null);
}

/** The channel an activity came from in a team ("19:…@thread.tacv2"), when it did. */
export function channelOf(activity: Partial<Activity>): string | null {
  const data = activity.channelData as { channel?: { id?: unknown }; team?: { id?: unknown } } | undefined;
  if (typeof data?.channel?.id === 'string') return data.channel.id;
  if (activity.conversation?.conversationType === 'channel' && activity.conversation.id) return conversationOf(activity.conversation.id);
  return null;
}

export class TeamsConversations {
  private readonly book: ChatAddresses;

  constructor(
    ctx: Pick<AppContext, 'store' | 'clock'>,
    /** The bot's own tenant (single-tenant registrations), preferred when a reference must be built. */
    private readonly homeTenant: string | null,
  ) {
    this.book = new ChatAddresses(ctx, 'teams');
  }

  /** Remember how to reach the conversation an activity came from (and, in a personal chat, whose it is). */
  async capture(activity: Partial<Activity>): Promise<void> {
    if (!activity.serviceUrl || !activity.conversation?.id || !activity.recipient?.id) return;
    const tenantId = tenantOf(activity);
    const bot = { id: activity.recipient.id, ...(activity.recipient.name ? { name: activity.recipient.name } : {}) };
    const type = activity.conversation.conversationType;
    const conversationId = channelOf(activity) ?? conversationOf(activity.conversation.id);
    const reference: StoredReference = {
      serviceUrl: activity.serviceUrl,
      channelId: activity.channelId ?? 'msteams',
      bot,
      conversation: { id: conversationId, ...(type ? { conversationType: type } : {}), ...(tenantId ? { tenantId } : {}), isGroup: type !== 'personal' },
    };
    await this.book.put(`ref:${conversationId}`, reference);
    if (tenantId) await this.book.put(`tenant:${tenantId}`, { serviceUrl: activity.serviceUrl, bot });
    const aad = activity.from?.aadObjectId;
    if (type === 'personal' && aad) await this.book.put(`person:${aad}`, { conversationId });
  }

  /** The app was removed from this conversation: a personal chat can no longer be written to. */
  async forget(activity: Partial<Activity>): Promise<void> {
    if (!activity.conversation?.id) return;
    const aad = activity.from?.aadObjectId;
    if (activity.conversation.conversationType === 'personal' && aad) await this.book.delete(`person:${aad}`);
    await this.book.delete(`ref:${channelOf(activity) ?? conversationOf(activity.conversation.id)}`);
  }

  /**
   * How to reach a conversation: as captured, or (for a channel named in the policy that accessbot has not
   * seen yet) built from its tenant's service URL. Null when accessbot has never heard from that tenant.
   */
  async reference(conversationId: string): Promise<StoredReference | null> {
    const id = conversationOf(conversationId);
    const stored = referenceSchema.safeParse(await this.book.get(`ref:${id}`));
    if (stored.success) return stored.data;
    const tenant = await this.anyTenant();
    if (!tenant) return null;
    return { serviceUrl: tenant.serviceUrl, channelId: 'msteams', bot: tenant.bot, conversation: { id, tenantId: tenant.tenantId, isGroup: true, ...(id.startsWith('19:') ? { conversationType: 'channel' } : {}) } };
  }

  /** The person's personal chat with accessbot, when they have one. */
  async personalChat(aadObjectId: string): Promise<StoredReference | null> {
    const pointer = personSchema.safeParse(await this.book.get(`person:${aadObjectId}`));
    if (!pointer.success) return null;
    const stored = referenceSchema.safeParse(await this.book.get(`ref:${pointer.data.conversationId}`));
    return stored.success ? stored.data : null;
  }

  /** A personal chat accessbot opened itself (the person has the app, but never wrote to it). */
  async rememberPersonalChat(aadObjectId: string, reference: StoredReference): Promise<void> {
    await this.book.put(`ref:${reference.conversation.id}`, reference);
    await this.book.put(`person:${aadObjectId}`, { conversationId: reference.conversation.id });
  }

  /** The tenant accessbot serves (its own for single-tenant bots, else the one it heard from). */
  async anyTenant(): Promise<{ tenantId: string; serviceUrl: string; bot: { id: string; name?: string | undefined } } | null> {
    if (this.homeTenant) {
      const home = tenantSchema.safeParse(await this.book.get(`tenant:${this.homeTenant}`));
      if (home.success) return { tenantId: this.homeTenant, ...home.data };
    }
    for (const { key, value } of await this.book.list('tenant:')) {
      const parsed = tenantSchema.safeParse(value);
      if (parsed.success) return { tenantId: key.slice('tenant:'.length), ...parsed.data };
    }
    return null;
  }

  async rememberUser(aadObjectId: string, user: Omit<KnownUser, 'aadObjectId'>): Promise<void> {
    await this.book.put(`user:${aadObjectId}`, user);
  }

  async user(aadObjectId: string): Promise<KnownUser | null> {
    const parsed = userSchema.safeParse(await this.book.get(`user:${aadObjectId}`));
    return parsed.success ? { ...parsed.data, aadObjectId } : null;
  }

  async users(): Promise<KnownUser[]> {
    return (await this.book.list('user:')).flatMap(({ key, value }) => {
      const parsed = userSchema.safeParse(value);
      return parsed.success ? [{ ...parsed.data, aadObjectId: key.slice('user:'.length) }] : [];
    });
  }
}

/** A stored reference as botbuilder takes it for a proactive turn (no activity id: posts start new threads). */
export function asConversationReference(reference: StoredReference, conversationId = reference.conversation.id): Partial<ConversationReference> {
  return { serviceUrl: reference.serviceUrl, channelId: reference.channelId, bot: { id: reference.bot.id, name: reference.bot.name ?? 'accessbot' }, conversation: { ...reference.conversation, id: conversationId, isGroup: reference.conversation.isGroup ?? true, conversationType: reference.conversation.conversationType ?? 'channel', name: '' } };
}
