/** The approval card posted to the approvers' channel and kept up to date as the request moves on. */
import { formatDuration } from '../../../src/domain/duration.ts';
import { displayName } from '../../../src/domain/identity.ts';
import type { RequestView } from '../../../src/app/request-view.ts';
import { actions, button, context, header, mrkdwn, section, type SectionBlock, type SlackBlock, type SlackMessage } from './blocks.ts';
import { approvalCount, approvalsOf, approversText, date, kindMarker, statusText } from './describe.ts';
import { ACTION_IDS, requestButtonValue } from './ids.ts';
import { escapeAndTruncate, escapeSlackText, joinAnd, mentionPerson, oneLine, truncate } from './text.ts';

export interface RenderOptions {
  /** The instant to render for (epoch ms); renderers never read the clock. */
  now: number;
}

const SECTION_MAX = 3000;
const FIELD_MAX = 2000;

const field = (label: string, value: string): ReturnType<typeof mrkdwn> => mrkdwn(truncate(`*${label}*\n${value}`, FIELD_MAX));

function requesterText(view: RequestView): string {
  const who = mentionPerson(view.requester);
  const email = view.requester.email && view.requester.slackId ? ` (${escapeSlackText(view.requester.email)})` : '';
  return `${who}${email}`;
}

export function approvalCard(view: RequestView, _opts: RenderOptions): SlackMessage {
  const approvals = approvalsOf(view).map((r) => mentionPerson(r.who));
  const fields = [
    field('Requester', requesterText(view)),
    field('Role', `${escapeAndTruncate(view.role, 150)} on \`${escapeAndTruncate(view.resource, 150)}\``),
    field(view.kind === 'extend' ? 'Extend by' : 'Duration', formatDuration(view.durationMs)),
    field('Ticket', view.ticket ? escapeAndTruncate(oneLine(view.ticket), 200) : '—'),
    field(
      'Approvals',
      view.breakGlass
        ? 'None: break-glass'
        : view.autoApproved
          ? 'Not needed: auto-approved'
          : `${approvalCount(view)}${approvals.length ? ` — ${joinAnd(approvals)}` : ''}`,
    ),
    view.status === 'pending' ? field('Lapses', date(view, view.lapsesAt)) : field('Requested', date(view, view.createdAt)),
  ];
  const facts: SectionBlock = { type: 'section', block_id: 'request_facts', fields };

  const blocks: SlackBlock[] = [header(`${kindMarker(view)} ${view.ref} · ${view.role}`, 'request_header'), facts];
  if (view.roleDescription) blocks.push(context(escapeAndTruncate(oneLine(view.roleDescription), 500)));
  if (view.kind === 'extend' && view.grant) {
    blocks.push(section(`⏩ Extends the current access, which ends ${date(view, view.grant.expiresAt)}.`, 'request_extension'));
  }
  if (view.breakGlass) {
    blocks.push(section('🚨 *Break-glass*: the requester activated this without approval. It is flagged for review.', 'request_break_glass'));
  }
  const reasonLabel = '*Reason*\n';
  blocks.push(section(reasonLabel + escapeAndTruncate(view.reason, SECTION_MAX - reasonLabel.length), 'request_reason'));
  if (view.status === 'pending') blocks.push(context(truncate(`Can approve: ${approversText(view)}`, SECTION_MAX)));
  blocks.push(section(truncate(statusText(view), SECTION_MAX), 'request_status'));
  if (view.status === 'pending') {
    const value = requestButtonValue(view.id);
    blocks.push(actions('request_actions', button('Approve', ACTION_IDS.approve, value, 'primary'), button('Deny', ACTION_IDS.deny, value, 'danger')));
  }
  return { text: cardFallback(view), blocks };
}

/** Notification text: who wants what, and where it stands. No reason (it may be long or sensitive). */
function cardFallback(view: RequestView): string {
  const who = escapeSlackText(displayName(view.requester));
  const what = view.kind === 'extend' ? `to extend ${view.role} by` : `${view.role} for`;
  const state =
    view.status === 'pending'
      ? `waiting for approval (${approvalCount(view)})`
      : view.status === 'approved' && view.breakGlass
        ? 'break-glass, flagged for review'
        : view.status;
  return truncate(`${kindMarker(view)} ${view.ref}: ${who} wants ${escapeSlackText(what)} ${formatDuration(view.durationMs)} — ${state}`, 300);
}
