/** Time-driven transitions: lapse stale pending requests, start revoking expired grants, remind before expiry. */
import { appendAudit } from '../audit/chain.ts';
import { isLateRevoke, REMINDER_LEAD_MS, REMINDER_MIN_GRANT_MS } from '../domain/thresholds.ts';
import type { GrantRecord } from '../../db/store/port.ts';
import type { AppContext } from './context.ts';
import { enqueueNotice } from './outbox.ts';
import { markRevokingAll, type RevokeMove } from './revoke.ts';

/** Rows one step reads and moves at most; a step that got fewer has caught up with everything due. */
export const EXPIRY_BATCH = 200;
const BATCH = EXPIRY_BATCH;

/** Pending requests past their TTL become expired. Returns how many. */
export async function expireLapsedRequests(ctx: AppContext): Promise<number> {
  const now = ctx.clock.now();
  const due = await ctx.store.lapsedRequestIds(now, BATCH);
  let count = 0;
  for (const id of due) {
    const changed = await ctx.store.tx(async (uow) => {
      const done = await uow.updateRequest(id, { status: 'pending' }, { status: 'expired', decidedAt: now, decidedBy: 'request TTL' });
      if (!done) return false;
      await appendAudit(uow, { at: now, actor: 'system', action: 'request.expired', requestId: id, fromStatus: 'pending', toStatus: 'expired', details: { why: 'no decision before the request TTL' } });
      await enqueueNotice(uow, ctx, { type: 'request.closed', requestId: id, status: 'expired' }, `closed:${id}`);
      return true;
    });
    if (changed) count++;
  }
  if (count) ctx.afterCommit.noticesQueued();
  return count;
}

export interface StartRevokesOptions {
  /**
   * Hand each moved grant to `ctx.afterCommit.grantChanged` (the worker revokes it at once). False when the
   * caller processes the moved grants itself and waits for them (start-up catch-up).
   */
  handOff?: boolean;
  /**
   * This process's worker, to hand the moved grants to already leased: the move to revoking takes the lease in
   * the same compare-and-set, so the worker calls the target without a claim statement of its own. A grant
   * whose lease someone else holds moves without it and goes through `ctx.afterCommit` as usual.
   */
  claimFor?: { claimed(grants: readonly GrantRecord[]): void };
}

/** Grants whose expiry has passed move to revoking (the worker then revokes at the target). Returns their ids. */
export async function startDueRevokes(ctx: AppContext, options: StartRevokesOptions = {}): Promise<string[]> {
  const now = ctx.clock.now();
  const due = await ctx.store.expiredLiveGrants(now, BATCH);
  if (due.length === 0) return [];
  const handOff = options.handOff !== false;
  const lease = handOff && options.claimFor ? { owner: ctx.instanceId, until: now + ctx.retry.leaseMs } : undefined;
  // One transaction for the whole batch: a burst of expiries takes the writers' lock once, not once per grant,
  // and its moves travel as one statement. Each grant is still its own compare-and-set; one that moved
  // meanwhile is skipped.
  const moved = await ctx.store.tx(async (uow) => {
    const moves = due.map((grant): RevokeMove => {
      const late = now - grant.expiresAt;
      return { grant, why: 'expired', actor: 'system', note: isLateRevoke(late) ? `noticed ${Math.round(late / 1000)}s after expiry` : null };
    });
    return (await markRevokingAll(uow, moves, now, lease)).filter((row): row is GrantRecord => row !== null);
  });
  if (handOff) {
    const leased = new Set(lease ? moved.filter((row) => row.leaseOwner === lease.owner && row.leaseUntil === lease.until) : []);
    if (leased.size > 0) options.claimFor!.claimed([...leased]);
    for (const row of moved) if (!leased.has(row)) ctx.afterCommit.grantChanged(row.id);
  }
  return moved.map((row) => row.id);
}

/** One reminder per grant (and per extension) shortly before expiry, for grants long enough to need one. */
export async function sendExpiryReminders(ctx: AppContext): Promise<number> {
  const now = ctx.clock.now();
  // The minimum length is applied by the store before its limit: short grants that never get a reminder must not crowd out the batch.
  const due = await ctx.store.grantsNeedingReminder(now, REMINDER_LEAD_MS, REMINDER_MIN_GRANT_MS, BATCH);
  let count = 0;
  for (const grant of due) {
    const sent = await ctx.store.tx(async (uow) => {
      const claimed = await uow.updateGrant(grant.id, { notReminded: true, expiresAt: grant.expiresAt }, { remindedAt: now });
      if (!claimed) return false;
      await enqueueNotice(uow, ctx, { type: 'grant.changed', requestId: grant.requestId, grantId: grant.id, event: 'expiring_soon' }, `reminder:${grant.id}:${grant.expiresAt}`);
      return true;
    });
    if (sent) count++;
  }
  if (count) ctx.afterCommit.noticesQueued();
  return count;
}

/** The next instant something time-driven is due (expiry or lapse), to arm the precise timer. */
export async function nextDueInstant(ctx: AppContext): Promise<number | null> {
  const grant = await ctx.store.nextExpiry();
  const request = await ctx.store.nextLapse();
  const candidates = [grant, request].filter((x): x is number => typeof x === 'number');
  return candidates.length ? Math.min(...candidates) : null;
}
