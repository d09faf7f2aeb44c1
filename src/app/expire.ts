/** Time-driven transitions: lapse stale pending requests, start revoking expired grants, remind before expiry. */
import { and, asc, eq, gt, inArray, isNull, lte, sql } from 'drizzle-orm';
import { grants, requests } from '../../db/schema.ts';
import { appendAudit } from '../audit/chain.ts';
import { writeTx, type AppContext } from './context.ts';
import { enqueueNotice } from './outbox.ts';
import { markRevoking } from './revoke.ts';

export const REMINDER_LEAD_MS = 5 * 60_000;
const BATCH = 200;

/** Pending requests past their TTL become expired. Returns how many. */
export function expireLapsedRequests(ctx: AppContext): number {
  const now = ctx.clock.now();
  const due = ctx.db.orm
    .select({ id: requests.id })
    .from(requests)
    .where(and(eq(requests.status, 'pending'), lte(requests.lapsesAt, now)))
    .limit(BATCH)
    .all();
  let count = 0;
  for (const { id } of due) {
    const changed = writeTx(ctx, (tx) => {
      const done = tx
        .update(requests)
        .set({ status: 'expired', decidedAt: now, decidedBy: 'request TTL' })
        .where(and(eq(requests.id, id), eq(requests.status, 'pending')))
        .returning({ id: requests.id })
        .get();
      if (!done) return false;
      appendAudit(tx, { at: now, actor: 'system', action: 'request.expired', requestId: id, fromStatus: 'pending', toStatus: 'expired', details: { why: 'no decision before the request TTL' } });
      enqueueNotice(tx, ctx, { type: 'request.closed', requestId: id, status: 'expired' }, `closed:${id}`);
      return true;
    });
    if (changed) count++;
  }
  if (count) ctx.afterCommit.noticesQueued();
  return count;
}

/** Grants whose expiry has passed move to revoking (the worker then revokes at the target). Returns their ids. */
export function startDueRevokes(ctx: AppContext): string[] {
  const now = ctx.clock.now();
  const due = ctx.db.orm
    .select()
    .from(grants)
    .where(and(inArray(grants.status, ['granting', 'active']), lte(grants.expiresAt, now)))
    .limit(BATCH)
    .all();
  const moved: string[] = [];
  for (const grant of due) {
    const late = now - grant.expiresAt;
    if (writeTx(ctx, (tx) => markRevoking(tx, grant, now, 'expired', 'system', late > 5_000 ? `noticed ${Math.round(late / 1000)}s after expiry` : null))) {
      moved.push(grant.id);
      ctx.afterCommit.grantChanged(grant.id);
    }
  }
  return moved;
}

/** One reminder per grant (and per extension) shortly before expiry, for grants long enough to need one. */
export function sendExpiryReminders(ctx: AppContext): number {
  const now = ctx.clock.now();
  const due = ctx.db.orm
    .select()
    .from(grants)
    .where(
      and(
        eq(grants.status, 'active'),
        isNull(grants.remindedAt),
        gt(grants.expiresAt, now),
        lte(grants.expiresAt, now + REMINDER_LEAD_MS),
        // In SQL, not after the LIMIT: short grants that never get a reminder must not crowd out the batch.
        sql`${grants.expiresAt} - ${grants.startsAt} >= ${2 * REMINDER_LEAD_MS}`,
      ),
    )
    .orderBy(asc(grants.expiresAt))
    .limit(BATCH)
    .all();
  let count = 0;
  for (const grant of due) {
    const sent = writeTx(ctx, (tx) => {
      const claimed = tx
        .update(grants)
        .set({ remindedAt: now })
        .where(and(eq(grants.id, grant.id), isNull(grants.remindedAt), eq(grants.expiresAt, grant.expiresAt)))
        .returning({ id: grants.id })
        .get();
      if (!claimed) return false;
      enqueueNotice(tx, ctx, { type: 'grant.changed', requestId: grant.requestId, grantId: grant.id, event: 'expiring_soon' }, `reminder:${grant.id}:${grant.expiresAt}`);
      return true;
    });
    if (sent) count++;
  }
  if (count) ctx.afterCommit.noticesQueued();
  return count;
}

/** The next instant something time-driven is due (expiry or lapse), to arm the precise timer. */
export function nextDueInstant(ctx: AppContext): number | null {
  const grant = ctx.db.orm
    .select({ at: grants.expiresAt })
    .from(grants)
    .where(inArray(grants.status, ['granting', 'active']))
    .orderBy(grants.expiresAt)
    .limit(1)
    .get();
  const request = ctx.db.orm
    .select({ at: requests.lapsesAt })
    .from(requests)
    .where(eq(requests.status, 'pending'))
    .orderBy(requests.lapsesAt)
    .limit(1)
    .get();
  const candidates = [grant?.at, request?.at].filter((x): x is number => typeof x === 'number');
  return candidates.length ? Math.min(...candidates) : null;
}
