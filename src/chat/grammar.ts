/**
 * The command grammar of DESIGN.md §5, for every platform: Slack slash-command text and words typed to the
 * bot in a Teams chat go through the same parsers. They only read the words; the core decides whether the
 * role exists, who may ask and how long is allowed. Every problem comes back as a code with the words it is
 * about; `problems.ts` says it to the person (what was wrong, and what would work).
 *
 *   request-access                                   → the request form
 *   request-access ROLE                               → the form with ROLE chosen
 *   request-access ROLE DURATION REASON… [--ticket ID] [--break-glass]   (flags anywhere after ROLE)
 *   request-access help
 *   access | access help | access pending
 *   access revoke AR-42 [REASON…] | access cancel AR-42 | access extend AR-42 30m [REASON…]
 *   access expedite AR-42 [REASON…]                  (page the approvers of my waiting request, once)
 *   access run ACTION [AR-42]                        (a runbook action of access the person holds)
 *   help                                              (a message to the bot: both usages)
 */
import { z } from 'zod';
import { parseDuration } from '../domain/duration.ts';
import { parseRequestRef, type RequestId, requestRef } from '../domain/request-id.ts';

/** The verbs of `access` that take a request id. */
export type RequestVerb = 'revoke' | 'cancel' | 'extend' | 'expedite' | 'run';

/** What was wrong with the words, and the words it is about (as typed, never escaped here). */
export type CommandProblem =
  | { code: 'role_not_first' }
  | { code: 'not_a_role'; word: string }
  | { code: 'ticket_needs_id' }
  | { code: 'ticket_twice' }
  | { code: 'ticket_too_long'; max: number }
  | { code: 'break_glass_takes_no_value' }
  | { code: 'unknown_option'; word: string }
  /** `example`: the command words (after the prefix) of a complete command, e.g. "access extend AR-4 30m". */
  | { code: 'duration_missing'; example: string }
  | { code: 'duration_zero'; word: string; example: string }
  | { code: 'not_a_duration'; word: string; example: string }
  | { code: 'reason_missing'; role: string; duration: string }
  | { code: 'takes_nothing_more'; what: 'access help' | 'access' | 'access pending' }
  | { code: 'unknown_verb'; word: string }
  | { code: 'request_missing'; verb: RequestVerb }
  | { code: 'not_a_request'; word: string; verb: RequestVerb }
  | { code: 'cancel_takes_only_request' }
  | { code: 'action_missing' }
  | { code: 'not_an_action'; word: string }
  | { code: 'unknown_command'; word: string };

export type Invalid = { kind: 'invalid'; problem: CommandProblem };

/** The policy's role-name pattern; the length cap only keeps junk out (the policy sets no maximum). */
const ROLE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const ROLE_NAME_MAX = 255;
const TICKET_MAX = 200;

const fileRequestSchema = z.object({
  kind: z.literal('file'),
  role: z.string().regex(ROLE_NAME).max(ROLE_NAME_MAX),
  durationMs: z.number().int().positive(),
  reason: z.string().min(1),
  ticket: z.string().min(1).max(TICKET_MAX).nullable(),
  breakGlass: z.boolean(),
});
export type FileRequestCommand = z.infer<typeof fileRequestSchema>;

export type RequestAccessCommand = { kind: 'open_form'; role: string | null } | { kind: 'help' } | FileRequestCommand | Invalid;

const requestRefSchema = z.number().int().positive().transform((id) => id as RequestId);
const accessSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('list') }),
  z.object({ kind: z.literal('help') }),
  z.object({ kind: z.literal('pending') }),
  z.object({ kind: z.literal('revoke'), requestId: requestRefSchema, reason: z.string().nullable() }),
  z.object({ kind: z.literal('cancel'), requestId: requestRefSchema }),
  z.object({ kind: z.literal('extend'), requestId: requestRefSchema, durationMs: z.number().int().positive(), reason: z.string().nullable() }),
  z.object({ kind: z.literal('expedite'), requestId: requestRefSchema, reason: z.string().nullable() }),
  z.object({ kind: z.literal('run'), action: z.string().regex(ROLE_NAME).max(64), requestId: requestRefSchema.nullable() }),
]);
export type AccessCommand = z.infer<typeof accessSchema> | Invalid;

/** A whole message to the bot (Teams): which command, and what it says. */
export type MessageCommand = { command: 'request-access'; parsed: RequestAccessCommand } | { command: 'access'; parsed: AccessCommand } | { command: 'help' } | Invalid;

const invalid = (problem: CommandProblem): Invalid => ({ kind: 'invalid', problem });

/** Words split on any whitespace. A leading em/en dash (what macOS makes of "--") counts as "--". */
function words(text: string): string[] {
  return text
    .trim()
    .split(/\s+/u)
    .filter(Boolean)
    .map((w) => w.replace(/^[\u2014\u2013](?=[a-z])/i, '--'));
}

const HELP_WORDS = new Set(['help', '-h', '--help', '?']);
const isFlag = (word: string): boolean => word.startsWith('--');
const isZero = (word: string): boolean => /^(0+[dhms])+$/i.test(word);

function durationProblem(word: string | undefined, example: string): CommandProblem {
  if (word === undefined) return { code: 'duration_missing', example };
  if (isZero(word)) return { code: 'duration_zero', word, example };
  return { code: 'not_a_duration', word, example };
}

