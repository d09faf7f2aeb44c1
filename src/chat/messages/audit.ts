/** Posts to the audit channel: alerts an auditor must see now, and the periodic digest. */
import { formatDuration } from '../../domain/duration.ts';
import type { AlertCode, Notice } from '../../app/ports.ts';
import type { RequestView } from '../../app/request-view.ts';
import { requestRef } from '../../app/request-view.ts';
import { roleOnResource } from '../describe.ts';
import type { Block, ChatMessage } from '../message.ts';
import { bold, code, italic, mention, oneLine, rich, text, type Inline, type RichText } from '../rich-text.ts';
import { PARAGRAPH_MAX } from './approval-card.ts';

type AlertNotice = Extract<Notice, { type: 'audit.alert' }>;
type DigestNotice = Extract<Notice, { type: 'digest' }>;

const ALERTS: Record<AlertCode, { emoji: string; title: string }> = {
  break_glass: { emoji: '🚨', title: 'Break-glass activation' },
  revoke_overdue: { emoji: '⚠️', title: 'Revoke overdue' },
  grant_failed: { emoji: '❗', title: 'Grant failed' },
  orphan: { emoji: '👻', title: 'Access without a grant record' },
  drift: { emoji: '🔀', title: 'Access drift' },
  cleanup_pending: { emoji: '🧹', title: 'Access cut, cleanup pending' },
};

/** One alert; with the request's view when there is one, its who/what/why underneath. */
export function auditAlert(notice: AlertNotice, view: RequestView | null = null): ChatMessage {
  const { emoji, title } = ALERTS[notice.code];
  const ref = view?.ref ?? (notice.requestId ? requestRef(notice.requestId) : null);
  const heading = rich(`${emoji} `, bold(title), ref && ` · ${ref}`);
  const headingLength = [...`${emoji} *${title}*${ref ? ` · ${ref}` : ''}`].length;
  const blocks: Block[] = [{ type: 'paragraph', text: rich(heading, '\n', text(notice.text, PARAGRAPH_MAX - headingLength - 1)), id: 'alert' }];
  if (view) {
    blocks.push({ type: 'note', text: rich(mention(view.requester), ' · ', roleOnResource(view), ` · ${formatDuration(view.durationMs)}\nReason: `, text(oneLine(view.reason), 500)) });
  }
  return { summary: rich(`${emoji} ${title}${ref ? ` ${ref}` : ''}: ${oneLine(notice.text)}`), blocks };
}

/**
 * The digest: the core's Markdown read as lines of rich text (# headings and **bold** as bold, "- " items as
 * bullets). A renderer that cannot show every line says so and points to the command that prints it all.
 */
export function digestMessage(notice: DigestNotice): ChatMessage {
  const lines = notice.markdown.replace(/\r\n?/g, '\n').split('\n').map(markdownLine);
  const body: Block = lines.some((line) => line.length > 0 && line.some((piece) => 'text' in piece && piece.text.trim() !== ''))
    ? { type: 'lines', lines, overflow: rich('Run ', code('accessbot audit digest'), ' for the full digest.') }
    : { type: 'paragraph', text: rich(italic('Nothing happened in this period.')) };
  return {
    summary: rich(`${notice.title} (${notice.period})`),
    blocks: [{ type: 'heading', text: notice.title }, { type: 'note', text: rich(text(notice.period, 300)) }, body],
  };
}

function markdownLine(line: string): RichText {
  const heading = /^#{1,6}\s+(.*)$/.exec(line);
  if (heading) return rich(bold(heading[1]!.replace(/\*\*/g, '')));
  const item = /^(\s*)[-*]\s+/.exec(line);
  const rest = item ? line.slice(item[0].length) : line;
  const pieces: Inline[] = [];
  let last = 0;
  for (const match of rest.matchAll(/\*\*(.+?)\*\*/g)) {
    pieces.push(text(rest.slice(last, match.index)), bold(match[1]!));
    last = match.index + match[0].length;
  }
  pieces.push(text(rest.slice(last)));
  return rich(item ? `${item[1]}• ` : null, ...pieces.filter((p) => !('text' in p) || p.text !== ''));
}
