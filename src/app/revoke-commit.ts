/**
 * The final step of a revoke that succeeded at its target — revoking → revoked (handing our lease back), what the
 * holder did, the holder's list of ended grants, the `grant.revoked` event and the notices — written for a
 * whole group commit of revokes at once (./group-commit.ts): one compare-and-set statement for every grant's
 * transition, one read of the small records they update, one insert for every audit row. Each grant is still its own
 * compare-and-set (on its status and our lease), and one that moved on meanwhile records nothing, exactly as
 * if each revoke had committed alone in turn.
 */
import type { UnitOfWork } from '../../db/store/port.ts';
import type { GrantChange } from '../../db/store/records.ts';
import { appendAudits, type AuditInput } from '../audit/chain.ts';
import type { ActivityReport } from '../domain/activity.ts';
import { canTransition } from '../domain/grant-rules.ts';
import { requestRef } from '../domain/request-id.ts';
import { isLateRevoke } from '../domain/thresholds.ts';
import type { AppContext } from './context.ts';
import type { BatchKind } from './group-commit.ts';
import { enqueueNotice } from './outbox.ts';
import { activityRecordKey, readActivityRecord, revokeActivity } from './record-activity.ts';
import { endedGrantsKey, rememberEndedGrants } from './recent-grants.ts';
import type { GrantRecord } from './records.ts';

/** One revoke done at the target, to record. */
export interface FinishedRevoke {
  ctx: AppContext;
  /** The grant as this process leased it (status revoking). */
  grant: GrantRecord;
  /** The holder's key (from the request the target call was built from). */
  requesterKey: string;
  /** What the provider said about the revoke, and the holder's activity if it reported any. */
  detail: Record<string, unknown>;
  activity: ActivityReport | undefined;
  /** When the target confirmed the revoke. */
  now: number;
}

/** Group-commit kind: true for each revoke recorded, false where the grant was no longer ours to move. */
export const finishRevokes: BatchKind<FinishedRevoke, boolean> = {
  async run(uow, items) {
    if (!canTransition('revoking', 'revoked')) throw new Error('revoking → revoked is not a transition of the grant state machine');
    const changes = items.map(
      ({ ctx, grant, now }): GrantChange => ({
        id: grant.id,
        expect: { status: 'revoking', leaseOwner: ctx.instanceId },
        patch: { status: 'revoked', credentials: null, revokedAt: now, nextAttemptAt: null, lastError: null, updatedAt: now, leaseOwner: null, leaseUntil: null },
      }),
    );
    const moved = (await uow.updateGrants(changes)).map((row) => row !== null);
    const done = items.filter((_, i) => moved[i]);
    // The small records the batch reads back (activity sampled so far, each holder's ended grants), in one read.
    const known = await uow.kvGetMany([...done.map(({ grant }) => activityRecordKey(grant.id)), ...new Set(done.map(({ requesterKey }) => endedGrantsKey(requesterKey)))]);
    const reads = { kvGet: async (key: string) => known.get(key) ?? null };
    const events: AuditInput[] = [];
    for (const item of done) {
      const { grant, detail, activity, now } = item;
      const final = revokeActivity(grant, activity, await readActivityRecord(reads, grant.id), now);
      if (final) {
        events.push(final.event);
        await uow.kvPut(final.key, final.value, now);
      }
      const expired = grant.revokeReason?.startsWith('expired') ?? false;
      const lateMs = expired ? Math.max(0, now - grant.expiresAt) : 0;
      events.push({
        at: now,
        actor: 'system',
        action: 'grant.revoked',
        requestId: grant.requestId,
        grantId: grant.id,
        fromStatus: 'revoking',
        toStatus: 'revoked',
        details: { ...detail, reason: grant.revokeReason, ...(expired ? { late_ms: lateMs, late: isLateRevoke(lateMs) } : {}), attempts: grant.attempts + 1 },
      });
    }
    if (done.length > 0) await rememberEndedGrants(uow, done.map(({ grant, requesterKey }) => ({ requesterKey, requestId: grant.requestId })), done[done.length - 1]!.now, known);
    await appendAudits(uow, events);
    for (const { ctx, grant, detail } of done) await enqueueRevokedNotices(uow, ctx, grant, detail);
    return moved;
  },
};

async function enqueueRevokedNotices(uow: UnitOfWork, ctx: AppContext, grant: GrantRecord, detail: Record<string, unknown>): Promise<void> {
  await enqueueNotice(uow, ctx, { type: 'grant.changed', requestId: grant.requestId, grantId: grant.id, event: 'revoked', detail: grant.revokeReason }, `revoked:${grant.id}`);
  const pending = cleanupPending(detail);
  if (pending) {
    // The login is gone; what the holder left behind could not be removed. Someone must look, once.
    await enqueueNotice(
      uow,
      ctx,
      { type: 'audit.alert', code: 'cleanup_pending', requestId: grant.requestId, text: `Access cut for ${requestRef(grant.requestId)} ("${grant.role}" on ${grant.resource}): the holder can no longer log in, but cleanup is pending: ${pending}. Remove what depends on these objects, then drop the login role by hand; the revoke itself is done.` },
      `alert:cleanup_pending:${grant.id}`,
    );
  }
}

/** A provider's "access cut, cleanup pending" answer, as a short list for people; null when there is none. */
function cleanupPending(detail: Record<string, unknown>): string | null {
  const pending = detail.cleanup_pending;
  if (!Array.isArray(pending) || pending.length === 0) return null;
  const shown = pending.slice(0, 10).map((item) => String(item));
  return shown.join(', ') + (pending.length > shown.length ? ` and ${pending.length - shown.length} more` : '');
}
