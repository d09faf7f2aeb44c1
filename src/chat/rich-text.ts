/**
 * The small rich-text model every chat message is written in: plain words, bold, italic, code, a mention of a
 * person, an instant (shown in the policy's timezone) and a link. Words are kept as typed — never escaped or
 * marked up here — so each adapter renders them safely in its own syntax (Slack mrkdwn, Adaptive Card
 * Markdown). `max` caps how many characters of a piece a renderer shows (with "…"); it is used on what people
 * typed (reasons, tickets, names), so a long one cannot crowd out the rest. A "\n" inside a text piece is a line
 * break; a `quote` piece is a quoted line (the model puts it after a line break).
 */
import { displayName, type Person } from '../domain/identity.ts';
import { formatInZone } from './time.ts';

export type Inline =
  | { type: 'text'; text: string; max?: number }
  | { type: 'bold'; text: string; max?: number }
  | { type: 'italic'; text: string }
  | { type: 'code'; text: string; max?: number }
  | { type: 'quote'; text: string; max?: number }
  | { type: 'mention'; person: Person }
  | { type: 'date'; at: number; timezone: string }
  | { type: 'link'; url: string; text: string };

export type RichText = readonly Inline[];

/** What `rich()` takes: strings become text pieces; null, undefined and false are left out. */
export type RichPart = string | Inline | RichText | null | undefined | false;

const withMax = <T extends object>(piece: T, max: number | undefined): T => (max === undefined ? piece : { ...piece, max });

export const text = (value: string, max?: number): Inline => withMax({ type: 'text' as const, text: value }, max);
export const bold = (value: string, max?: number): Inline => withMax({ type: 'bold' as const, text: value }, max);
export const italic = (value: string): Inline => ({ type: 'italic', text: value });
export const code = (value: string, max?: number): Inline => withMax({ type: 'code' as const, text: value }, max);
export const quote = (value: string, max?: number): Inline => withMax({ type: 'quote' as const, text: value }, max);
export const mention = (person: Person): Inline => ({ type: 'mention', person });
export const date = (at: number, timezone: string): Inline => ({ type: 'date', at, timezone });
export const link = (url: string, label: string): Inline => ({ type: 'link', url, text: label });

/** Pieces in order, flattened; adjacent plain strings are merged. */
export function rich(...parts: RichPart[]): RichText {
  const out: Inline[] = [];
  const push = (piece: Inline): void => {
    const last = out.at(-1);
    if (piece.type === 'text' && piece.max === undefined && last?.type === 'text' && last.max === undefined) out[out.length - 1] = text(last.text + piece.text);
    else out.push(piece);
  };
  for (const part of parts) {
    if (part === null || part === undefined || part === false) continue;
    if (typeof part === 'string') {
      if (part !== '') push(text(part));
    } else if (Array.isArray(part)) (part as RichText).forEach(push);
    else push(part as Inline);
  }
  return out;
}

/** Items separated by `separator`. */
export function joinRich(items: readonly RichText[], separator: string): RichText {
  return rich(...items.flatMap((item, i) => (i === 0 ? [item] : [separator, item])));
}

/** "a, b and c" */
export function joinAnd(items: readonly RichText[]): RichText {
  if (items.length <= 1) return rich(...items);
  return rich(joinRich(items.slice(0, -1), ', '), ' and ', items.at(-1)!);
}

/** One line: newlines folded to spaces (for fields and list items). */
export const oneLine = (s: string): string => s.replace(/\s*[\r\n]+\s*/g, ' ').trim();

export const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** The text up to the first line break (a quoted line counts as one). */
export function firstLine(value: RichText): RichText {
  const out: Inline[] = [];
  for (const piece of value) {
    if (piece.type === 'quote') break;
    if ((piece.type === 'text' || piece.type === 'bold' || piece.type === 'italic' || piece.type === 'code') && piece.text.includes('\n')) {
      const head = piece.text.slice(0, piece.text.indexOf('\n'));
      if (head) out.push({ ...piece, text: head });
      break;
    }
    out.push(piece);
  }
  return out;
}

/** Does the text end in one of these characters (ignoring what a renderer adds around it)? */
export function endsWithAny(value: RichText, characters: string): boolean {
  const last = value.at(-1);
  if (!last || !('text' in last) || last.type === 'link') return false;
  return characters.includes(last.text.at(-1) ?? '');
}

/** Cut to `max` code points with "…" (never splitting a surrogate pair). */
export function cut(s: string, max: number): string {
  if (max <= 0) return '';
  const chars = [...s];
  return chars.length <= max ? s : `${chars.slice(0, max - 1).join('')}…`;
}

/**
 * Plain words, with no markup: a mention is the person's display name and a date the instant in its timezone
 * (for places that show no markup, such as inline form errors or a terminal).
 */
export function plainText(value: RichText): string {
  return value
    .map((piece) => {
      switch (piece.type) {
        case 'mention':
          return displayName(piece.person);
        case 'date':
          return formatInZone(piece.at, piece.timezone);
        case 'link':
        case 'italic':
          return piece.text;
        default:
          return piece.max === undefined ? piece.text : cut(piece.text, piece.max);
      }
    })
    .join('');
}

/** About how many characters a renderer will show (markup and dates estimated), for choosing what fits. */
export function roughLength(value: RichText): number {
  let n = 0;
  for (const piece of value) {
    if (piece.type === 'date') n += 45;
    else if (piece.type === 'mention') n += displayName(piece.person).length + 3;
    else if (piece.type === 'link') n += piece.text.length + piece.url.length + 3;
    else {
      const length = Math.min([...piece.text].length, piece.type === 'italic' ? Infinity : (piece.max ?? Infinity));
      n += length + (piece.type === 'text' ? 0 : 2);
    }
  }
  return n;
}
