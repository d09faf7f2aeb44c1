/**
 * The review rule run without writing anything: may this person approve or deny this request now? Asked
 * before a form opens (deny needs a reason), so nobody fills one in only to be refused. The decision itself
 * (`review`) checks again.
 */
import { AccessError } from '../domain/errors.ts';
import type { Person } from '../domain/identity.ts';
import { roleNamed } from '../domain/policy.ts';
import { evaluateReview } from '../domain/request-rules.ts';
import type { AppContext } from './context.ts';
import { priorReviews } from './records.ts';
import { loadRequestView, type RequestView } from './request-view.ts';
import { type RequestId, requestRef } from '../domain/request-id.ts';

export async function mayReview(ctx: AppContext, input: { requestId: RequestId; reviewer: Person; decision: 'approve' | 'deny' }): Promise<RequestView> {
  const policy = ctx.policy;
  const now = ctx.clock.now();
  const view = await loadRequestView(ctx.store, policy, input.requestId, now);
  if (!view) throw new AccessError('not_found', `There is no request ${requestRef(input.requestId)}.`);
  const request = { status: view.status, requester: view.requester, approvalsRequired: view.approvalsRequired, decidedBy: view.decidedBy, createdAt: view.createdAt };
  evaluateReview(roleNamed(policy, view.role), request, await priorReviews(ctx.store, input.requestId), input.reviewer, input.decision, now);
  return view;
}
