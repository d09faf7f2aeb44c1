/**
 * Pure parsers for the slash commands of DESIGN.md §5. They only read the words; the core decides whether the
 * role exists, who may ask and how long is allowed. Every problem comes back as a short sentence saying what
 * was wrong and what would work.
 *
 *   /request-access                                   → the request form
 *   /request-access ROLE                               → the form with ROLE chosen
 *   /request-access ROLE DURATION REASON… [--ticket ID] [--break-glass]   (flags anywhere after ROLE)
 *   /request-access help
 *   /access | /access help | /access pending
 *   /access revoke AR-42 [REASON…] | /access cancel AR-42 | /access extend AR-42 30m [REASON…]
 */
import { z } from 'zod';
import { DURATION_EXAMPLES, parseDuration } from '../../../src/domain/duration.ts';
import { parseRequestRef } from '../../../src/app/request-view.ts';
import { escapeSlackText } from '../render/text.ts';

export const REQUEST_USAGE = '/request-access ROLE DURATION REASON… [--ticket ID] [--break-glass], e.g. `/request-access readonly 30m checking INC-123`';
export const ACCESS_USAGE = '/access, /access pending, /access revoke AR-42, /access cancel AR-42, /access extend AR-42 30m';

export type Invalid = { kind: 'invalid'; problem: string };

/** The policy's role-name pattern; the length cap only keeps junk out (the policy sets no maximum). */
const ROLE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const ROLE_NAME_MAX = 255;

const fileRequestSchema = z.object({
  kind: z.literal('file'),
  role: z.string().regex(ROLE_NAME).max(ROLE_NAME_MAX),
  durationMs: z.number().int().positive(),
  reason: z.string().min(1),
  ticket: z.string().min(1).max(200).nullable(),
  breakGlass: z.boolean(),
});
export type FileRequestCommand = z.infer<typeof fileRequestSchema>;

export type RequestAccessCommand = { kind: 'open_form'; role: string | null } | { kind: 'help' } | FileRequestCommand | Invalid;

const requestRefSchema = z.number().int().positive();
const accessSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('list') }),
  z.object({ kind: z.literal('help') }),
  z.object({ kind: z.literal('pending') }),
  z.object({ kind: z.literal('revoke'), requestId: requestRefSchema, reason: z.string().nullable() }),
  z.object({ kind: z.literal('cancel'), requestId: requestRefSchema }),
  z.object({ kind: z.literal('extend'), requestId: requestRefSchema, durationMs: z.number().int().positive(), reason: z.string().nullable() }),
]);
export type AccessCommand = z.infer<typeof accessSchema> | Invalid;

const invalid = (problem: string): Invalid => ({ kind: 'invalid', problem });

