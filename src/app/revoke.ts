/** End a grant early (holder, approver or admin), or mark it for revoke at expiry. The worker does the target work. */
import type { UnitOfWork } from '../../db/store/port.ts';
import { appendAudits } from '../audit/chain.ts';
import { AccessError } from '../domain/errors.ts';
import { canTransition, checkRevoke } from '../domain/grant-rules.ts';
import type { Person } from '../domain/identity.ts';
import { roleNamed } from '../domain/policy.ts';
import type { AppContext } from './context.ts';
import { actorOf, grantOfRequest, requesterOf, requireRequest, type GrantRecord } from './records.ts';
import { loadRequestView, type RequestView } from './request-view.ts';
import { type RequestId, requestRef } from '../domain/request-id.ts';

export interface RevokeInput {
  requestId: RequestId;
  actor: Person | 'admin';
  adminName?: string;
  reason?: string | null;
}

export async function revokeAccess(ctx: AppContext, input: RevokeInput): Promise<RequestView> {
  const policy = ctx.policy; // one decision, one policy
  const grantId = await ctx.store.tx(async (uow) => {
    const now = ctx.clock.now();
    const request = await requireRequest(uow, input.requestId);
    // Who may act is checked before anything is said about the request or its grant.
    const grant = checkRevoke(
      roleNamed(policy, request.role),
      { ref: requestRef(request.id), roleName: request.role, holder: requesterOf(request), requestStatus: request.status, grant: await grantOfRequest(uow, request.id) },
      input.actor,
    );
    const actor = input.actor === 'admin' ? `cli:${input.adminName ?? 'admin'}` : actorOf(input.actor);
    if (!(await markRevoking(uow, grant, now, 'revoked early', actor, input.reason ?? null))) {
      throw new AccessError('not_active', 'This access changed a moment ago; try again.');
    }
    return grant.id;
  });
  ctx.afterCommit.grantChanged(grantId);
  return (await loadRequestView(ctx.store, policy, input.requestId, ctx.clock.now()))!;
}

/** A lease to take in the same compare-and-set, for a process that will revoke the grant itself right after. */
export interface RevokeLease {
  owner: string;
  until: number;
}

/** One grant to move to revoking: why, who asked, and an optional note for the audit and the holder. */
export interface RevokeMove {
  grant: GrantRecord;
  why: 'expired' | 'revoked early' | 'orphan';
  actor: string;
  note: string | null;
}

/**
 * Compare-and-set granting|active → revoking with an audit event; the moved row, or null when someone else got
 * there first. With `lease`, the move also takes the row's lease when nobody holds a valid one (one statement
 * instead of a move and a separate claim); when someone does, the grant still moves, without the lease.
 */
export async function markRevoking(uow: UnitOfWork, grant: GrantRecord, now: number, why: RevokeMove['why'], actor: string, note: string | null, lease?: RevokeLease): Promise<GrantRecord | null> {
  const [moved] = await markRevokingAll(uow, [{ grant, why, actor, note }], now, lease);
  return moved ?? null;
}

/**
 * `markRevoking` for many grants in one unit of work (a burst of expiries): each move is still its own
 * compare-and-set on the status it was read with, but the moves travel as one statement (two when some lease is
 * held elsewhere) and their audit events as one append. The moved rows in the order given, null where a grant
 * moved on meanwhile.
 */
export async function markRevokingAll(uow: UnitOfWork, moves: readonly RevokeMove[], now: number, lease?: RevokeLease): Promise<(GrantRecord | null)[]> {
  const moved: (GrantRecord | null)[] = moves.map(() => null);
  const patchOf = ({ why, actor, note }: RevokeMove) => ({ status: 'revoking', revokeReason: note ? `${why}: ${note}` : why, revokedBy: actor, revokeRequestedAt: now, attempts: 0, nextAttemptAt: now, updatedAt: now }) as const;
  let open = moves.flatMap((move, i) => (canTransition(move.grant.status, 'revoking') ? [i] : []));
  if (lease && open.length > 0) {
    const rows = await uow.updateGrants(open.map((i) => ({ id: moves[i]!.grant.id, expect: { status: [moves[i]!.grant.status], leaseFreeAt: now }, patch: { ...patchOf(moves[i]!), leaseOwner: lease.owner, leaseUntil: lease.until } })));
    open.forEach((i, k) => (moved[i] = rows[k] ?? null));
    open = open.filter((i) => moved[i] === null);
  }
  if (open.length > 0) {
    const rows = await uow.updateGrants(open.map((i) => ({ id: moves[i]!.grant.id, expect: { status: [moves[i]!.grant.status] }, patch: patchOf(moves[i]!) })));
    open.forEach((i, k) => (moved[i] = rows[k] ?? null));
  }
  await appendAudits(
    uow,
    moves.flatMap(({ grant, why, actor, note }, i) =>
      moved[i]
        ? [
            {
              at: now,
              actor,
              action: why === 'expired' ? ('grant.expired' as const) : ('grant.revoke_requested' as const),
              requestId: grant.requestId,
              grantId: grant.id,
              fromStatus: grant.status,
              toStatus: 'revoking',
              details: { reason: note ?? why, expires_at: new Date(grant.expiresAt).toISOString() },
            },
          ]
        : [],
    ),
  );
  return moved;
}
