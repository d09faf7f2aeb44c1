/** Slash-command text as typed: Slack sends `&`, `<` and `>` HTML-escaped; the chat layer's grammar reads it back as typed. */
import { describeProblem, type CommandProblem } from '../../../src/chat/index.ts';
import { SLACK_DIALECT } from '../dialect.ts';
import { toMrkdwn } from '../render/index.ts';

export function unescapeCommandText(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** The ephemeral answer (in the ack) to words the grammar could not read. */
export function problemAnswer(problem: CommandProblem): { response_type: 'ephemeral'; text: string } {
  return { response_type: 'ephemeral', text: toMrkdwn(describeProblem(problem, SLACK_DIALECT)) };
}