/** The words after `request-access`. */
export function parseRequestAccess(text: string): RequestAccessCommand {
  const all = words(text);
  if (all.length === 0) return { kind: 'open_form', role: null };
  if (all.length === 1 && HELP_WORDS.has(all[0]!.toLowerCase())) return { kind: 'help' };
  const [role, ...rest] = all as [string, ...string[]];
  if (isFlag(role)) return invalid({ code: 'role_not_first' });
  if (!ROLE_NAME.test(role) || role.length > ROLE_NAME_MAX) return invalid({ code: 'not_a_role', word: role });

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
        if (!value || isFlag(value)) return invalid({ code: 'ticket_needs_id' });
        if (ticket !== null) return invalid({ code: 'ticket_twice' });
        if (value.length > TICKET_MAX) return invalid({ code: 'ticket_too_long', max: TICKET_MAX });
        ticket = value;
        break;
      }
      case '--break-glass':
      case '--breakglass':
        if (inline !== undefined) return invalid({ code: 'break_glass_takes_no_value' });
        breakGlass = true;
        break;
      default:
        return invalid({ code: 'unknown_option', word: flag });
    }
  }
  if (positional.length === 0 && ticket === null && !breakGlass) return { kind: 'open_form', role };
  const [durationWord, ...reasonWords] = positional;
  const durationMs = durationWord === undefined ? null : parseDuration(durationWord);
  if (durationMs === null) return invalid(durationProblem(durationWord, `request-access ${role} 30m checking INC-123`));
  if (reasonWords.length === 0) return invalid({ code: 'reason_missing', role, duration: durationWord! });
  return fileRequestSchema.parse({ kind: 'file', role, durationMs, reason: reasonWords.join(' '), ticket, breakGlass });
}

/** The words after `access`. */
export function parseAccess(text: string): AccessCommand {
  const all = words(text);
  if (all.length === 0) return { kind: 'list' };
  const [verb, ...args] = all as [string, ...string[]];
  const lower = verb.toLowerCase();
  if (HELP_WORDS.has(lower)) return all.length === 1 ? { kind: 'help' } : invalid({ code: 'takes_nothing_more', what: 'access help' });
  if (lower === 'list' || lower === 'mine') return args.length === 0 ? { kind: 'list' } : invalid({ code: 'takes_nothing_more', what: 'access' });
  if (lower === 'pending') return args.length === 0 ? { kind: 'pending' } : invalid({ code: 'takes_nothing_more', what: 'access pending' });
  if (lower === 'run') return parseRun(args);
  if (lower !== 'revoke' && lower !== 'cancel' && lower !== 'extend' && lower !== 'expedite') return invalid({ code: 'unknown_verb', word: verb });
  const refWord = args[0];
  if (refWord === undefined) return invalid({ code: 'request_missing', verb: lower });
  const requestId = parseRequestRef(refWord);
  if (requestId === null || requestId < 1) return invalid({ code: 'not_a_request', word: refWord, verb: lower });
  const rest = args.slice(1);
  const reason = (from: string[]): string | null => (from.length ? from.join(' ') : null);
  switch (lower) {
    case 'revoke':
      return accessSchema.parse({ kind: 'revoke', requestId, reason: reason(rest) });
    case 'expedite':
      return accessSchema.parse({ kind: 'expedite', requestId, reason: reason(rest) });
    case 'cancel':
      return rest.length === 0 ? accessSchema.parse({ kind: 'cancel', requestId }) : invalid({ code: 'cancel_takes_only_request' });
    case 'extend': {
      const durationMs = rest[0] === undefined ? null : parseDuration(rest[0]);
      if (durationMs === null) return invalid(durationProblem(rest[0], `access extend ${requestRef(requestId)} 30m`));
      return accessSchema.parse({ kind: 'extend', requestId, durationMs, reason: reason(rest.slice(1)) });
    }
  }
}

/** `access run ACTION [AR-N]`: a runbook action of a role the person holds (src/app/run-action.ts decides). */
function parseRun(args: string[]): AccessCommand {
  const [action, ref, ...extra] = args;
  if (action === undefined) return invalid({ code: 'action_missing' });
  if (!ROLE_NAME.test(action) || action.length > 64) return invalid({ code: 'not_an_action', word: action });
  if (ref === undefined) return accessSchema.parse({ kind: 'run', action, requestId: null });
  const requestId = parseRequestRef(ref);
  if (requestId === null || requestId < 1 || extra.length > 0) return invalid({ code: 'not_a_request', word: extra[0] ?? ref, verb: 'run' });
  return accessSchema.parse({ kind: 'run', action, requestId });
}

/**
 * A whole message typed to the bot: `request-access …`, `access …` or `help` (a leading "/" is forgiven, as
 * people used to Slack type it).
 */
export function parseMessage(text: string): MessageCommand {
  const [, first = '', rest = ''] = /^(\S*)\s*(.*)$/su.exec(text.trim()) ?? [];
  const name = first.replace(/^\//, '').toLowerCase();
  if (name === 'request-access') return { command: 'request-access', parsed: parseRequestAccess(rest) };
  if (name === 'access') return { command: 'access', parsed: parseAccess(rest) };
  if (name === '' || HELP_WORDS.has(name)) return { command: 'help' };
  return invalid({ code: 'unknown_command', word: first });
}
