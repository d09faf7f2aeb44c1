/** The emulator's in-memory state: messages per channel, ephemeral replies, views, triggers. */
import { SlackApiError } from './errors.ts';
import type { SlackLimits } from './limits.ts';
import type { Workspace } from './workspace.ts';
import type { EmulatedMessage, EmulatedView, EphemeralMessage, ResponseUrlContext } from './types.ts';

export interface TeamInfo {
  id: string;
  domain: string;
  name: string;
}

export interface BotInfo {
  userId: string;
  botId: string;
  appId: string;
  name: string;
}

/** Trigger ids live 3 seconds and are exchanged once, as Slack documents. */
const TRIGGER_TTL_MS = 3000;
/** A response_url accepts 5 posts within 30 minutes. */
const RESPONSE_URL_USES = 5;
const RESPONSE_URL_TTL_MS = 30 * 60_000;

export class EmulatorStore {
  readonly messagesByChannel = new Map<string, EmulatedMessage[]>();
  readonly ephemerals: EphemeralMessage[] = [];
  readonly views: EmulatedView[] = [];
  private readonly homeByUser = new Map<string, EmulatedView>();
  private readonly triggers = new Map<string, { user: string | null; issuedAt: number }>();
  private readonly exchangedTriggers = new Set<string>();
  private readonly responseUrls = new Map<string, ResponseUrlContext & { uses: number; issuedAt: number }>();
  private lastTsMicros = 0;
  private viewSeq = 0;
  private triggerSeq = 0;
  private hashSeq = 0;

  constructor(
    readonly workspace: Workspace,
    readonly team: TeamInfo,
    readonly bot: BotInfo,
    readonly limits: Partial<SlackLimits>,
    readonly now: () => number,
  ) {}

  /** Slack message timestamps: "seconds.micros", unique and increasing. */
  nextTs(): string {
    const micros = Math.max(this.now() * 1000, this.lastTsMicros + 1);
    this.lastTsMicros = micros;
    const seconds = Math.floor(micros / 1_000_000);
    return `${seconds}.${String(micros % 1_000_000).padStart(6, '0')}`;
  }

  channelMessages(channel: string): EmulatedMessage[] {
    let list = this.messagesByChannel.get(channel);
    if (!list) {
      list = [];
      this.messagesByChannel.set(channel, list);
    }
    return list;
  }

  findMessage(channel: string, ts: string): EmulatedMessage {
    const message = this.messagesByChannel.get(channel)?.find((m) => m.ts === ts && !m.deleted);
    if (!message) throw new SlackApiError('message_not_found');
    return message;
  }

  newViewId(): string {
    this.viewSeq += 1;
    return `V${String(this.viewSeq).padStart(10, '0')}`;
  }

  /** Every view revision gets a new hash; views.update with a stale one answers hash_conflict. */
  newHash(): string {
    this.hashSeq += 1;
    return `${Math.floor(this.now() / 1000)}.${this.hashSeq.toString(36).padStart(8, '0')}`;
  }

  /** A trigger id the emulator will recognise (3 s life, one exchange), as Slack issues with interactions. */
  issueTrigger(user: string | null): string {
    this.triggerSeq += 1;
    const id = `${this.triggerSeq}${Math.floor(this.now() / 1000)}.${this.team.id.replace(/\D/g, '') || '1'}.${this.triggerSeq.toString(16).padStart(32, '0')}`;
    this.triggers.set(id, { user, issuedAt: this.now() });
    return id;
  }

  /** Exchange a trigger for opening or pushing a view. Unknown triggers are accepted with no known user. */
  exchangeTrigger(triggerId: unknown): string | null {
    if (typeof triggerId !== 'string' || triggerId.trim() === '') throw new SlackApiError('invalid_trigger_id');
    if (this.exchangedTriggers.has(triggerId)) throw new SlackApiError('exchanged_trigger_id');
    const known = this.triggers.get(triggerId);
    if (known && this.now() - known.issuedAt > TRIGGER_TTL_MS) throw new SlackApiError('expired_trigger_id');
    this.exchangedTriggers.add(triggerId);
    return known?.user ?? null;
  }

  registerResponseUrl(id: string, context: ResponseUrlContext): void {
    this.responseUrls.set(id, { ...context, uses: 0, issuedAt: this.now() });
  }

  /** Count one use of a response_url; throws when it is used up or too old. */
  useResponseUrl(id: string): ResponseUrlContext {
    let entry = this.responseUrls.get(id);
    if (!entry) {
      entry = { uses: 0, issuedAt: this.now() };
      this.responseUrls.set(id, entry);
    }
    if (entry.uses >= RESPONSE_URL_USES || this.now() - entry.issuedAt > RESPONSE_URL_TTL_MS) throw new SlackApiError('used_url');
    entry.uses += 1;
    return entry;
  }

  homeView(user: string): EmulatedView | undefined {
    return this.homeByUser.get(user);
  }

  setHomeView(user: string, view: EmulatedView): void {
    this.homeByUser.set(user, view);
  }

  findView(viewId: unknown, externalId: unknown): EmulatedView | undefined {
    return this.views.find(
      (v) => (typeof viewId === 'string' && v.view.id === viewId) || (typeof externalId === 'string' && externalId !== '' && v.view.external_id === externalId),
    );
  }

  clear(): void {
    this.messagesByChannel.clear();
    this.ephemerals.length = 0;
    this.views.length = 0;
    this.homeByUser.clear();
    this.triggers.clear();
    this.exchangedTriggers.clear();
    this.responseUrls.clear();
  }
}
