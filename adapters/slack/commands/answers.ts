/**
 * Ephemeral answers to /request-access and /access: what was filed, what you hold, what waits for you.
 * Built from core views with the shared render helpers; everything a person typed is escaped there.
 */
import { formatDuration } from '../../../src/domain/duration.ts';
import type { FilingOutcome } from '../../../src/domain/request-rules.ts';
import type { MyAccess } from '../../../src/app/list-access.ts';
import type { RequestView } from '../../../src/app/request-view.ts';
import { actions, button, context, section, type SlackBlock } from '../render/blocks.ts';
import { approvalCount, approversText, date, roleOnResource } from '../render/describe.ts';
import { ACTION_IDS, requestButtonValue } from '../render/ids.ts';
import { escapeAndTruncate, mentionPerson, oneLine, truncate } from '../render/text.ts';
import type { PrivateMessage } from '../replies.ts';

/** Ephemeral messages hold 50 blocks; lists show this many items per list (≤ 2 blocks each) and point to App Home. */
const MAX_ITEMS = 10;

const what = (view: RequestView): string => `${view.ref} ${roleOnResource(view)}`;

export function filedAnswer(view: RequestView, outcome: FilingOutcome): PrivateMessage {
  const text =
    outcome === 'break_glass'
      ? `🚨 Break-glass ${what(view)} for ${formatDuration(view.durationMs)}: access is being set up now. The auditors were notified.`
      : outcome === 'auto_approved'
        ? `⚡ ${what(view)} for ${formatDuration(view.durationMs)} was auto-approved. Setting up access; I'll DM you when it is ready.`
        : `📨 Filed ${what(view)} for ${formatDuration(view.durationMs)}. Waiting for ${view.approvalsRequired === 1 ? 'an approval' : `${view.approvalsRequired} approvals`} from ${approversText(view, 1000)}. I'll DM you when it is decided.`;
  return { text: truncate(text, 3000) };
}

export function extensionAnswer(view: RequestView, autoApproved: boolean): PrivateMessage {
  return {
    text: autoApproved
      ? `⏩ Extension ${view.ref} (+${formatDuration(view.durationMs)}) was auto-approved.`
      : `📨 Asked to extend by ${formatDuration(view.durationMs)} (${view.ref}). Waiting for approval from ${truncate(approversText(view, 1000), 1200)}.`,
  };
}

function limited(views: RequestView[], item: (view: RequestView) => SlackBlock[]): SlackBlock[] {
  const blocks = views.slice(0, MAX_ITEMS).flatMap(item);
  if (views.length > MAX_ITEMS) blocks.push(context(`…and ${views.length - MAX_ITEMS} more: see the accessbot App Home.`));
  return blocks;
}

function grantItem(view: RequestView): SlackBlock[] {
  const grant = view.grant;
  const value = requestButtonValue(view.id);
  const state =
    grant?.status === 'active'
      ? `🟢 until ${date(view, grant.expiresAt)}`
      : grant?.status === 'granting'
        ? '⏳ being set up'
        : grant?.overdue
          ? '⚠️ revoke overdue, still retrying'
          : '⏳ being removed';
  const blocks: SlackBlock[] = [section(`${what(view)} · ${state}`)];
  if (grant?.status === 'active') blocks.push(actions(`mine_${view.id}`, button('Extend', ACTION_IDS.extendOpen, value), button('Revoke', ACTION_IDS.revoke, value, 'danger')));
  return blocks;
}

function pendingItem(view: RequestView): SlackBlock[] {
  const size = view.kind === 'extend' ? `extend by ${formatDuration(view.durationMs)}` : formatDuration(view.durationMs);
  return [
    section(`${what(view)} · ${size} · approvals ${approvalCount(view)} · lapses ${date(view, view.lapsesAt)}`),
    actions(`mine_pending_${view.id}`, button('Cancel', ACTION_IDS.cancel, requestButtonValue(view.id))),
  ];
}

export function myAccessAnswer(mine: MyAccess): PrivateMessage {
  if (mine.active.length === 0 && mine.pending.length === 0) {
    return { text: 'You have no active access and no pending requests. Ask for some with `/request-access`.' };
  }
  const blocks: SlackBlock[] = [];
  if (mine.active.length) blocks.push(section('*Your access*'), ...limited(mine.active, grantItem));
  if (mine.pending.length) blocks.push(section('*Your pending requests*'), ...limited(mine.pending, pendingItem));
  blocks.push(context('`/access revoke AR-42` · `/access extend AR-42 30m` · `/access cancel AR-42`'));
  return { text: `You have ${mine.active.length} active and ${mine.pending.length} pending.`, blocks };
}

function reviewItem(view: RequestView): SlackBlock[] {
  const value = requestButtonValue(view.id);
  const asks = view.kind === 'extend' ? `to extend ${roleOnResource(view)} by` : `${roleOnResource(view)} for`;
  const flags = [view.breakGlass ? '🚨 break-glass' : null, view.ticket ? `ticket ${escapeAndTruncate(oneLine(view.ticket), 100)}` : null].filter(Boolean).join(' · ');
  const text = `${mentionPerson(view.requester)} wants ${asks} ${formatDuration(view.durationMs)} · ${view.ref}${flags ? ` · ${flags}` : ''}\n>${escapeAndTruncate(oneLine(view.reason), 500)}\napprovals ${approvalCount(view)} · lapses ${date(view, view.lapsesAt)}`;
  return [section(truncate(text, 3000)), actions(`review_${view.id}`, button('Approve', ACTION_IDS.approve, value, 'primary'), button('Deny', ACTION_IDS.deny, value, 'danger'))];
}

export function awaitingReviewAnswer(views: RequestView[]): PrivateMessage {
  if (views.length === 0) return { text: 'Nothing waits for your review.' };
  return { text: `${views.length} request${views.length === 1 ? '' : 's'} wait for your review.`, blocks: [section('*Waiting for your review*'), ...limited(views, reviewItem)] };
}
