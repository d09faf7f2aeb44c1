/** `/access`: my access, what awaits my review, and revoke / cancel / extend by request id. */
import type { App } from '@slack/bolt';
import { cancelRequest } from '../../../src/app/cancel.ts';
import { requestExtension } from '../../../src/app/extend.ts';
import { listAwaitingReview, listMyAccess } from '../../../src/app/list-access.ts';
import { revokeAccess } from '../../../src/app/revoke.ts';
import { expediteRequest } from '../../../src/app/waiting.ts';
import { runAction } from '../../../src/app/run-action.ts';
import { parseAccess, runActionReply, awaitingReviewAnswer, cancelledAnswer, expeditedAnswer, extensionAnswer, helpAnswer, myAccessAnswer, notAnApproverAnswer, revokedAnswer } from '../../../src/chat/index.ts';
import { samePerson } from '../../../src/domain/identity.ts';
import { requestableRoles } from '../../../src/domain/request-rules.ts';
import { actAs } from '../act-as.ts';
import { withApproverMentions } from '../approver-mentions.ts';
import { ANSWER_ITEMS_PER_LIST, SLACK_DIALECT } from '../dialect.ts';
import { timedAck } from '../middleware.ts';
import { renderAnswer } from '../render/index.ts';
import type { SlackServices } from '../services.ts';
import { problemAnswer, unescapeCommandText } from './words.ts';
import { mayEverApprove } from '../../../src/domain/waiting.ts';
import { asRequestId } from '../../../src/domain/request-id.ts';

export const ACCESS_COMMAND = '/access';

const LISTS = { dialect: SLACK_DIALECT, itemsPerList: ANSWER_ITEMS_PER_LIST };

export function registerAccess(app: App, s: SlackServices): void {
  app.command(ACCESS_COMMAND, async ({ command, ack, respond, context }) => {
    const done = timedAck(s.metrics, 'command', context, ack);
    const parsed = parseAccess(unescapeCommandText(command.text));
    if (parsed.kind === 'invalid') {
      await done(problemAnswer(parsed.problem));
      return;
    }
    await done();
    const target = { userId: command.user_id, channelId: command.channel_id, respond };
    const requestId = 'requestId' in parsed ? parsed.requestId : null;
    await actAs(
      s,
      target,
      `access ${parsed.kind}`,
      async (person) => {
        switch (parsed.kind) {
          case 'list': {
            const mine = await listMyAccess(s.ctx, person);
            // Who was asked about each waiting request, as mentions (display only).
            const pending = await Promise.all(mine.pending.map((view) => withApproverMentions(s.directory, view)));
            return renderAnswer(myAccessAnswer({ ...mine, pending }, LISTS));
          }
          case 'pending': {
            const approves = Object.values(s.ctx.policy.roles).some((role) => mayEverApprove(role, person));
            return renderAnswer(approves ? awaitingReviewAnswer(await listAwaitingReview(s.ctx, person), LISTS) : notAnApproverAnswer());
          }
          case 'help':
            return renderAnswer(helpAnswer({ command: 'access', roles: requestableRoles(s.ctx.policy, person), minDurationMs: s.ctx.policy.minDurationMs, dialect: SLACK_DIALECT }));
          case 'revoke': {
            const view = await revokeAccess(s.ctx, { requestId: parsed.requestId, actor: person, reason: parsed.reason });
            // The holder's Home shows "being removed" now, not when the target is done.
            if (view.requester.slackId) s.homes.refreshUser(view.requester.slackId);
            return renderAnswer(revokedAnswer(view, samePerson(view.requester, person) ? 'holder' : 'someone else'));
          }
          case 'cancel':
            return renderAnswer(cancelledAnswer(await cancelRequest(s.ctx, { requestId: parsed.requestId, actor: person })));
          case 'extend': {
            const result = await requestExtension(s.ctx, { requestId: parsed.requestId, actor: person, durationMs: parsed.durationMs, reason: parsed.reason, origin: 'slack' });
            const view = result.autoApproved ? result.view : await withApproverMentions(s.directory, result.view);
            return renderAnswer(extensionAnswer(view, result.autoApproved, SLACK_DIALECT));
          }
          case 'expedite':
            return renderAnswer(expeditedAnswer(await withApproverMentions(s.directory, await expediteRequest(s.ctx, { requestId: asRequestId(parsed.requestId), actor: person, note: parsed.reason }))));
          case 'run':
            // A confirm: true action answers with a button that asks "are you sure?" first.
            return renderAnswer(runActionReply(await runAction(s.ctx, { actor: person, action: parsed.action, requestId: parsed.requestId, confirmed: false })));
        }
      },
      requestId,
    );
  });
}
