/** The requester withdraws a pending request. */
import { appendAudit } from '../audit/chain.ts';
import { AccessError } from '../domain/errors.ts';
import type { Person } from '../domain/identity.ts';
import { checkCancel } from '../domain/request-rules.ts';
import type { AppContext } from './context.ts';
import { enqueueNotice } from './outbox.ts';
import { actorOf, labelOf, requesterOf, requireRequest } from './records.ts';
import { loadRequestView, type RequestView } from './request-view.ts';
import type { RequestId } from '../domain/request-id.ts';

export async function cancelRequest(ctx: AppContext, input: { requestId: RequestId; actor: Person }): Promise<RequestView> {
  await ctx.store.tx(async (uow) => {
    const now = ctx.clock.now();
    const request = await requireRequest(uow, input.requestId);
    checkCancel({ status: request.status, requester: requesterOf(request), approvalsRequired: request.approvalsRequired }, input.actor);
    const done = await uow.updateRequest(request.id, { status: 'pending' }, { status: 'cancelled', decidedAt: now, decidedBy: labelOf(input.actor) });
    if (!done) throw new AccessError('not_pending', 'This request was decided a moment ago; nothing to cancel.');
    await appendAudit(uow, { at: now, actor: actorOf(input.actor), action: 'request.cancelled', requestId: request.id, fromStatus: 'pending', toStatus: 'cancelled', details: {} });
    await enqueueNotice(uow, ctx, { type: 'request.closed', requestId: request.id, status: 'cancelled' }, `closed:${request.id}`);
  });
  ctx.afterCommit.noticesQueued();
  return (await loadRequestView(ctx.store, ctx.policy, input.requestId, ctx.clock.now()))!;
}
