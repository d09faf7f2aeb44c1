/**
 * ChatPort for Slack: turns each notice from the outbox into what people see — the approval card (posted once,
 * then updated in place), a reply in the card's thread, a DM to the requester, and posts to the audit channel.
 * Everything is rendered from the request's current state, so a late or repeated delivery shows the truth.
 * Throwing makes the outbox retry later; steps that already went out are not repeated (see StepLedger).
 */
import type { AppContext } from '../../../src/app/context.ts';
import type { ChatPort, Notice } from '../../../src/app/ports.ts';
import type { RequestView } from '../../../src/app/request-view.ts';
import type { Logger } from '../../../src/logging.ts';
import type { HomeTabs } from '../home.ts';
import { withApproverMentions } from '../approver-mentions.ts';
import { slackErrorCode, type SlackDirectory } from '../identity.ts';
import { approvalCard, auditAlert, digestMessage, requesterNotice, retiredNotice, threadMessage, type SlackBlock, type SlackMessage, type ThreadEvent } from '../render/index.ts';
import { isSlackUserId } from '../render/text.ts';
import type { WebClient } from '../services.ts';
import { CardStore, type CardRef } from './card-store.ts';
import { buttonsLiveWhile, DmButtons } from './dm-buttons.ts';
import { StepLedger } from './step-ledger.ts';

export const REQUEST_METADATA_EVENT = 'accessbot_request';

/** What goes into the card's thread for a notice, if anything. */
export function threadEventOf(notice: Notice): ThreadEvent | null {
  switch (notice.type) {
    case 'request.reviewed':
      if (notice.decision === 'deny') return 'denied';
      return notice.final ? 'approved' : 'approval';
    case 'request.closed':
      return notice.status;
    case 'grant.changed':
      return notice.event === 'expiring_soon' ? null : notice.event;
    default:
      return null;
  }
}

export class SlackChatPort implements ChatPort {
  readonly platform = 'slack';
  private readonly cards: CardStore;
  private readonly ledger: StepLedger;
  private readonly dmButtons: DmButtons;
  private readonly warned = new Set<string>();

  constructor(
    private readonly ctx: AppContext,
    private readonly client: WebClient,
    private readonly homes: HomeTabs,
    private readonly log: Logger,
    private readonly directory: SlackDirectory,
  ) {
    const now = () => ctx.clock.now();
    this.cards = new CardStore(ctx.store, now);
    this.ledger = new StepLedger(ctx.store, now);
    this.dmButtons = new DmButtons(ctx.store, now);
  }

  async deliver(notice: Notice, current: RequestView | null): Promise<void> {
    if (notice.type === 'audit.alert') return this.postToAudit(StepLedger.keyOf([notice]), auditAlert(notice, current));
    if (notice.type === 'digest') return this.postToAudit(StepLedger.keyOf([notice]), digestMessage(notice));
    if (!current) {
      this.log.warn({ notice: notice.type, requestId: notice.requestId }, 'notice for a request that does not exist; nothing to show');
      return;
    }
    // "Who can approve" is shown only while a request waits: then approvers named by email become @-mentions.
    const view = current.status === 'pending' ? await withApproverMentions(this.directory, current) : current;
    const key = StepLedger.keyOf([notice, notice.type === 'grant.changed' ? (view.grant?.expiresAt ?? null) : null]);
    const now = this.ctx.clock.now();
    const card = await this.syncCard(view, now);
    const event = threadEventOf(notice);
    if (card && event) {
      await this.ledger.once(key, 'thread', async () => {
        const text = threadMessage(view, event, { now, reviewer: notice.type === 'request.reviewed' ? notice.reviewer : null });
        await this.client.chat.postMessage({ channel: card.channel, thread_ts: card.ts, text, unfurl_links: false, unfurl_media: false });
      });
    }
    const dm = requesterNotice(view, notice, { now });
    const holder = view.requester.slackId;
    if (dm && isSlackUserId(holder)) {
      await this.ledger.once(key, 'dm', async () => {
        const posted = await this.client.chat.postMessage({ channel: holder, text: dm.text, blocks: dm.blocks, unfurl_links: false, unfurl_media: false });
        const live = buttonsLiveWhile(dm.blocks);
        if (live && posted.channel && posted.ts) {
          await this.dmButtons.remember(view.id, { channel: posted.channel, ts: posted.ts, live, text: dm.text, blocks: dm.blocks.filter((b) => b.type !== 'actions') });
        }
      });
    }
    await this.retireDmButtons(view);
    this.homes.refreshAround(view);
  }

