/** `/access`: my access, what awaits my review, and revoke / cancel / extend by request id. */
import type { App } from '@slack/bolt';
import { cancelRequest } from '../../../src/app/cancel.ts';
import { requestExtension } from '../../../src/app/extend.ts';
import { listAwaitingReview, listMyAccess } from '../../../src/app/list-access.ts';
import { revokeAccess } from '../../../src/app/revoke.ts';
import { isMember, samePerson } from '../../../src/domain/identity.ts';
import { requestableRoles } from '../../../src/domain/request-rules.ts';
import { actAs } from '../act-as.ts';
import { withApproverMentions } from '../approver-mentions.ts';
import { timedAck } from '../middleware.ts';
import { helpText, mentionPerson } from '../render/index.ts';
import type { SlackServices } from '../services.ts';
import { awaitingReviewAnswer, extensionAnswer, myAccessAnswer } from './answers.ts';
import { parseAccess } from './parse.ts';

export const ACCESS_COMMAND = '/access';

export function registerAccess(app: App, s: SlackServices): void {
  app.command(ACCESS_COMMAND, async ({ command, ack, respond, context }) => {
    const done = timedAck(s.metrics, 'command', context, ack);
    const parsed = parseAccess(command.text);
    if (parsed.kind === 'invalid') {
      await done({ response_type: 'ephemeral', text: parsed.problem });
      return;
    }
    await done();
    const target = { userId: command.user_id, channelId: command.channel_id, respond };
    await actAs(s, target, `access ${parsed.kind}`, async (person) => {
      switch (parsed.kind) {
        case 'list':
          return myAccessAnswer(await listMyAccess(s.ctx, person));
        case 'pending': {
          const approves = Object.values(s.ctx.policy.roles).some((role) => isMember(role.approvers, person));
          return approves ? awaitingReviewAnswer(await listAwaitingReview(s.ctx, person)) : { text: 'You are not an approver for any role, so no requests wait for your review.' };
        }
        case 'help':
          return { text: helpText({ command: 'access', roles: requestableRoles(s.ctx.policy, person), minDurationMs: s.ctx.policy.minDurationMs }) };
        case 'revoke': {
          const view = await revokeAccess(s.ctx, { requestId: parsed.requestId, actor: person, reason: parsed.reason });
          // The holder's Home shows "being removed" now, not when the target is done.
          if (view.requester.slackId) s.homes.refreshUser(view.requester.slackId);
          const who = samePerson(view.requester, person) ? "you'll get a DM" : `${mentionPerson(view.requester)} gets a DM`;
          return { text: `⏹️ Ending ${view.ref} now; ${who} when the access is gone.` };
        }
        case 'cancel': {
          const view = await cancelRequest(s.ctx, { requestId: parsed.requestId, actor: person });
          return { text: `🚫 Cancelled ${view.ref}.` };
        }
        case 'extend': {
          const result = await requestExtension(s.ctx, { requestId: parsed.requestId, actor: person, durationMs: parsed.durationMs, reason: parsed.reason, origin: 'slack' });
          return extensionAnswer(result.autoApproved ? result.view : await withApproverMentions(s.directory, result.view), result.autoApproved);
        }
      }
    });
  });
}
