/**
 * The chat layer's rich text in Slack's mrkdwn (plain places such as inline form errors use the chat layer's
 * plainText). Dates become Slack date tokens (shown in each reader's own timezone) with a fallback written in the
 * policy's timezone.
 */
import { type Inline, type RichText, formatInZone } from '../../../src/chat/index.ts';
import { escapeAndTruncate, escapeSlackText, mentionPerson } from './text.ts';

export type SlackDateFormat = '{date_short_pretty} {time}' | '{date_short_pretty}' | '{time}' | '{date_long_pretty} {time}';

/** `<!date^1767600000^{date_short_pretty} {time}|Mon, 5 Jan 2026, 09:00 CET>` */
export function slackDate(ms: number, timezone: string, format: SlackDateFormat = '{date_short_pretty} {time}'): string {
  const fallback = formatInZone(ms, timezone).replace(/[|<>]/g, ' ');
  return `<!date^${Math.floor(ms / 1000)}^${format}|${fallback}>`;
}

const escaped = (piece: { text: string; max?: number }): string => (piece.max === undefined ? escapeSlackText(piece.text) : escapeAndTruncate(piece.text, piece.max));

function inlineMrkdwn(piece: Inline): string {
  switch (piece.type) {
    case 'text':
      return escaped(piece);
    case 'bold':
      return `*${escaped(piece)}*`;
    case 'italic':
      return `_${escapeSlackText(piece.text)}_`;
    case 'code':
      return `\`${escaped(piece)}\``;
    case 'quote':
      return `>${escaped(piece)}`;
    case 'mention':
      return mentionPerson(piece.person);
    case 'date':
      return slackDate(piece.at, piece.timezone);
    case 'link':
      return `<${piece.url.replace(/[|<>\s]/g, encodeURIComponent)}|${escapeSlackText(piece.text)}>`;
  }
}

/** Rich text as Slack mrkdwn: what people typed is escaped, so it can never ping, mention or link. */
export function toMrkdwn(value: RichText): string {
  return value.map(inlineMrkdwn).join('');
}
