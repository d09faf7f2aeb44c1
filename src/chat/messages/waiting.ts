/**
 * What people see of a waiting request's reminders, escalation and expedite (issue 14): the private message
 * to an approver (with the card's link and Approve / Deny), the line under the approval card, the words for
 * the requester ("asked …, next reminder …") and the "Urgent — page approvers" button.
 */
import type { Notice } from '../../app/ports.ts';
import type { RequestView } from '../../app/request-view.ts';
import { formatDuration } from '../../domain/duration.ts';
import { actor, at, memberAsPerson, refAndRole } from '../describe.ts';
import type { Block, Button, ChatMessage } from '../message.ts';
import { joinAnd, link, mention, oneLine, plural, quote, rich, text, type RichText } from '../rich-text.ts';
import type { RenderOptions } from './approval-card.ts';
import { PARAGRAPH_MAX } from './approval-card.ts';

export type WaitingNotice = Extract<Notice, { type: 'request.reminded' | 'request.escalated' | 'request.expedited' }>;

export function isWaitingNotice(notice: Notice): notice is WaitingNotice {
  return notice.type === 'request.reminded' || notice.type === 'request.escalated' || notice.type === 'request.expedited';
}

/** The requester's button on their own waiting request, shown until they have used it. */
export function expediteButton(view: RequestView): Button[] {
  if (view.status !== 'pending' || !view.waiting || view.waiting.expeditedAt !== null) return [];
  return [
    {
      action: 'expedite',
      requestId: view.id,
      label: 'Urgent — page approvers',
      style: 'danger',
      confirm: { title: 'Page the approvers now?', text: `Everyone who can approve ${view.ref} is messaged at once. You can do this once per request.`, yes: 'Page them', no: 'Not now' },
    },
  ];
}

const MAX_NAMED = 8;

function members(list: readonly string[]): RichText {
  const named = list.slice(0, MAX_NAMED).map((m) => rich(mention(memberAsPerson(m))));
  if (list.length > MAX_NAMED) named.push(rich(plural(list.length - MAX_NAMED, 'other')));
  return named.length ? joinAnd(named) : rich('nobody');
}

/** "Asked: @a and @b · next reminder … · escalates …" for the requester, or null when nothing is scheduled. */
export function waitingLine(view: RequestView): RichText | null {
  const w = view.waiting;
  if (view.status !== 'pending' || !w) return null;
  const parts: RichText[] = [rich('Asked: ', members(w.asked))];
  if (w.nextReminderAt !== null) parts.push(rich('next reminder ', at(view, w.nextReminderAt)));
  if (w.escalatesAt !== null) parts.push(rich('escalates ', at(view, w.escalatesAt)));
  else if (w.escalated) parts.push(rich('escalated'));
  if (w.expeditedAt !== null) parts.push(rich('you paged them ', at(view, w.expeditedAt)));
  return parts.reduce((acc, part, i) => (i === 0 ? part : rich(acc, ' · ', part)), rich());
}

/** The requester's waiting line as a note block under a pending item (none when nothing to say). */
export function waitingNote(view: RequestView): Block[] {
  const line = waitingLine(view);
  return line ? [{ type: 'note', text: line }] : [];
}

/** The private message to one approver about a reminder, an escalation or an expedite. */
export function approverMessage(view: RequestView, notice: WaitingNotice, opts: RenderOptions & { cardLink: string | null }): ChatMessage {
  const who = mention(view.requester);
  const waited = formatDuration(Math.max(opts.now - view.createdAt, 60_000));
  const what = rich(refAndRole(view), ` for ${formatDuration(view.durationMs)}`);
  const head =
    notice.type === 'request.reminded'
      ? rich('⏰ Reminder: ', who, ' is still waiting for your review of ', what, ` (waiting ${waited}).`)
      : notice.type === 'request.escalated'
        ? rich('⬆️ Escalated to you: ', who, `'s request `, what, ` has waited ${waited} for approval. You may approve or deny it now.`)
        : rich('🚨 Urgent: ', who, ' paged you about ', what, '.', notice.note ? rich('\n', quote(oneLine(notice.note), 500)) : null);
  const reason = rich('Reason: ', text(oneLine(view.reason), PARAGRAPH_MAX / 3));
  const where = opts.cardLink ? rich(link(opts.cardLink, 'Open the approval card'), ' · lapses ', at(view, view.lapsesAt)) : rich('Lapses ', at(view, view.lapsesAt));
  return {
    summary: head,
    blocks: [
      { type: 'paragraph', text: rich(head, '\n', reason), id: `waiting_${view.id}` },
      { type: 'note', text: where },
      {
        type: 'buttons',
        id: `waiting_actions_${view.id}`,
        buttons: [
          { action: 'approve', requestId: view.id, label: 'Approve', style: 'primary' },
          { action: 'deny', requestId: view.id, label: 'Deny', style: 'danger' },
        ],
      },
    ],
  };
}

/** The reply under the approval card saying who was reminded, escalated to or paged. */
export function waitingThreadLine(view: RequestView, notice: WaitingNotice, now: number): RichText {
  const waited = formatDuration(Math.max(now - view.createdAt, 60_000));
  switch (notice.type) {
    case 'request.reminded':
      return rich('⏰ Reminded ', members(notice.members), ` (waiting ${waited}).`);
    case 'request.escalated':
      return rich('⬆️ Escalated after ', waited, ': ', members(notice.members), ' may approve it now.');
    case 'request.expedited':
      return rich('🚨 Marked urgent by ', actor(notice.by), notice.note ? rich(': ', quote(oneLine(notice.note), 300)) : null, '. Paged ', members(notice.members), '.');
  }
}

/** The post in the escalation channel: what escalated, to whom, and the card's link. */
export function escalationPost(view: RequestView, notice: Extract<Notice, { type: 'request.escalated' }>, opts: RenderOptions & { cardLink: string | null }): ChatMessage {
  const message = approverMessage(view, notice, opts);
  const head = rich('⬆️ ', refAndRole(view), ` waited ${formatDuration(Math.max(opts.now - view.createdAt, 60_000))} for approval and escalated to `, members(notice.members), '.');
  // No buttons here: a channel post cannot be retired per person; the card and the private messages carry them.
  return { summary: head, blocks: [{ type: 'paragraph', text: head }, ...message.blocks.slice(1).filter((b) => b.type !== 'buttons')] };
}

/** The answer to the requester who just paged the approvers. */
export function expeditedAnswer(view: RequestView): ChatMessage {
  const asked = view.waiting?.asked ?? [];
  const line = rich('🚨 Paged ', members(asked), ' about ', refAndRole(view), ". They were messaged now; you can't page them again for this request.");
  return { summary: line, blocks: [] };
}
