/**
 * One shape for every request button: ack at once, read nothing but the request id from the button, resolve the
 * clicker, let the core decide, and answer privately. Refusals always reach the clicker; success answers only when
 * the click came from a message (in App Home the refreshed tab is the answer, not a popup).
 */
import type { App, BlockAction, ButtonAction, RespondFn } from '@slack/bolt';
import { staleButtonAnswer } from '../../../src/chat/index.ts';
import type { Person } from '../../../src/domain/identity.ts';
import { actAs } from '../act-as.ts';
import { SLACK_DIALECT } from '../dialect.ts';
import { timedAck } from '../middleware.ts';
import { parseRequestButtonValue, renderAnswer } from '../render/index.ts';
import { replyPrivately, type PrivateMessage, type PrivateTarget } from '../replies.ts';
import type { SlackServices } from '../services.ts';
import type { RequestId } from '../../../src/domain/request-id.ts';

export interface Click {
  userId: string;
  requestId: RequestId;
  triggerId: string;
  /** The click came from a view (App Home or a modal), not from a message. */
  fromView: boolean;
  /** The click came from the App Home tab. */
  inHome: boolean;
  target: PrivateTarget;
}

export function clickTarget(body: BlockAction, respond: RespondFn | undefined): PrivateTarget {
  const fromView = body.container?.type === 'view' || (!body.message && body.view !== undefined);
  return {
    userId: body.user.id,
    channelId: body.channel?.id ?? null,
    respond: body.response_url ? respond : undefined,
    triggerId: fromView ? body.trigger_id : null,
  };
}

export function onRequestButton(
  app: App,
  s: SlackServices,
  actionId: string,
  work: (click: Click, person: Person) => Promise<PrivateMessage | null> | PrivateMessage | null,
): void {
  app.action<BlockAction<ButtonAction>>(actionId, async ({ ack, body, action, respond, context }) => {
    await timedAck(s.metrics, 'action', context, ack)();
    const target = clickTarget(body, respond);
    const requestId = parseRequestButtonValue(action.value);
    if (requestId === null) {
      await replyPrivately(s, target, renderAnswer(staleButtonAnswer(SLACK_DIALECT)));
      return;
    }
    const inHome = body.view?.type === 'home';
    const click: Click = { userId: body.user.id, requestId, triggerId: body.trigger_id, fromView: target.triggerId !== null, inHome, target };
    await actAs(
      s,
      target,
      actionId,
      async (person) => {
        const answer = await work(click, person);
        return click.fromView ? null : answer;
      },
      requestId,
    );
    // The Home they clicked in shows the state before the click (or a stale one, if the click was refused).
    if (inHome) s.homes.refreshUser(body.user.id);
  });
}
