/** `/request-access help` and `/access help`: usage (DESIGN §5) and the roles this person may request. */
import { formatDuration } from '../../../src/domain/duration.ts';
import { ticketRequired, type RoleChoice } from './modals.ts';
import { escapeAndTruncate, oneLine, truncate } from './text.ts';

export interface HelpInput {
  command: 'request-access' | 'access';
  /** The roles this user may request (e.g. the core's requestableRoles). */
  roles: RoleChoice[];
  /** The policy's global minimum duration, when it differs from 1m. */
  minDurationMs?: number;
}

const HELP_MAX = 3000;

const REQUEST_USAGE = [
  '*Request temporary access*',
  '• `/request-access` — open the request form',
  '• `/request-access ROLE DURATION REASON…` — file directly, e.g. `/request-access readonly 30m checking INC-123`',
  '   Flags anywhere after ROLE: `--ticket ID`, `--break-glass`',
  '• `/request-access help` — this help',
];

const ACCESS_USAGE = [
  '*Your access*',
  '• `/access` — your active access and pending requests',
  '• `/access revoke AR-42` — end access now',
  '• `/access cancel AR-42` — withdraw a pending request',
  '• `/access extend AR-42 30m` — ask for more time (needs approval)',
  '• `/access pending` — requests waiting for your review',
  '• `/access help` — this help',
];

function roleLine(role: RoleChoice): string {
  const facts = [`up to ${formatDuration(role.maxDurationMs)}`, `default ${formatDuration(role.defaultDurationMs)}`];
  if (role.autoApprove) facts.push(`auto-approved up to ${formatDuration(role.autoApprove.maxDurationMs)}`);
  if (ticketRequired(role)) facts.push('ticket required');
  if (role.breakGlass) facts.push('break-glass allowed');
  const description = role.description ? ` — ${escapeAndTruncate(oneLine(role.description), 120)}` : '';
  return `• \`${escapeAndTruncate(role.name, 60)}\`${description} (${facts.join(', ')})`;
}

/** Help text in mrkdwn, at most 3000 characters so it fits one section as well as a plain reply. */
export function helpText(input: HelpInput): string {
  const usage = input.command === 'request-access' ? REQUEST_USAGE : ACCESS_USAGE;
  const min = input.minDurationMs && input.minDurationMs !== 60_000 ? ` Minimum ${formatDuration(input.minDurationMs)}.` : '';
  const lines = [...usage, `Durations: \`45s\`, \`30m\`, \`2h\`, \`1h30m\`, \`1d\`.${min}`, ''];
  if (input.roles.length === 0) {
    lines.push('You may not request any role yet. Ask an accessbot admin to add you to a role’s requesters.');
    return truncate(lines.join('\n'), HELP_MAX);
  }
  lines.push('*Roles you may request*');
  let text = lines.join('\n');
  for (let i = 0; i < input.roles.length; i++) {
    const line = roleLine(input.roles[i]!);
    const rest = input.roles.length - i;
    if (text.length + line.length + 60 > HELP_MAX) return `${text}\n…and ${rest} more. Open the form with \`/request-access\` to see them all.`;
    text += `\n${line}`;
  }
  return text;
}
