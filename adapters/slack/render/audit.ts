/** Posts to the audit channel: alerts an auditor must see now, and the periodic digest. */
import { formatDuration } from '../../../src/domain/duration.ts';
import type { AlertCode, Notice } from '../../../src/app/ports.ts';
import type { RequestView } from '../../../src/app/request-view.ts';
import { context, header, section, type SlackBlock, type SlackMessage } from './blocks.ts';
import { roleOnResource } from './describe.ts';
import { escapeAndTruncate, escapeSlackText, mentionPerson, oneLine, truncate } from './text.ts';

type AlertNotice = Extract<Notice, { type: 'audit.alert' }>;
type DigestNotice = Extract<Notice, { type: 'digest' }>;

const ALERTS: Record<AlertCode, { emoji: string; title: string }> = {
  break_glass: { emoji: '🚨', title: 'Break-glass activation' },
  revoke_overdue: { emoji: '⚠️', title: 'Revoke overdue' },
  grant_failed: { emoji: '❗', title: 'Grant failed' },
  orphan: { emoji: '👻', title: 'Access without a grant record' },
  drift: { emoji: '🔀', title: 'Access drift' },
};

/** One alert; with the request's view when there is one, its who/what/why underneath. */
export function auditAlert(notice: AlertNotice, view: RequestView | null = null): SlackMessage {
  const { emoji, title } = ALERTS[notice.code];
  const ref = view?.ref ?? (notice.requestId ? `AR-${notice.requestId}` : null);
  const heading = `${emoji} *${title}*${ref ? ` · ${ref}` : ''}`;
  const blocks: SlackBlock[] = [section(`${heading}\n${escapeAndTruncate(notice.text, 3000 - heading.length - 1)}`, 'alert')];
  if (view) {
    const who = `${mentionPerson(view.requester)} · ${roleOnResource(view)} · ${formatDuration(view.durationMs)}`;
    blocks.push(context(truncate(`${who}\nReason: ${escapeAndTruncate(oneLine(view.reason), 500)}`, 3000)));
  }
  return { text: truncate(`${emoji} ${title}${ref ? ` ${ref}` : ''}: ${escapeSlackText(oneLine(notice.text))}`, 300), blocks };
}

const SECTION_MAX = 3000;
const MAX_BODY_BLOCKS = 47;

/**
 * The digest as Slack mrkdwn: the core's Markdown with **bold**, # headings and "- " lists translated;
 * everything escaped (links are not turned into links). Split into sections on line boundaries.
 */
export function digestMessage(notice: DigestNotice): SlackMessage {
  const lines = toMrkdwn(notice.markdown).split('\n');
  const sections: string[] = [];
  let current = '';
  for (const raw of lines) {
    const line = truncate(raw, SECTION_MAX);
    if (current && current.length + 1 + line.length > SECTION_MAX) {
      sections.push(current);
      current = line;
    } else current = current ? `${current}\n${line}` : line;
  }
  if (current.trim()) sections.push(current);
  const blocks: SlackBlock[] = [header(notice.title), context(escapeAndTruncate(notice.period, 300))];
  for (const text of sections.slice(0, MAX_BODY_BLOCKS)) if (text.trim()) blocks.push(section(text));
  if (sections.length > MAX_BODY_BLOCKS) {
    blocks.push(context('…cut to fit Slack. Run `accessbot audit digest` for the full digest.'));
  }
  if (sections.length === 0) blocks.push(section('_Nothing happened in this period._'));
  return { text: truncate(`${escapeSlackText(notice.title)} (${escapeSlackText(notice.period)})`, 300), blocks };
}

function toMrkdwn(markdown: string): string {
  return escapeSlackText(markdown.replace(/\r\n?/g, '\n'))
    .split('\n')
    .map((line) => {
      const heading = /^#{1,6}\s+(.*)$/.exec(line);
      if (heading) return `*${heading[1]!.replace(/\*\*/g, '')}*`;
      return line.replace(/^(\s*)[-*]\s+/, '$1• ').replace(/\*\*(.+?)\*\*/g, '*$1*');
    })
    .join('\n');
}
