/**
 * Private answers to the person who typed a command or pressed a button: what was filed, what they hold, what
 * waits for them, what their click did. A message with no blocks is a plain one-paragraph answer.
 */
import { formatDuration } from '../../domain/duration.ts';
import type { FilingOutcome, ReviewOutcome } from '../../domain/request-rules.ts';
import type { MyAccess } from '../../app/list-access.ts';
import type { RequestView } from '../../app/request-view.ts';
import { command, type ChatDialect } from '../dialect.ts';
import { approvalCount, approversText, at, refAndRole } from '../describe.ts';
import type { Block, ChatMessage } from '../message.ts';
import { bold, joinRich, mention, rich, type RichText } from '../rich-text.ts';
import { whoYouAre } from '../refusals.ts';
import { helpMessage, type HelpInput } from './help.ts';
import { endedItem } from './ended-grant.ts';
import { reviewItem } from './personal-view.ts';
import type { Person } from '../../domain/identity.ts';
import { type RequestId, requestRef } from '../../domain/request-id.ts';
import { expediteButton, waitingNote } from './waiting.ts';

export interface AnswerOptions {
  dialect: ChatDialect;
  /** Items shown per list (the platform's size limits decide); the rest are pointed to the personal view. */
  itemsPerList: number;
}

/** A plain answer: one paragraph, no blocks. */
export const plainAnswer = (summary: RichText): ChatMessage => ({ summary, blocks: [] });

export function filedAnswer(view: RequestView, outcome: FilingOutcome, dialect: ChatDialect): ChatMessage {
  const what = refAndRole(view);
  const duration = formatDuration(view.durationMs);
  if (outcome === 'break_glass') return plainAnswer(rich('🚨 Break-glass ', what, ` for ${duration}: access is being set up now. The auditors were notified.`));
  if (outcome === 'auto_approved') return plainAnswer(rich('⚡ ', what, ` for ${duration} was auto-approved. Setting up access; I'll DM you when it is ready.`));
  const approvals = view.approvalsRequired === 1 ? 'an approval' : `${view.approvalsRequired} approvals`;
  return plainAnswer(rich('📨 Filed ', what, ` for ${duration}. Waiting for ${approvals} from `, approversText(view, dialect, 1000), ". I'll DM you when it is decided."));
}

export function extensionAnswer(view: RequestView, autoApproved: boolean, dialect: ChatDialect): ChatMessage {
  const duration = formatDuration(view.durationMs);
  return plainAnswer(
    autoApproved
      ? rich(`⏩ Extension ${view.ref} (+${duration}) was auto-approved.`)
      : rich(`📨 Asked to extend by ${duration} (${view.ref}). Waiting for approval from `, approversText(view, dialect, 1000), '.'),
  );
}

export const cancelledAnswer = (view: RequestView): ChatMessage => plainAnswer(rich(`🚫 Cancelled ${view.ref}.`));

/** After a revoke: from a command, who will hear when it is done; from a button, just that it is ending. */
export function revokedAnswer(view: RequestView, tell: 'holder' | 'someone else' | null): ChatMessage {
  if (tell === null) return plainAnswer(rich(`⏹️ Ending ${view.ref} now.`));
  return plainAnswer(rich(`⏹️ Ending ${view.ref} now; `, tell === 'holder' ? "you'll get a DM" : rich(mention(view.requester), ' gets a DM'), ' when the access is gone.'));
}

export function approvedAnswer(requestId: RequestId, outcome: ReviewOutcome): ChatMessage {
  const ref = requestRef(requestId);
  return plainAnswer(
    rich(outcome.kind === 'recorded' ? `👍 You approved ${ref}; ${outcome.remaining} more approval${outcome.remaining === 1 ? '' : 's'} needed.` : `✅ You approved ${ref}.`),
  );
}

/** Who is asking, on this platform: what an admin needs when the policy does not know them yet. */
export interface Asker {
  person: Person;
  userId: string;
}

/** Help; for someone who may request nothing yet, with who they are for an admin. */
export function helpAnswer(input: HelpInput, asker?: Asker): ChatMessage {
  const help = helpMessage(input);
  return plainAnswer(asker && input.roles.length === 0 ? rich(help, `\n${whoYouAre(asker.person, asker.userId, input.dialect)}`) : help);
}

