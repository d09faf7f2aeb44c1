/** `request-access help` and `access help`: usage (DESIGN §5) and the roles this person may request. */
import { formatDuration } from '../../domain/duration.ts';
import { command, type ChatDialect } from '../dialect.ts';
import { bold, code, joinRich, oneLine, rich, roughLength, text, type RichText } from '../rich-text.ts';

/** What the request form and help need to know about a role. The core's RoleDef fits this shape. */
export interface RoleChoice {
  name: string;
  description?: string | null;
  maxDurationMs: number;
  defaultDurationMs: number;
  /** null/false: no ticket; '' or true: any ticket; other string: a regex the ticket must match. */
  requireTicket: string | null | boolean;
  breakGlass?: boolean;
  autoApprove?: { maxDurationMs: number } | null;
}

export const ticketRequired = (role: RoleChoice): boolean => role.requireTicket !== null && role.requireTicket !== false;

export interface HelpInput {
  command: 'request-access' | 'access';
  /** The roles this user may request (e.g. the core's requestableRoles). */
  roles: RoleChoice[];
  /** The policy's global minimum duration, when it differs from 1m. */
  minDurationMs?: number;
  dialect: ChatDialect;
}

/** About how long help may get: it must fit one paragraph as well as a plain reply. */
const HELP_MAX = 3000;

export const NO_ROLES = 'You may not request any role yet. Ask an accessbot admin to add you to a role’s requesters.';

function usage(input: HelpInput): RichText[] {
  const cmd = (words: string) => command(input.dialect, words);
  if (input.command === 'request-access') {
    return [
      rich(bold('Request temporary access')),
      rich('• ', cmd('request-access'), ' — open the request form'),
      rich('• ', cmd('request-access ROLE DURATION REASON…'), ' — file directly, e.g. ', cmd('request-access readonly 30m checking INC-123')),
      rich('   Flags anywhere after ROLE: ', code('--ticket ID'), ', ', code('--break-glass')),
      rich('• ', cmd('request-access help'), ' — this help'),
    ];
  }
  return [
    rich(bold('Your access')),
    rich('• ', cmd('access'), ' — your active access and pending requests'),
    rich('• ', cmd('access revoke AR-42'), ' — end access now'),
    rich('• ', cmd('access cancel AR-42'), ' — withdraw a pending request'),
    rich('• ', cmd('access expedite AR-42 reason'), ' — urgent: page the approvers of your pending request now (once)'),
    rich('• ', cmd('access extend AR-42 30m'), ' — ask for more time (needs approval)'),
    rich('• ', cmd('access run ACTION'), ' — run a runbook action of access you hold now'),
    rich('• ', cmd('access pending'), ' — requests waiting for your review'),
    rich('• ', cmd('access help'), ' — this help'),
  ];
}

function roleLine(role: RoleChoice): RichText {
  const facts = [`up to ${formatDuration(role.maxDurationMs)}`, `default ${formatDuration(role.defaultDurationMs)}`];
  if (role.autoApprove) facts.push(`auto-approved up to ${formatDuration(role.autoApprove.maxDurationMs)}`);
  if (ticketRequired(role)) facts.push('ticket required');
  if (role.breakGlass) facts.push('break-glass allowed');
  return rich('• ', code(role.name, 60), role.description && ' — ', role.description && text(oneLine(role.description), 120), ` (${facts.join(', ')})`);
}

/** Help as one paragraph of lines, about HELP_MAX characters at most. */
export function helpMessage(input: HelpInput): RichText {
  const min = input.minDurationMs && input.minDurationMs !== 60_000 ? ` Minimum ${formatDuration(input.minDurationMs)}.` : '';
  const durations = rich('Durations: ', joinRich(['45s', '30m', '2h', '1h30m', '1d'].map((d) => rich(code(d))), ', '), `.${min}`);
  const lines: RichText[] = [...usage(input), durations, rich()];
  if (input.roles.length === 0) return joinRich([...lines, rich(NO_ROLES)], '\n');
  let out = joinRich([...lines, rich(bold('Roles you may request'))], '\n');
  for (let i = 0; i < input.roles.length; i++) {
    const line = roleLine(input.roles[i]!);
    if (roughLength(out) + roughLength(line) + 60 > HELP_MAX) {
      return rich(out, `\n…and ${input.roles.length - i} more. Open the form with `, command(input.dialect, 'request-access'), ' to see them all.');
    }
    out = rich(out, '\n', line);
  }
  return out;
}