/** Slack sends `&`, `<` and `>` HTML-escaped in command text; read them back as typed. */
export function unescapeCommandText(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** Words split on any whitespace. A leading em/en dash (what macOS makes of "--") counts as "--". */
function words(text: string): string[] {
  return unescapeCommandText(text)
    .trim()
    .split(/\s+/u)
    .filter(Boolean)
    .map((w) => w.replace(/^[\u2014\u2013](?=[a-z])/i, '--'));
}

const HELP_WORDS = new Set(['help', '-h', '--help', '?']);
const isFlag = (word: string): boolean => word.startsWith('--');
/** A word the person typed, quoted back to them in mrkdwn: cut, then escaped (no links, mentions or @channel). */
const shown = (word: string): string => `"${escapeSlackText(word.length > 40 ? `${[...word].slice(0, 39).join('')}…` : word)}"`;

function durationProblem(word: string | undefined, example: string): string {
  if (word === undefined) return `Say how long you need it, e.g. \`${example}\` (${DURATION_EXAMPLES}).`;
  if (/^(0+[dhms])+$/i.test(word)) return `${shown(word)} is no time at all: give a length above zero (e.g. \`${example}\`).`;
  return `${shown(word)} is not a duration: ${DURATION_EXAMPLES} (e.g. \`${example}\`).`;
}

export function parseRequestAccess(text: string): RequestAccessCommand {
  const all = words(text);
  if (all.length === 0) return { kind: 'open_form', role: null };
  if (all.length === 1 && HELP_WORDS.has(all[0]!.toLowerCase())) return { kind: 'help' };
  const [role, ...rest] = all as [string, ...string[]];
  if (isFlag(role)) return invalid(`Put the role first, then the duration and the reason: ${REQUEST_USAGE}.`);
  if (!ROLE_NAME.test(role) || role.length > ROLE_NAME_MAX) return invalid(`${shown(role)} is not a role name. Usage: ${REQUEST_USAGE}.`);

  let ticket: string | null = null;
  let breakGlass = false;
  const positional: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const word = rest[i]!;
    if (!isFlag(word)) {
      positional.push(word);
      continue;
    }
    const [flag, inline] = word.split(/=(.*)/s, 2) as [string, string | undefined];
    switch (flag.toLowerCase()) {
      case '--ticket': {
        const value = inline ?? rest[i + 1];
        if (inline === undefined) i++;
        if (!value || isFlag(value)) return invalid('`--ticket` needs the ticket id after it, e.g. `--ticket INC-123`.');
        if (ticket !== null) return invalid('Give `--ticket` only once.');
        if (value.length > 200) return invalid('That ticket id is too long (at most 200 characters).');
        ticket = value;
        break;
      }
      case '--break-glass':
      case '--breakglass':
        if (inline !== undefined) return invalid('`--break-glass` takes no value.');
        breakGlass = true;
        break;
      default:
        return invalid(`Unknown option ${shown(flag)}. The options are \`--ticket ID\` and \`--break-glass\`.`);
    }
  }
  if (positional.length === 0 && ticket === null && !breakGlass) return { kind: 'open_form', role };
  const [durationWord, ...reasonWords] = positional;
  const example = `/request-access ${role} 30m checking INC-123`;
  const durationMs = durationWord === undefined ? null : parseDuration(durationWord);
  if (durationMs === null) return invalid(durationProblem(durationWord, example));
  if (reasonWords.length === 0) return invalid(`Say why you need access after the duration, e.g. \`/request-access ${role} ${durationWord} checking INC-123\`.`);
  return fileRequestSchema.parse({ kind: 'file', role, durationMs, reason: reasonWords.join(' '), ticket, breakGlass });
}

export function parseAccess(text: string): AccessCommand {
  const all = words(text);
  if (all.length === 0) return { kind: 'list' };
  const [verb, ...args] = all as [string, ...string[]];
  const lower = verb.toLowerCase();
  if (HELP_WORDS.has(lower)) return all.length === 1 ? { kind: 'help' } : invalid(`\`/access help\` takes nothing after it. Usage: ${ACCESS_USAGE}.`);
  if (lower === 'list' || lower === 'mine') return args.length === 0 ? { kind: 'list' } : invalid(`\`/access\` on its own lists your access. Usage: ${ACCESS_USAGE}.`);
  if (lower === 'pending') return args.length === 0 ? { kind: 'pending' } : invalid('`/access pending` takes nothing after it.');
  if (lower !== 'revoke' && lower !== 'cancel' && lower !== 'extend') {
    return invalid(`I don't know ${shown(verb)}. Usage: ${ACCESS_USAGE}.`);
  }
  const example = lower === 'extend' ? '/access extend AR-42 30m' : `/access ${lower} AR-42`;
  const refWord = args[0];
  if (refWord === undefined) return invalid(`Say which request, e.g. \`${example}\` (see \`/access\` for yours).`);
  const requestId = parseRequestRef(refWord);
  if (requestId === null || requestId < 1) return invalid(`${shown(refWord)} is not a request id; they look like AR-42, e.g. \`${example}\`.`);
  const rest = args.slice(1);
  const reason = (from: string[]): string | null => (from.length ? from.join(' ') : null);
  switch (lower) {
    case 'revoke':
      return accessSchema.parse({ kind: 'revoke', requestId, reason: reason(rest) });
    case 'cancel':
      return rest.length === 0 ? accessSchema.parse({ kind: 'cancel', requestId }) : invalid(`\`/access cancel\` takes only the request id, e.g. \`${example}\`.`);
    case 'extend': {
      const durationMs = rest[0] === undefined ? null : parseDuration(rest[0]);
      if (durationMs === null) return invalid(durationProblem(rest[0], `/access extend AR-${requestId} 30m`));
      return accessSchema.parse({ kind: 'extend', requestId, durationMs, reason: reason(rest.slice(1)) });
    }
  }
}
