/** The personal view (Slack's App Home): my access, my pending requests, and what waits for my review. */
import { runActionButton } from './action-run.ts';
import { endedItem } from './ended-grant.ts';
import { formatDuration } from '../../domain/duration.ts';
import type { RequestView } from '../../app/request-view.ts';
import { command, type ChatDialect } from '../dialect.ts';
import { approvalCount, at, roleOnResource } from '../describe.ts';
import type { Block, Button, PersonalView } from '../message.ts';
import { bold, joinRich, mention, oneLine, quote, rich, text, type RichText } from '../rich-text.ts';
import { expediteButton, waitingNote } from './waiting.ts';

export interface PersonalViewInput {
  /** My grants that are active (or still being removed). */
  grants: RequestView[];
  /** My pending requests. */
  pending: RequestView[];
  /** My recently ended grants, with what happened during them (shown only when there are some). */
  ended?: RequestView[];
  /** Pending requests I may review. */
  toReview: RequestView[];
  now: number;
  dialect: ChatDialect;
  /** Items shown per list (the platform's size limits decide); the rest are counted. */
  itemsPerList: number;
}

/** "@alice wants *writer* on `orders-db` for 1h · AR-2 · ticket INC-9", the reason quoted, approvals so far; Approve / Deny. */
export function reviewItem(view: RequestView, ids: { text?: string; buttons: string }): Block[] {
  const asks = view.kind === 'extend' ? rich('to extend ', roleOnResource(view), ' by') : rich(roleOnResource(view), ' for');
  const flags = [view.breakGlass ? rich('🚨 break-glass') : null, view.ticket ? rich('ticket ', text(oneLine(view.ticket), 100)) : null].filter((f): f is RichText => f !== null);
  return [
    {
      type: 'paragraph',
      text: rich(mention(view.requester), ' wants ', asks, ` ${formatDuration(view.durationMs)} · ${view.ref}`, flags.length > 0 && ' · ', joinRich(flags, ' · '), '\n', quote(oneLine(view.reason), 500), `\nApprovals ${approvalCount(view)} · lapses `, at(view, view.lapsesAt)),
      ...(ids.text ? { id: ids.text } : {}),
    },
    {
      type: 'buttons',
      id: ids.buttons,
      buttons: [
        { action: 'approve', requestId: view.id, label: 'Approve', style: 'primary' },
        { action: 'deny', requestId: view.id, label: 'Deny', style: 'danger' },
      ],
    },
  ];
}

function grantItem(view: RequestView): Block[] {
  const grant = view.grant;
  if (!grant || grant.status === 'revoking') {
    const state = grant?.overdue ? rich('⚠️ ', bold('Revoke overdue'), ' — should have ended ', at(view, grant.expiresAt), '; still retrying') : rich('⏳ Being removed…');
    return [{ type: 'paragraph', text: rich(roleOnResource(view), ` · ${view.ref}\n`, state), id: `grant_${view.id}` }];
  }
  const active = grant.status === 'active';
  const line = active ? rich('🟢 Until ', at(view, grant.expiresAt)) : rich('⏳ Being set up…');
  // Only the holder sees their own view, and the click is checked again: credentials may be offered here too.
  const buttons: Button[] = [
    ...(active && grant.hasCredentials ? [{ action: 'show_credentials' as const, requestId: view.id, label: 'Show credentials', style: 'primary' as const }] : []),
    ...(active ? [{ action: 'extend' as const, requestId: view.id, label: 'Extend' }] : []),
    { action: 'revoke', requestId: view.id, label: 'Revoke', style: 'danger', confirm: { title: 'End access now?', text: `${view.ref} ends immediately.`, yes: 'Revoke', no: 'Keep it' } },
    ...(active ? (view.actions ?? []).slice(0, 5).map((action) => runActionButton(action, view.id)) : []),
  ];
  return [
    { type: 'paragraph', text: rich(roleOnResource(view), ` · ${view.ref}\n`, line), id: `grant_${view.id}` },
    { type: 'buttons', id: `grant_actions_${view.id}`, buttons },
  ];
}

function pendingItem(view: RequestView): Block[] {
  const what = view.kind === 'extend' ? `extend by ${formatDuration(view.durationMs)}` : formatDuration(view.durationMs);
  return [
    { type: 'paragraph', text: rich(roleOnResource(view), ` · ${view.ref} · ${what}\n⏳ Approvals ${approvalCount(view)} · lapses `, at(view, view.lapsesAt)), id: `pending_${view.id}` },
    ...waitingNote(view),
    { type: 'buttons', id: `pending_actions_${view.id}`, buttons: [{ action: 'cancel', requestId: view.id, label: 'Cancel' }, ...expediteButton(view)] },
  ];
}

export function personalView(input: PersonalViewInput): PersonalView {
  const list = (title: string, items: RequestView[], empty: RichText, render: (view: RequestView) => Block[]): Block[] => {
    const blocks: Block[] = [{ type: 'heading', text: title }];
    if (items.length === 0) return [...blocks, { type: 'note', text: empty }];
    for (const view of items.slice(0, input.itemsPerList)) blocks.push(...render(view));
    const more = items.length - input.itemsPerList;
    if (more > 0) blocks.push({ type: 'note', text: rich(`…and ${more} more — use `, command(input.dialect, 'access'), ' to see them all.') });
    return blocks;
  };
  return {
    blocks: [
      { type: 'buttons', id: 'home_actions', buttons: [{ action: 'open_request_form', requestId: null, label: 'Request access', style: 'primary' }] },
      ...list('Your access', input.grants, rich('No active access. Use ', command(input.dialect, 'request-access'), ' or the button above.'), grantItem),
      ...(input.ended?.length ? [{ type: 'divider' } as const, ...list('Recently ended', input.ended, rich(''), endedItem)] : []),
      { type: 'divider' },
      ...list('Your pending requests', input.pending, rich('Nothing pending.'), pendingItem),
      { type: 'divider' },
      ...list('Waiting for your review', input.toReview, rich('Nothing waits for you.'), (view) => reviewItem(view, { text: `review_${view.id}`, buttons: `review_actions_${view.id}` })),
    ],
  };
}
