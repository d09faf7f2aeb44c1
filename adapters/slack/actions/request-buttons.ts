/** Buttons on a pending request: Approve, Deny (opens the deny form), Cancel (requester). */
import type { App } from '@slack/bolt';
import { cancelRequest } from '../../../src/app/cancel.ts';
import { priorReviews } from '../../../src/app/records.ts';
import { loadRequestView, requestRef } from '../../../src/app/request-view.ts';
import { review } from '../../../src/app/review.ts';
import { AccessError, isAccessError } from '../../../src/domain/errors.ts';
import type { Person } from '../../../src/domain/identity.ts';
import { evaluateReview } from '../../../src/domain/request-rules.ts';
import { ACTION_IDS, denyModal } from '../render/index.ts';
import type { SlackServices } from '../services.ts';
import { onRequestButton } from './button.ts';
import { openModal } from '../open-modal.ts';

export function registerRequestButtons(app: App, s: SlackServices): void {
  onRequestButton(app, s, ACTION_IDS.approve, async (click, person) => {
    const { outcome } = await review(s.ctx, { requestId: click.requestId, reviewer: person, decision: 'approve' });
    const ref = requestRef(click.requestId);
    return { text: outcome.kind === 'recorded' ? `👍 You approved ${ref}; ${outcome.remaining} more approval${outcome.remaining === 1 ? '' : 's'} needed.` : `✅ You approved ${ref}.` };
  });

  onRequestButton(app, s, ACTION_IDS.deny, async (click, person) => {
    try {
      await checkMayDeny(s, click.requestId, person);
    } catch (error) {
      if (isAccessError(error) && error.code === 'self_approval') {
        const ref = requestRef(click.requestId);
        throw new AccessError('self_approval', `This is your own request, so you cannot deny it. To withdraw it, use Cancel request in my DM about it, or \`/access cancel ${ref}\`.`);
      }
      throw error;
    }
    const view = (await loadRequestView(s.ctx.store, s.ctx.policy, click.requestId, s.ctx.clock.now()))!;
    await openModal(s, click.triggerId, denyModal(view), 'Deny');
    return null;
  });

  onRequestButton(app, s, ACTION_IDS.cancel, async (click, person) => {
    const view = await cancelRequest(s.ctx, { requestId: click.requestId, actor: person });
    return { text: `🚫 Cancelled ${view.ref}.` };
  });
}

/** The core's review rule, run without writing, so nobody fills in a deny form only to be refused. */
export async function checkMayDeny(s: SlackServices, requestId: number, person: Person): Promise<void> {
  const view = await loadRequestView(s.ctx.store, s.ctx.policy, requestId, s.ctx.clock.now());
  if (!view) throw new AccessError('not_found', `There is no request ${requestRef(requestId)}.`);
  const role = s.ctx.policy.roles[view.role];
  if (!role) throw new AccessError('not_allowed', `The role "${view.role}" is no longer in the policy, so this request cannot be reviewed.`);
  evaluateReview(role, { status: view.status, requester: view.requester, approvalsRequired: view.approvalsRequired, decidedBy: view.decidedBy }, await priorReviews(s.ctx.store, requestId), person, 'deny');
}