/** Asked for the request form while allowed no role. */
export const noRolesAnswer = (asker: Asker, dialect: ChatDialect): ChatMessage => plainAnswer(rich(`You may not request any role yet. ${whoYouAre(asker.person, asker.userId, dialect)}`));

export const notAnApproverAnswer = (): ChatMessage => plainAnswer(rich('You are not an approver for any role, so no requests wait for your review.'));

export const staleButtonAnswer = (dialect: ChatDialect): ChatMessage =>
  plainAnswer(rich('That button does not point at a request any more. Use ', command(dialect, 'access'), ' to see yours.'));

function limited(views: RequestView[], opts: AnswerOptions, item: (view: RequestView) => Block[]): Block[] {
  const blocks = views.slice(0, opts.itemsPerList).flatMap(item);
  if (views.length > opts.itemsPerList) blocks.push({ type: 'note', text: rich(`…and ${views.length - opts.itemsPerList} more: see the accessbot ${opts.dialect.personalView}.`) });
  return blocks;
}

function grantItem(view: RequestView): Block[] {
  const grant = view.grant;
  const state =
    grant?.status === 'active'
      ? rich('🟢 until ', at(view, grant.expiresAt))
      : grant?.status === 'granting'
        ? rich('⏳ being set up')
        : grant?.overdue
          ? rich('⚠️ revoke overdue, still retrying')
          : rich('⏳ being removed');
  const blocks: Block[] = [{ type: 'paragraph', text: rich(refAndRole(view), ' · ', state) }];
  if (grant?.status === 'active') {
    blocks.push({
      type: 'buttons',
      id: `mine_${view.id}`,
      buttons: [
        { action: 'extend', requestId: view.id, label: 'Extend' },
        { action: 'revoke', requestId: view.id, label: 'Revoke', style: 'danger' },
      ],
    });
  }
  return blocks;
}

function pendingItem(view: RequestView): Block[] {
  const size = view.kind === 'extend' ? `extend by ${formatDuration(view.durationMs)}` : formatDuration(view.durationMs);
  return [
    { type: 'paragraph', text: rich(refAndRole(view), ` · ${size} · approvals ${approvalCount(view)} · lapses `, at(view, view.lapsesAt)) },
    ...waitingNote(view),
    { type: 'buttons', id: `mine_pending_${view.id}`, buttons: [{ action: 'cancel', requestId: view.id, label: 'Cancel' }, ...expediteButton(view)] },
  ];
}

export function myAccessAnswer(mine: MyAccess, opts: AnswerOptions): ChatMessage {
  const cmd = (words: string) => command(opts.dialect, words);
  const ended = mine.ended ?? [];
  if (mine.active.length === 0 && mine.pending.length === 0 && ended.length === 0) {
    return plainAnswer(rich('You have no active access and no pending requests. Ask for some with ', cmd('request-access'), '.'));
  }
  const blocks: Block[] = [];
  if (mine.active.length) blocks.push({ type: 'paragraph', text: rich(bold('Your access')) }, ...limited(mine.active, opts, grantItem));
  if (mine.pending.length) blocks.push({ type: 'paragraph', text: rich(bold('Your pending requests')) }, ...limited(mine.pending, opts, pendingItem));
  if (ended.length) blocks.push({ type: 'paragraph', text: rich(bold('Recently ended')) }, ...limited(ended, opts, endedItem));
  blocks.push({ type: 'note', text: joinRich([cmd('access revoke AR-42'), cmd('access extend AR-42 30m'), cmd('access cancel AR-42')].map((c) => rich(c)), ' · ') });
  return { summary: rich(`You have ${mine.active.length} active and ${mine.pending.length} pending.`), blocks };
}

export function awaitingReviewAnswer(views: RequestView[], opts: AnswerOptions): ChatMessage {
  if (views.length === 0) return plainAnswer(rich('Nothing waits for your review.'));
  return {
    summary: rich(`${views.length} request${views.length === 1 ? '' : 's'} wait for your review.`),
    blocks: [{ type: 'paragraph', text: rich(bold('Waiting for your review')) }, ...limited(views, opts, (view) => reviewItem(view, { buttons: `review_${view.id}` }))],
  };
}
