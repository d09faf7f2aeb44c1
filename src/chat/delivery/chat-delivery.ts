/**
 * The ChatPort of every platform: turns each notice from the outbox into what people see — the approval card
 * (posted once, then updated in place), a reply in the card's thread, a private message to the requester (whose
 * buttons are retired once they no longer apply), and posts to the audit channel — through a platform's
 * transport. Everything is rendered from the request's current state, so a late or repeated delivery shows the
 * truth. Throwing makes the outbox retry later; steps that already went out are not repeated (StepLedger).
 */
import type { AppContext } from '../../app/context.ts';
import type { ChatPort, Notice } from '../../app/ports.ts';
import type { RequestView } from '../../app/request-view.ts';
import type { Logger } from '../../logging.ts';
import type { Person } from '../../domain/identity.ts';
import { roleNamed } from '../../domain/policy.ts';
import { commandText, type ChatDialect } from '../dialect.ts';
import { withoutButtons, type ChatMessage } from '../message.ts';
import { approvalCard } from '../messages/approval-card.ts';
import { auditAlert, digestMessage } from '../messages/audit.ts';
import { buttonsLiveWhile, requesterNotice, retiredNotice } from '../messages/requester-notice.ts';
import { threadEventOf, threadStep } from '../messages/thread.ts';
import { actionThreadLine } from '../messages/action-run.ts';
import { CardRegistry } from './card-registry.ts';
import { LiveButtons } from './live-buttons.ts';
import { StepLedger } from './step-ledger.ts';
import { deliverWaitingNotice } from './waiting-delivery.ts';
import { isWaitingNotice } from '../messages/waiting.ts';
import type { ChatTransport, MessageRef } from './transport.ts';

export interface ChatDeliveryOptions {
  ctx: AppContext;
  transport: ChatTransport;
  dialect: ChatDialect;
  log: Logger;
  /** Show approvers the policy names by email as mentions where the platform can (display only). */
  withMentions?: (view: RequestView) => Promise<RequestView>;
  /** Called after each delivery about a request: refresh the personal views that show it. Must not throw. */
  onRequestChanged?: (view: RequestView) => void;
  /** A policy member as a person this platform can message (reminders, escalation, expedite). */
  personFor?: (member: string) => Promise<Person>;
}

export class ChatDelivery implements ChatPort {
  readonly platform: string;
  private readonly ctx: AppContext;
  private readonly transport: ChatTransport;
  private readonly dialect: ChatDialect;
  private readonly log: Logger;
  private readonly cards: CardRegistry;
  private readonly ledger: StepLedger;
  private readonly liveButtons: LiveButtons;
  private readonly warned = new Set<string>();

  constructor(private readonly options: ChatDeliveryOptions) {
    ({ ctx: this.ctx, transport: this.transport, dialect: this.dialect, log: this.log } = options);
    this.platform = this.transport.platform;
    this.cards = new CardRegistry(this.ctx, this.platform);
    this.ledger = new StepLedger(this.ctx, this.platform);
    this.liveButtons = new LiveButtons(this.ctx, this.platform);
  }

