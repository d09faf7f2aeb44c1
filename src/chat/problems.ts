/** What a person is told when the words of a command are wrong: what was wrong, and what would work. */
import { DURATION_EXAMPLES } from '../domain/duration.ts';
import { command, type ChatDialect } from './dialect.ts';
import type { CommandProblem, RequestVerb } from './grammar.ts';
import { code, cut, rich, type RichText } from './rich-text.ts';

/** A word the person typed, quoted back to them (cut; the renderer makes it inert). */
const shown = (word: string): string => `"${cut(word, 40)}"`;

const requestExample = (verb: RequestVerb): string => (verb === 'extend' ? 'access extend AR-42 30m' : verb === 'run' ? 'access run restart-api AR-42' : `access ${verb} AR-42`);

export function describeProblem(problem: CommandProblem, dialect: ChatDialect): RichText {
  const cmd = (words: string) => command(dialect, words);
  const requestUsage = rich(`${dialect.commandPrefix}request-access ROLE DURATION REASON… [--ticket ID] [--break-glass], e.g. `, cmd('request-access readonly 30m checking INC-123'));
  const accessUsage = ['access', 'access pending', 'access revoke AR-42', 'access cancel AR-42', 'access extend AR-42 30m'].map((w) => `${dialect.commandPrefix}${w}`).join(', ');
  switch (problem.code) {
    case 'role_not_first':
      return rich('Put the role first, then the duration and the reason: ', requestUsage, '.');
    case 'not_a_role':
      return rich(`${shown(problem.word)} is not a role name. Usage: `, requestUsage, '.');
    case 'ticket_needs_id':
      return rich(code('--ticket'), ' needs the ticket id after it, e.g. ', code('--ticket INC-123'), '.');
    case 'ticket_twice':
      return rich('Give ', code('--ticket'), ' only once.');
    case 'ticket_too_long':
      return rich(`That ticket id is too long (at most ${problem.max} characters).`);
    case 'break_glass_takes_no_value':
      return rich(code('--break-glass'), ' takes no value.');
    case 'unknown_option':
      return rich(`Unknown option ${shown(problem.word)}. The options are `, code('--ticket ID'), ' and ', code('--break-glass'), '.');
    case 'duration_missing':
      return rich('Say how long you need it, e.g. ', cmd(problem.example), ` (${DURATION_EXAMPLES}).`);
    case 'duration_zero':
      return rich(`${shown(problem.word)} is no time at all: give a length above zero (e.g. `, cmd(problem.example), ').');
    case 'not_a_duration':
      return rich(`${shown(problem.word)} is not a duration: ${DURATION_EXAMPLES} (e.g. `, cmd(problem.example), ').');
    case 'reason_missing':
      return rich('Say why you need access after the duration, e.g. ', cmd(`request-access ${problem.role} ${problem.duration} checking INC-123`), '.');
    case 'takes_nothing_more':
      if (problem.what === 'access') return rich(cmd('access'), ` on its own lists your access. Usage: ${accessUsage}.`);
      if (problem.what === 'access help') return rich(cmd('access help'), ` takes nothing after it. Usage: ${accessUsage}.`);
      return rich(cmd('access pending'), ' takes nothing after it.');
    case 'unknown_verb':
      return rich(`I don't know ${shown(problem.word)}. Usage: ${accessUsage}.`);
    case 'request_missing':
      return rich('Say which request, e.g. ', cmd(requestExample(problem.verb)), ' (see ', cmd('access'), ' for yours).');
    case 'not_a_request':
      return rich(`${shown(problem.word)} is not a request id; they look like AR-42, e.g. `, cmd(requestExample(problem.verb)), '.');
    case 'cancel_takes_only_request':
      return rich(cmd('access cancel'), ' takes only the request id, e.g. ', cmd('access cancel AR-42'), '.');
    case 'action_missing':
      return rich('Say which action, e.g. ', cmd('access run restart-api'), ' (your access lists the actions you may run).');
    case 'not_an_action':
      return rich(`${shown(problem.word)} is not an action name, e.g. `, cmd('access run restart-api'), '.');
    case 'unknown_command':
      return rich(`I don't know ${shown(problem.word)}. Try `, cmd('request-access help'), ' or ', cmd('access help'), '.');
  }
}
