/**
 * The approval card posted to the approvers' channel and kept up to date as the request moves on: which facts
 * it shows, where it stands, and the Approve / Deny buttons while (and only while) it waits for a decision.
 */
import { formatDuration } from '../../domain/duration.ts';
import { displayName } from '../../domain/identity.ts';
import type { RequestView } from '../../app/request-view.ts';
import type { ChatDialect } from '../dialect.ts';
import { approvalCount, approvalsOf, approversText, at, kindMarker, statusText } from '../describe.ts';
import type { Block, ChatMessage } from '../message.ts';
import { bold, code, joinAnd, mention, oneLine, rich, text } from '../rich-text.ts';

export interface RenderOptions {
  /** The instant to render for (epoch ms); message builders never read the clock. */
  now: number;
  dialect: ChatDialect;
}

/** Longest a person-typed paragraph (the reason) may be shown. */
export const PARAGRAPH_MAX = 3000;

export function approvalCard(view: RequestView, opts: RenderOptions): ChatMessage {
  const approvals = approvalsOf(view).map((r) => rich(mention(r.who)));
  const requester = rich(mention(view.requester), view.requester.email && view.requester.slackId ? ` (${view.requester.email})` : null);
  const fields = [
    { label: 'Requester', value: requester },
    { label: 'Role', value: rich(text(view.role, 150), ' on ', code(view.resource, 150)) },
    { label: view.kind === 'extend' ? 'Extend by' : 'Duration', value: rich(formatDuration(view.durationMs)) },
    { label: 'Ticket', value: view.ticket ? rich(text(oneLine(view.ticket), 200)) : rich('—') },
    {
      label: 'Approvals',
      value: view.breakGlass
        ? rich('None: break-glass')
        : view.autoApproved
          ? rich('Not needed: auto-approved')
          : rich(approvalCount(view), approvals.length > 0 && ' — ', approvals.length > 0 && joinAnd(approvals)),
    },
    view.status === 'pending' ? { label: 'Lapses', value: rich(at(view, view.lapsesAt)) } : { label: 'Requested', value: rich(at(view, view.createdAt)) },
  ];

  const blocks: Block[] = [
    { type: 'heading', text: `${kindMarker(view)} ${view.ref} · ${view.role}`, id: 'request_header' },
    { type: 'fields', fields, id: 'request_facts' },
  ];
  if (view.roleDescription) blocks.push({ type: 'note', text: rich(text(oneLine(view.roleDescription), 500)) });
  if (view.kind === 'extend' && view.grant) {
    blocks.push({ type: 'paragraph', text: rich('⏩ Extends the current access, which ends ', at(view, view.grant.expiresAt), '.'), id: 'request_extension' });
  }
  if (view.breakGlass) {
    blocks.push({ type: 'paragraph', text: rich('🚨 ', bold('Break-glass'), ': the requester activated this without approval. It is flagged for review.'), id: 'request_break_glass' });
  }
  const label = 'Reason';
  blocks.push({ type: 'paragraph', text: rich(bold(label), '\n', text(view.reason, PARAGRAPH_MAX - label.length - 3)), id: 'request_reason' });
  if (view.status === 'pending') blocks.push({ type: 'note', text: rich('Can approve: ', approversText(view, opts.dialect)) });
  blocks.push({ type: 'paragraph', text: statusText(view), id: 'request_status' });
  if (view.status === 'pending') {
    blocks.push({
      type: 'buttons',
      id: 'request_actions',
      buttons: [
        { action: 'approve', requestId: view.id, label: 'Approve', style: 'primary' },
        { action: 'deny', requestId: view.id, label: 'Deny', style: 'danger' },
      ],
    });
  }
  return { summary: summary(view), blocks };
}

/** Notification text: who wants what, and where it stands. No reason (it may be long or sensitive). */
function summary(view: RequestView) {
  const what = view.kind === 'extend' ? `to extend ${view.role} by` : `${view.role} for`;
  const state =
    view.status === 'pending'
      ? `waiting for approval (${approvalCount(view)})`
      : view.status === 'approved' && view.breakGlass
        ? 'break-glass, flagged for review'
        : view.status;
  return rich(`${kindMarker(view)} ${view.ref}: ${displayName(view.requester)} wants ${what} ${formatDuration(view.durationMs)} — ${state}`);
}
