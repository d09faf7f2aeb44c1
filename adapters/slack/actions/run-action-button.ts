/**
 * The "Run <action>" button (holder's DM, App Home, or the answer to /access run): reads only the request id and
 * the action's name from the button; the core decides whether the clicker may run it. A `confirm: true` action's
 * button carries Slack's confirm dialog, so a click is already confirmed. The output goes to the clicker only.
 */
import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { runAction } from '../../../src/app/run-action.ts';
import { runActionReply, staleButtonAnswer } from '../../../src/chat/index.ts';
import { actAs } from '../act-as.ts';
import { SLACK_DIALECT } from '../dialect.ts';
import { timedAck } from '../middleware.ts';
import { ACTION_IDS, parseActionButtonValue, renderAnswer, RUN_ACTION_ID_PATTERN } from '../render/index.ts';
import { replyPrivately } from '../replies.ts';
import type { SlackServices } from '../services.ts';
import { clickTarget } from './button.ts';

export function registerRunActionButton(app: App, s: SlackServices): void {
  app.action<BlockAction<ButtonAction>>({ type: 'block_actions', action_id: RUN_ACTION_ID_PATTERN }, async ({ ack, body, action, respond, context }) => {
    await timedAck(s.metrics, 'action', context, ack)();
    const target = clickTarget(body, respond);
    const value = parseActionButtonValue(action.value);
    if (value === null) {
      await replyPrivately(s, target, renderAnswer(staleButtonAnswer(SLACK_DIALECT)));
      return;
    }
    await actAs(
      s,
      target,
      ACTION_IDS.runAction,
      async (person) => renderAnswer(runActionReply(await runAction(s.ctx, { actor: person, action: value.action, requestId: value.requestId, confirmed: true }))),
      value.requestId,
    );
  });
}
