/**
 * Safe text for Slack mrkdwn. Everything a person typed (reasons, tickets, names, notes) goes through
 * `escapeSlackText`, so nobody can ping a channel (`<!channel>`, `@here`), mention someone (`<@U123>`) or forge a
 * link (`<http://evil|docs>`) through a request. Formatting such as *bold* stays allowed.
 * Lengths are code points, as the emulator's limit checks count them.
 */
import type { Person } from '../../../src/domain/identity.ts';

export const ELLIPSIS = '…';
const ZERO_WIDTH_SPACE = '\u200B';
const SLACK_USER_ID = /^[UW][A-Z0-9]{2,}$/;

export function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** Escape &, < and >, and break @here/@channel/@everyone so they never notify even with link_names. */
export function escapeSlackText(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/@(here|channel|everyone)\b/gi, `@${ZERO_WIDTH_SPACE}$1`);
}

/** At most `max` code points; a cut string ends with "…". Never splits a surrogate pair. */
export function truncate(s: string, max: number): string {
  if (max <= 0) return '';
  if (codePoints(s) <= max) return s;
  return [...s].slice(0, max - 1).join('') + ELLIPSIS;
}

/** Escape, then cut to `max` code points without leaving half an entity (`&am…`). */
export function escapeAndTruncate(raw: string, max: number): string {
  const escaped = escapeSlackText(raw);
  if (codePoints(escaped) <= max) return escaped;
  if (max <= 0) return '';
  const cut = [...escaped].slice(0, max - 1).join('').replace(/&[a-z]{0,3}$/, '');
  return cut + ELLIPSIS;
}

/** One line: newlines folded to spaces (for places like fields and list items). */
export const oneLine = (s: string): string => s.replace(/\s*[\r\n]+\s*/g, ' ').trim();

export const isSlackUserId = (id: string | null | undefined): id is string => typeof id === 'string' && SLACK_USER_ID.test(id);

/** `<@U123>` when the Slack id is known, else the escaped name or email. */
export function mentionPerson(person: Person): string {
  if (isSlackUserId(person.slackId)) return `<@${person.slackId}>`;
  return escapeSlackText(person.name || person.email || (person.teamsId ? 'a Teams user' : 'someone'));
}

/** A policy member atom for display: `slack:U1` → mention, an email as text, a Teams id as "a Teams user". */
export function memberLabel(member: string): string {
  if (member.startsWith('slack:')) {
    const id = member.slice('slack:'.length);
    return isSlackUserId(id) ? `<@${id}>` : escapeSlackText(id);
  }
  if (member.startsWith('teams:')) return 'a Teams user';
  return escapeSlackText(member);
}

/** Who did something, as the core records it: a principal key, `cli:NAME`, `system`, or a display label. */
export function actorLabel(actor: string | null | undefined): string {
  if (!actor) return 'someone';
  if (actor === 'system') return 'accessbot';
  if (actor.startsWith('cli:')) return `${escapeSlackText(actor.slice(4))} (command line)`;
  if (actor.startsWith('slack:') || actor.startsWith('teams:')) return memberLabel(actor);
  return escapeSlackText(actor);
}

/** "a, b and c" */
export function joinAnd(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

export const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;
