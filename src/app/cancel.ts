/** The requester withdraws a pending request. */
import { and, eq } from 'drizzle-orm';
import { requests } from '../../db/schema.ts';
import { appendAudit } from '../audit/chain.ts';
import { AccessError } from '../domain/errors.ts';
import type { Person } from '../domain/identity.ts';
import { checkCancel } from '../domain/request-rules.ts';
import { writeTx, type AppContext } from './context.ts';
import { enqueueNotice } from './outbox.ts';
import { actorOf, labelOf, requesterOf, requireRequest } from './records.ts';
import { loadRequestView, type RequestView } from './request-view.ts';

export function cancelRequest(ctx: AppContext, input: { requestId: number; actor: Person }): RequestView {
  writeTx(ctx, (tx) => {
    const now = ctx.clock.now();
    const request = requireRequest(tx, input.requestId);
    checkCancel({ status: request.status, requester: requesterOf(request), approvalsRequired: request.approvalsRequired }, input.actor);
    const done = tx
      .update(requests)
      .set({ status: 'cancelled', decidedAt: now, decidedBy: labelOf(input.actor) })
      .where(and(eq(requests.id, request.id), eq(requests.status, 'pending')))
      .returning({ id: requests.id })
      .get();
    if (!done) throw new AccessError('not_pending', 'This request was decided a moment ago; nothing to cancel.');
    appendAudit(tx, { at: now, actor: actorOf(input.actor), action: 'request.cancelled', requestId: request.id, fromStatus: 'pending', toStatus: 'cancelled' });
    enqueueNotice(tx, ctx, { type: 'request.closed', requestId: request.id, status: 'cancelled' }, `closed:${request.id}`);
  });
  ctx.afterCommit.noticesQueued();
  return loadRequestView(ctx.db, ctx.policy, input.requestId, ctx.clock.now())!;
}
