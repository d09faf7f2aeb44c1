/** Posts to the audit channel: alerts an auditor must see now, audit checkpoints, and the periodic digest. */
import { formatDuration } from '../../domain/duration.ts';
import type { AlertCode, Notice } from '../../app/ports.ts';
import type { RequestView } from '../../app/request-view.ts';

import { roleOnResource } from '../describe.ts';
import type { Block, ChatMessage } from '../message.ts';
import { bold, code, italic, mention, oneLine, rich, text, type Inline, type RichText } from '../rich-text.ts';
import { PARAGRAPH_MAX } from './approval-card.ts';
import { requestRef } from '../../domain/request-id.ts';

type AlertNotice = Extract<Notice, { type: 'audit.alert' }>;
type DigestNotice = Extract<Notice, { type: 'digest' }>;

const ALERTS: Record<AlertCode, { emoji: string; title: string }> = {
  break_glass: { emoji: '🚨', title: 'Break-glass activation' },
  revoke_overdue: { emoji: '⚠️', title: 'Revoke overdue' },
  grant_failed: { emoji: '❗', title: 'Grant failed' },
  orphan: { emoji: '👻', title: 'Access without a grant record' },
  drift: { emoji: '🔀', title: 'Access drift' },
  cleanup_pending: { emoji: '🧹', title: 'Access cut, cleanup pending' },
  checkpoint: { emoji: '🔏', title: 'Audit checkpoint' },
  policy: { emoji: '📜', title: 'Policy loaded' },
  policy_rejected: { emoji: '⛔', title: 'Policy change rejected' },
};

const CHECKPOINT_LINE = /accessbot-checkpoint v1 seq=(\d+) hash=([0-9a-f]{64})\S*(?: \S+)*/;

/** One alert; with the request's view when there is one, its who/what/why underneath. */
export function auditAlert(notice: AlertNotice, view: RequestView | null = null): ChatMessage {
  if (notice.code === 'checkpoint') return checkpointMessage(notice);
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
 * A signed audit checkpoint (src/audit/checkpoint.ts): the line exactly as signed, in code so no renderer changes
 * it, and how to prove the log against it later. Anything before the line (a warning) is shown above it.
 */
function checkpointMessage(notice: AlertNotice): ChatMessage {
  const { emoji, title } = ALERTS.checkpoint;
  const match = CHECKPOINT_LINE.exec(notice.text);
  if (!match) return { summary: rich(`${emoji} ${title}: ${oneLine(notice.text)}`), blocks: [{ type: 'paragraph', text: rich(`${emoji} `, bold(title), '\n', text(notice.text, PARAGRAPH_MAX)), id: 'alert' }] };
  const [line, seq, hash] = match as unknown as [string, string, string];
  const warning = notice.text.slice(0, match.index).trim();
  const blocks: Block[] = [];
  if (warning) blocks.push({ type: 'paragraph', text: rich('⚠️ ', bold('Audit log rewritten?'), '\n', text(warning, PARAGRAPH_MAX - 40)), id: 'warning' });
  blocks.push({ type: 'paragraph', text: rich(`${emoji} `, bold(title), ` · #${seq}\n`, code(line)), id: 'alert' });
  blocks.push({ type: 'note', text: rich('Keep this message. To prove the log was not rewritten since: ', code(`accessbot audit verify --checkpoint ${seq}:${hash}`)) });
  return { summary: rich(`${emoji} ${title} #${seq}${warning ? ' (the log no longer reaches the previous checkpoint)' : ''}: sha256 ${hash}`), blocks };
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
