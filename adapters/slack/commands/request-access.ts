/** `/request-access`: the form, help, or filing a request straight from the words typed. */
import type { App } from '@slack/bolt';
import { requestAccess } from '../../../src/app/request-access.ts';
import { requestableRoles } from '../../../src/domain/request-rules.ts';
import type { Person } from '../../../src/domain/identity.ts';
import { actAs } from '../act-as.ts';
import { withApproverMentions } from '../approver-mentions.ts';
import { timedAck } from '../middleware.ts';
import { whoYouAre } from '../refusal.ts';
import { helpText, requestModal } from '../render/index.ts';
import type { PrivateMessage } from '../replies.ts';
import type { SlackServices } from '../services.ts';
import { filedAnswer } from './answers.ts';
import { parseRequestAccess, REQUEST_USAGE } from './parse.ts';

export const REQUEST_ACCESS_COMMAND = '/request-access';

/** Open the request form with the roles this person may request (also used by the App Home button). */
export async function openRequestForm(s: SlackServices, person: Person, slackUserId: string, triggerId: string, initialRole: string | null, privateMetadata = ''): Promise<PrivateMessage | null> {
  const roles = requestableRoles(s.ctx.policy, person);
  if (roles.length === 0) return { text: `You may not request any role yet. ${whoYouAre(person, slackUserId)}` };
  try {
    await s.client.views.open({ trigger_id: triggerId, view: requestModal(roles, { ...(initialRole ? { initialRole } : {}), privateMetadata }) });
    return null;
  } catch (error) {
    s.log.warn({ err: error instanceof Error ? error.message : String(error) }, 'could not open the request form');
    return { text: `Slack did not let me open the form just now. Try again, or file directly: ${REQUEST_USAGE}.` };
  }
}

export function registerRequestAccess(app: App, s: SlackServices): void {
  app.command(REQUEST_ACCESS_COMMAND, async ({ command, ack, respond, context }) => {
    const done = timedAck(s.metrics, 'command', context, ack);
    const parsed = parseRequestAccess(command.text);
    if (parsed.kind === 'invalid') {
      await done({ response_type: 'ephemeral', text: parsed.problem });
      return;
    }
    await done();
    const target = { userId: command.user_id, channelId: command.channel_id, respond };
    await actAs(s, target, 'request-access', async (person) => {
      switch (parsed.kind) {
        case 'open_form':
          return openRequestForm(s, person, command.user_id, command.trigger_id, parsed.role, JSON.stringify({ channel: command.channel_id }));
        case 'help': {
          const roles = requestableRoles(s.ctx.policy, person);
          const help = helpText({ command: 'request-access', roles, minDurationMs: s.ctx.policy.minDurationMs });
          return { text: roles.length ? help : `${help}\n${whoYouAre(person, command.user_id)}` };
        }
        case 'file': {
          const filed = await requestAccess(s.ctx, {
            roleName: parsed.role,
            requester: person,
            durationMs: parsed.durationMs,
            reason: parsed.reason,
            ticket: parsed.ticket,
            breakGlass: parsed.breakGlass,
            origin: 'slack',
          });
          return filedAnswer(filed.view.status === 'pending' ? await withApproverMentions(s.directory, filed.view) : filed.view, filed.outcome);
        }
      }
    });
  });
}
