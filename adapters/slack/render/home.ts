/** The App Home tab: my access, my pending requests, and what waits for my review. */
import { formatDuration } from '../../../src/domain/duration.ts';
import type { RequestView } from '../../../src/app/request-view.ts';
import { actions, button, confirmDialog, context, divider, header, section, type HomeView, type SlackBlock } from './blocks.ts';
import { approvalCount, date, roleOnResource } from './describe.ts';
import { ACTION_IDS, CALLBACK_IDS, requestButtonValue } from './ids.ts';
import { escapeAndTruncate, mentionPerson, oneLine, truncate } from './text.ts';

export interface HomeInput {
  /** My grants that are active (or still being removed). */
  grants: RequestView[];
  /** My pending requests. */
  pending: RequestView[];
  /** Pending requests I may review. */
  toReview: RequestView[];
  now: number;
}

/** Items per list: 3 lists × (1 header + 15 × 2 blocks + 1 "more") + 2 dividers + 1 button row = 99 ≤ 100. */
export const HOME_ITEMS_PER_LIST = 15;

function list(title: string, items: RequestView[], empty: string, render: (view: RequestView) => SlackBlock[]): SlackBlock[] {
  const blocks: SlackBlock[] = [header(title)];
  if (items.length === 0) return [...blocks, context(empty)];
  for (const view of items.slice(0, HOME_ITEMS_PER_LIST)) blocks.push(...render(view));
  const more = items.length - HOME_ITEMS_PER_LIST;
  if (more > 0) blocks.push(context(`…and ${more} more — use \`/access\` to see them all.`));
  return blocks;
}

function grantItem(view: RequestView): SlackBlock[] {
  const grant = view.grant;
  const value = requestButtonValue(view.id);
  if (!grant || grant.status === 'revoking') {
    const state = grant?.overdue ? `⚠️ *Revoke overdue* — should have ended ${date(view, grant.expiresAt)}; still retrying` : '⏳ Being removed…';
    return [section(`${roleOnResource(view)} · ${view.ref}\n${state}`, `grant_${view.id}`)];
  }
  const active = grant.status === 'active';
  const line = active ? `🟢 Until ${date(view, grant.expiresAt)}` : '⏳ Being set up…';
  // Only the holder sees their Home, and the click is checked again: credentials may be offered here too.
  const buttons = [
    ...(active && grant.hasCredentials ? [button('Show credentials', ACTION_IDS.showCredentials, value, 'primary')] : []),
    ...(active ? [button('Extend', ACTION_IDS.extendOpen, value)] : []),
    button('Revoke', ACTION_IDS.revoke, value, 'danger', confirmDialog('End access now?', `${view.ref} ends immediately.`, 'Revoke', 'Keep it')),
  ];
  return [section(`${roleOnResource(view)} · ${view.ref}\n${line}`, `grant_${view.id}`), actions(`grant_actions_${view.id}`, ...buttons)];
}

function pendingItem(view: RequestView): SlackBlock[] {
  const what = view.kind === 'extend' ? `extend by ${formatDuration(view.durationMs)}` : formatDuration(view.durationMs);
  return [
    section(`${roleOnResource(view)} · ${view.ref} · ${what}\n⏳ Approvals ${approvalCount(view)} · lapses ${date(view, view.lapsesAt)}`, `pending_${view.id}`),
    actions(`pending_actions_${view.id}`, button('Cancel', ACTION_IDS.cancel, requestButtonValue(view.id))),
  ];
}

function reviewItem(view: RequestView): SlackBlock[] {
  const value = requestButtonValue(view.id);
  const what = view.kind === 'extend' ? `to extend ${roleOnResource(view)} by` : `${roleOnResource(view)} for`;
  const flags = [view.breakGlass ? '🚨 break-glass' : null, view.ticket ? `ticket ${escapeAndTruncate(oneLine(view.ticket), 100)}` : null].filter(Boolean).join(' · ');
  const text = `${mentionPerson(view.requester)} wants ${what} ${formatDuration(view.durationMs)} · ${view.ref}${flags ? ` · ${flags}` : ''}\n>${escapeAndTruncate(oneLine(view.reason), 500)}\nApprovals ${approvalCount(view)} · lapses ${date(view, view.lapsesAt)}`;
  return [
    section(truncate(text, 3000), `review_${view.id}`),
    actions(`review_actions_${view.id}`, button('Approve', ACTION_IDS.approve, value, 'primary'), button('Deny', ACTION_IDS.deny, value, 'danger')),
  ];
}

export function homeView(input: HomeInput): HomeView {
  return {
    type: 'home',
    callback_id: CALLBACK_IDS.home,
    blocks: [
      actions('home_actions', button('Request access', ACTION_IDS.openRequestModal, 'new', 'primary')),
      ...list('Your access', input.grants, 'No active access. Use `/request-access` or the button above.', grantItem),
      divider(),
      ...list('Your pending requests', input.pending, 'Nothing pending.', pendingItem),
      divider(),
      ...list('Waiting for your review', input.toReview, 'Nothing waits for you.', reviewItem),
    ],
  };
}