  async deliver(notice: Notice, current: RequestView | null): Promise<void> {
    if (notice.type === 'audit.alert') return this.postToAudit(StepLedger.keyOf([notice]), auditAlert(notice, current));
    if (notice.type === 'digest') return this.postToAudit(StepLedger.keyOf([notice]), digestMessage(notice));
    if (!current) {
      this.log.warn({ notice: notice.type, requestId: notice.requestId }, 'notice for a request that does not exist; nothing to show');
      return;
    }
    // "Who can approve" is shown only while a request waits: then approvers named by email become mentions.
    const view = current.status === 'pending' && this.options.withMentions ? await this.options.withMentions(current) : current;
    const key = StepLedger.keyOf([notice, notice.type === 'grant.changed' ? (view.grant?.expiresAt ?? null) : null]);
    const opts = { now: this.ctx.clock.now(), dialect: this.dialect };
    const card = await this.syncCard(approvalCard(view, opts), view);
    if (card && notice.type === 'action.ran') await this.ledger.once(key, 'thread', () => this.transport.replyInThread(card, actionThreadLine(view, notice)));
    const event = threadEventOf(notice);
    if (card && event) {
      const reviewer = notice.type === 'request.reviewed' ? notice.reviewer : null;
      await this.ledger.once(key, 'thread', () => this.transport.replyInThread(card, threadStep(view, event, { reviewer })));
    }
    if (isWaitingNotice(notice)) {
      const { ledger, liveButtons, transport, dialect, log } = this;
      await deliverWaitingNotice({ transport, dialect, ledger, liveButtons, log, policy: this.ctx.policy, now: opts.now, ...(this.options.personFor && { personFor: this.options.personFor }) }, notice, view, card, key);
    }
    const message = requesterNotice(view, notice, opts);
    if (message && this.transport.canNotify(view.requester)) {
      await this.ledger.once(key, 'dm', async () => {
        const sent = await this.transport.notifyPerson(view.requester, message);
        const live = buttonsLiveWhile(message);
        if (live && sent) await this.liveButtons.remember(view.id, { ...sent, live, message: { summary: message.summary, blocks: withoutButtons(message.blocks) } });
      });
    }
    await this.retireButtons(view);
    this.options.onRequestChanged?.(view);
  }

  /** Take the buttons off the requester's messages that no longer apply (Cancel on a decided request, Extend on ended access). Best effort. */
  private async retireButtons(view: RequestView): Promise<void> {
    for (const sent of await this.liveButtons.stale(view)) {
      let outcome: 'updated' | 'gone' | 'failed';
      try {
        outcome = await this.transport.retireButtons(sent, retiredNotice(sent.message, view, sent.live));
      } catch (error) {
        this.log.warn({ requestId: view.id, err: error instanceof Error ? error.message : String(error) }, 'could not take the old buttons off a private message');
        outcome = 'failed';
      }
      if (outcome === 'gone') this.log.warn({ requestId: view.id }, 'a private message with old buttons is gone; forgetting it');
      if (outcome !== 'failed') await this.liveButtons.forget(view.id, sent);
    }
  }

  /** Post the card once, then keep it current. Returns where it is, or null without a channel (or once it was deleted). */
  private async syncCard(message: ChatMessage, view: RequestView): Promise<MessageRef | null> {
    const requestId = view.id;
    const existing = await this.cards.find(requestId);
    if (existing) {
      if ((await this.transport.updateCard(existing, message)) === 'updated') return existing;
      this.log.warn({ requestId, channel: existing.channel }, `the approval card was deleted in ${this.dialect.platformName}; not re-posting it`);
      return null;
    }
    // A role may route its cards to its own channel; otherwise the policy's approvals channel.
    const channel = (roleNamed(this.ctx.policy, view.role)?.approvalsChannel ?? this.ctx.policy.channels.approvals)?.[this.dialect.platform];
    if (!channel) {
      this.warnOnce(
        'approvals',
        `policy channels.approvals.${this.dialect.platform} is not set: approval cards are not posted (approvers can still use ${this.dialect.personalView} and ${commandText(this.dialect, 'access pending')})`,
      );
      return null;
    }
    const mine = await this.transport.postCard(channel, message, requestId);
    const kept = await this.cards.remember(requestId, mine);
    if (kept.messageId !== mine.messageId || kept.channel !== mine.channel) {
      // Another delivery posted the card first: drop ours and update theirs.
      await this.transport.deleteCard(mine).catch(() => undefined);
      await this.transport.updateCard(kept, message);
    }
    return kept;
  }

  private async postToAudit(key: string, message: ChatMessage): Promise<void> {
    const channel = this.ctx.policy.channels.audit?.[this.dialect.platform];
    if (!channel) {
      this.warnOnce('audit', `policy channels.audit.${this.dialect.platform} is not set: audit alerts and digests are not posted to ${this.dialect.platformName}`);
      return;
    }
    await this.ledger.once(key, 'audit', () => this.transport.postToAuditChannel(channel, message));
  }

  private warnOnce(what: string, message: string): void {
    if (this.warned.has(what)) return;
    this.warned.add(what);
    this.log.warn(message);
  }
}
