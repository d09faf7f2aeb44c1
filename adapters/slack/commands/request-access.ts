/** `/request-access`: the form, help, or filing a request straight from the words typed. */
import type { App } from '@slack/bolt';
import { command, commandText, fileParsedRequest, parseRequestAccess, filedAnswer, helpAnswer, noRolesAnswer, plainAnswer, rich } from '../../../src/chat/index.ts';
import { requestableRoles } from '../../../src/domain/request-rules.ts';
import type { Person } from '../../../src/domain/identity.ts';
import { actAs } from '../act-as.ts';
import { withApproverMentions } from '../approver-mentions.ts';
import { SLACK_DIALECT } from '../dialect.ts';
import { timedAck } from '../middleware.ts';
import { renderAnswer, requestModal } from '../render/index.ts';
import type { PrivateMessage } from '../replies.ts';
import type { SlackServices } from '../services.ts';
import { problemAnswer, unescapeCommandText } from './words.ts';

export const REQUEST_ACCESS_COMMAND = '/request-access';

/** Open the request form with the roles this person may request (also used by the App Home button). */
export async function openRequestForm(s: SlackServices, person: Person, slackUserId: string, triggerId: string, initialRole: string | null, privateMetadata = ''): Promise<PrivateMessage | null> {
  const roles = requestableRoles(s.ctx.policy, person);
  if (roles.length === 0) return renderAnswer(noRolesAnswer({ person, userId: slackUserId }, SLACK_DIALECT));
  try {
    await s.client.views.open({ trigger_id: triggerId, view: requestModal(roles, { ...(initialRole ? { initialRole } : {}), privateMetadata }) });
    return null;
  } catch (error) {
    s.log.warn({ err: error instanceof Error ? error.message : String(error) }, 'could not open the request form');
    const usage = commandText(SLACK_DIALECT, 'request-access ROLE DURATION REASON… [--ticket ID] [--break-glass]');
    const example = command(SLACK_DIALECT, 'request-access readonly 30m checking INC-123');
    return renderAnswer(plainAnswer(rich(`Slack did not let me open the form just now. Try again, or file directly: ${usage}, e.g. `, example, '.')));
  }
}

export function registerRequestAccess(app: App, s: SlackServices): void {
  app.command(REQUEST_ACCESS_COMMAND, async ({ command, ack, respond, context }) => {
    const done = timedAck(s.metrics, 'command', context, ack);
    const parsed = parseRequestAccess(unescapeCommandText(command.text));
    if (parsed.kind === 'invalid') {
      await done(problemAnswer(parsed.problem));
      return;
    }
    await done();
    const target = { userId: command.user_id, channelId: command.channel_id, respond };
    await actAs(s, target, 'request-access', async (person) => {
      switch (parsed.kind) {
        case 'open_form':
          return openRequestForm(s, person, command.user_id, command.trigger_id, parsed.role, JSON.stringify({ channel: command.channel_id }));
        case 'help': {
          const help = { command: 'request-access' as const, roles: requestableRoles(s.ctx.policy, person), minDurationMs: s.ctx.policy.minDurationMs, dialect: SLACK_DIALECT };
          return renderAnswer(helpAnswer(help, { person, userId: command.user_id }));
        }
        case 'file': {
          const filed = await fileParsedRequest(s.ctx, parsed, person, 'slack');
          const view = filed.view.status === 'pending' ? await withApproverMentions(s.directory, filed.view) : filed.view;
          return renderAnswer(filedAnswer(view, filed.outcome, SLACK_DIALECT));
        }
      }
    });
  });
}
