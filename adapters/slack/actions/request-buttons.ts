/** Buttons on a pending request: Approve, Deny (opens the deny form), Cancel and Urgent — page approvers (requester). */
import type { App } from '@slack/bolt';
import { cancelRequest } from '../../../src/app/cancel.ts';
import { mayReview } from '../../../src/app/may-review.ts';
import { review } from '../../../src/app/review.ts';
import { expediteRequest } from '../../../src/app/waiting.ts';
import { approvedAnswer, cancelledAnswer, expeditedAnswer } from '../../../src/chat/index.ts';
import { ACTION_IDS, denyModal, renderAnswer } from '../render/index.ts';
import type { SlackServices } from '../services.ts';
import { onRequestButton } from './button.ts';
import { openModal } from '../open-modal.ts';
import { withApproverMentions } from '../approver-mentions.ts';
import { asRequestId } from '../../../src/domain/request-id.ts';

export function registerRequestButtons(app: App, s: SlackServices): void {
  onRequestButton(app, s, ACTION_IDS.approve, async (click, person) => {
    const { outcome } = await review(s.ctx, { requestId: click.requestId, reviewer: person, decision: 'approve' });
    return renderAnswer(approvedAnswer(click.requestId, outcome));
  });

  onRequestButton(app, s, ACTION_IDS.deny, async (click, person) => {
    // Checked before the form opens, so nobody writes a reason only to be refused.
    const view = await mayReview(s.ctx, { requestId: click.requestId, reviewer: person, decision: 'deny' });
    await openModal(s, click.triggerId, denyModal(view), 'Deny');
    return null;
  });

  onRequestButton(app, s, ACTION_IDS.cancel, async (click, person) => {
    return renderAnswer(cancelledAnswer(await cancelRequest(s.ctx, { requestId: click.requestId, actor: person })));
  });

  onRequestButton(app, s, ACTION_IDS.expedite, async (click, person) => {
    const view = await expediteRequest(s.ctx, { requestId: asRequestId(click.requestId), actor: person });
    return renderAnswer(expeditedAnswer(await withApproverMentions(s.directory, view)));
  });
}
