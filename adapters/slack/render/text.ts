/**
 * Safe text for Slack mrkdwn. Everything a person typed (reasons, tickets, names, notes) goes through
 * `escapeSlackText`, so nobody can ping a channel (`<!channel>`, `@here`), mention someone (`<@U123>`) or forge a
 * link (`<http://evil|docs>`) through a request. Formatting such as *bold* stays allowed.
 * Lengths are code points, as Slack (and the emulator's limit checks) count them.
 */
import { cut } from '../../../src/chat/index.ts';
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
export const truncate: (s: string, max: number) => string = cut;

/** Escape, then cut to `max` code points without leaving half an entity (`&am…`). */
export function escapeAndTruncate(raw: string, max: number): string {
  const escaped = escapeSlackText(raw);
  if (codePoints(escaped) <= max) return escaped;
  if (max <= 0) return '';
  return [...escaped].slice(0, max - 1).join('').replace(/&[a-z]{0,3}$/, '') + ELLIPSIS;
}

export const isSlackUserId = (id: string | null | undefined): id is string => typeof id === 'string' && SLACK_USER_ID.test(id);

/** `<@U123>` when the Slack id is known, else the escaped name or email. */
export function mentionPerson(person: Person): string {
  if (isSlackUserId(person.slackId)) return `<@${person.slackId}>`;
  return escapeSlackText(person.name || person.email || (person.teamsId ? 'a Teams user' : 'someone'));
}
