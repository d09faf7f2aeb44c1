/**
 * The chat layer's rich text as the Markdown Teams shows in messages and Adaptive Card text blocks: bold,
 * italic, links and line breaks. What people typed is escaped, so it can never format, link or mention.
 * A mention of someone Teams knows (an Entra ID object id) becomes `<at>Name</at>` plus a mention entity the
 * message or card must carry; anyone else is shown by name. Dates are written in the policy's timezone.
 */
import { cut, formatInZone, type Inline, type RichText } from '../../../src/chat/index.ts';
import { displayName } from '../../../src/domain/identity.ts';

/** A mention entity as Teams expects it next to `<at>…</at>` text. */
export interface MentionEntity {
  type: 'mention';
  text: string;
  mentioned: { id: string; name: string };
}

export interface TeamsText {
  text: string;
  mentions: MentionEntity[];
}

/** Characters that Teams Markdown would read as emphasis, a link or a tag (escaping more shows stray backslashes). */
const SPECIAL = /[\\`*_[\]<>]/g;

export function escapeMarkdown(value: string): string {
  // A line that starts like a list item or heading ("- x", "1. x", "+ x") would become one.
  return value.replace(SPECIAL, (c) => `\\${c}`).replace(/(^|\n)(\s*)([-+]|\d+\.)(?=\s)/g, (_m, start: string, space: string, marker: string) => `${start}${space}\\${marker}`);
}

/** Line breaks as Teams renders them in cards and messages: a blank line between lines. */
const breaks = (value: string): string => value.replace(/\r\n?/g, '\n').replace(/\n/g, '\n\n');

const shown = (piece: { text: string; max?: number }): string => (piece.max === undefined ? piece.text : cut(piece.text, piece.max));

/** Names inside `<at>` tags cannot carry markup or angle brackets. */
const mentionName = (name: string): string => name.replace(/[<>]/g, '').trim() || 'someone';

function inline(piece: Inline, mentions: MentionEntity[]): string {
  switch (piece.type) {
    case 'text':
      return breaks(escapeMarkdown(shown(piece)));
    case 'bold':
      return wrapLines(escapeMarkdown(shown(piece)), '**');
    case 'italic':
      return wrapLines(escapeMarkdown(piece.text), '_');
    case 'code':
      // Adaptive Card text has no code style: commands and ids are shown in bold.
      return wrapLines(escapeMarkdown(shown(piece)), '**');
    case 'quote':
      return wrapLines(escapeMarkdown(shown(piece)), '_');
    case 'mention': {
      const name = displayName(piece.person);
      if (!piece.person.teamsId) return `**${escapeMarkdown(name)}**`;
      const text = `<at>${mentionName(name)}</at>`;
      if (!mentions.some((m) => m.text === text && m.mentioned.id === piece.person.teamsId)) {
        mentions.push({ type: 'mention', text, mentioned: { id: piece.person.teamsId, name: mentionName(name) } });
      }
      return text;
    }
    case 'date':
      return escapeMarkdown(formatInZone(piece.at, piece.timezone));
    case 'link': {
      const safe = /^https?:\/\//i.test(piece.url) ? piece.url.replace(/[()\s]/g, encodeURIComponent) : null;
      return safe ? `[${escapeMarkdown(piece.text)}](${safe})` : escapeMarkdown(piece.text);
    }
  }
}

/** Emphasis markers around each line (Markdown emphasis does not span a line break). */
function wrapLines(value: string, marker: string): string {
  return value
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => (line.trim() ? `${marker}${line}${marker}` : line))
    .join('\n\n');
}

/** Rich text as Teams Markdown, with the mention entities it needs. */
export function toTeamsMarkdown(value: RichText, mentions: MentionEntity[] = []): TeamsText {
  return { text: value.map((piece) => inline(piece, mentions)).join(''), mentions };
}