  /** Take the buttons off the requester's DMs that no longer apply (Cancel on a decided request, Extend on ended access). Best effort. */
  private async retireDmButtons(view: RequestView): Promise<void> {
    for (const dm of await this.dmButtons.stale(view)) {
      const message = retiredNotice({ text: dm.text, blocks: dm.blocks as SlackBlock[] }, view, dm.live);
      try {
        await this.client.chat.update({ channel: dm.channel, ts: dm.ts, text: message.text, blocks: message.blocks });
        await this.dmButtons.forget(view.id, dm);
      } catch (error) {
        const code = slackErrorCode(error);
        this.log.warn({ requestId: view.id, err: code ?? (error instanceof Error ? error.message : String(error)) }, 'could not take the old buttons off a DM');
        if (code === 'message_not_found' || code === 'cant_update_message' || code === 'channel_not_found') await this.dmButtons.forget(view.id, dm);
      }
    }
  }

  /** Post the card once, then keep it current with chat.update. Returns where it is, or null without a channel. */
  private async syncCard(view: RequestView, now: number): Promise<CardRef | null> {
    const message = approvalCard(view, { now });
    const existing = await this.cards.find(view.id);
    if (existing) {
      try {
        await this.client.chat.update({ channel: existing.channel, ts: existing.ts, text: message.text, blocks: message.blocks });
      } catch (error) {
        if (slackErrorCode(error) !== 'message_not_found') throw error;
        this.log.warn({ requestId: view.id, channel: existing.channel }, 'the approval card was deleted in Slack; not re-posting it');
        return null;
      }
      return existing;
    }
    const channel = this.ctx.policy.channels.approvals?.slack;
    if (!channel) {
      this.warnOnce('approvals', 'policy channels.approvals.slack is not set: approval cards are not posted (approvers can still use App Home and /access pending)');
      return null;
    }
    const posted = await this.client.chat.postMessage({
      channel,
      text: message.text,
      blocks: message.blocks,
      unfurl_links: false,
      unfurl_media: false,
      metadata: { event_type: REQUEST_METADATA_EVENT, event_payload: { request_id: view.id } },
    });
    if (!posted.channel || !posted.ts) throw new Error('chat.postMessage answered without channel and ts');
    const mine = { channel: posted.channel, ts: posted.ts };
    const kept = await this.cards.remember(view.id, mine);
    if (kept.ts !== mine.ts || kept.channel !== mine.channel) {
      // Another delivery posted the card first: drop ours and update theirs.
      await this.client.chat.delete({ channel: mine.channel, ts: mine.ts }).catch(() => undefined);
      await this.client.chat.update({ channel: kept.channel, ts: kept.ts, text: message.text, blocks: message.blocks });
    }
    return kept;
  }

  private async postToAudit(key: string, message: SlackMessage): Promise<void> {
    const channel = this.ctx.policy.channels.audit?.slack;
    if (!channel) {
      this.warnOnce('audit', 'policy channels.audit.slack is not set: audit alerts and digests are not posted to Slack');
      return;
    }
    await this.ledger.once(key, 'audit', async () => {
      await this.client.chat.postMessage({ channel, text: message.text, blocks: message.blocks, unfurl_links: false, unfurl_media: false });
    });
  }

  private warnOnce(what: string, message: string): void {
    if (this.warned.has(what)) return;
    this.warned.add(what);
    this.log.warn(message);
  }
}
