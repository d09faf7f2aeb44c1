/** End a grant early (holder, approver or admin), or mark it for revoke at expiry. The worker does the target work. */
import { and, eq, inArray } from 'drizzle-orm';
import { grants } from '../../db/schema.ts';
import { appendAudit } from '../audit/chain.ts';
import { AccessError } from '../domain/errors.ts';
import { checkRevoke } from '../domain/grant-rules.ts';
import type { Person } from '../domain/identity.ts';
import { writeTx, type AppContext, type Tx } from './context.ts';
import { actorOf, grantOfRequest, requesterOf, requireRequest, type GrantRow } from './records.ts';
import { loadRequestView, type RequestView } from './request-view.ts';

export interface RevokeInput {
  requestId: number;
  actor: Person | 'admin';
  adminName?: string;
  reason?: string | null;
}

export function revokeAccess(ctx: AppContext, input: RevokeInput): RequestView {
  const grantId = writeTx(ctx, (tx) => {
    const now = ctx.clock.now();
    const request = requireRequest(tx, input.requestId);
    const grant = grantOfRequest(tx, request.id);
    if (!grant) throw new AccessError('not_active', `AR-${request.id} has no access to revoke (it is ${request.status}).`);
    checkRevoke(ctx.policy.roles[request.role], { status: grant.status, holder: requesterOf(request), startsAt: grant.startsAt, expiresAt: grant.expiresAt }, input.actor);
    const actor = input.actor === 'admin' ? `cli:${input.adminName ?? 'admin'}` : actorOf(input.actor);
    if (!markRevoking(tx, grant, now, 'revoked early', actor, input.reason ?? null)) {
      throw new AccessError('not_active', 'This access changed a moment ago; try again.');
    }
    return grant.id;
  });
  ctx.afterCommit.grantChanged(grantId);
  return loadRequestView(ctx.db, ctx.policy, input.requestId, ctx.clock.now())!;
}

/** Compare-and-set granting|active → revoking with an audit event; false when someone else got there first. */
export function markRevoking(tx: Tx, grant: GrantRow, now: number, why: 'expired' | 'revoked early' | 'orphan', actor: string, note: string | null): boolean {
  const moved = tx
    .update(grants)
    .set({ status: 'revoking', revokeReason: note ? `${why}: ${note}` : why, revokedBy: actor, revokeRequestedAt: now, attempts: 0, nextAttemptAt: now, updatedAt: now })
    .where(and(eq(grants.id, grant.id), eq(grants.status, grant.status), inArray(grants.status, ['granting', 'active'])))
    .returning({ id: grants.id })
    .get();
  if (!moved) return false;
  appendAudit(tx, {
    at: now,
    actor,
    action: why === 'expired' ? 'grant.expired' : 'grant.revoke_requested',
    requestId: grant.requestId,
    grantId: grant.id,
    fromStatus: grant.status,
    toStatus: 'revoking',
    details: { reason: note ?? why, expires_at: new Date(grant.expiresAt).toISOString() },
  });
  return true;
}
