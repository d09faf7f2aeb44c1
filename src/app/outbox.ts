/** Queue notices inside a decision's transaction; deliver them after commit with retries and leases. */
import type { UnitOfWork } from '../../db/store/port.ts';
import type { OutboxRecord } from '../../db/store/records.ts';
import { appendAudit } from '../audit/chain.ts';
import { backoffDelay } from '../domain/backoff.ts';
import type { AppContext } from './context.ts';
import { leasesOn, noticeRows } from './lease.ts';
import type { ChatPort, Notice } from './ports.ts';
import { loadRequestView } from './request-view.ts';

/** Adds the notice once per platform; a repeated dedupe key is ignored (idempotent by construction). */
export async function enqueueNotice(uow: UnitOfWork, ctx: Pick<AppContext, 'platforms' | 'clock'>, notice: Notice, dedupeKey: string): Promise<void> {
  const now = ctx.clock.now();
  for (const platform of ctx.platforms) {
    await uow.enqueueNotice({ platform, dedupeKey, notice: JSON.stringify(notice), now });
  }
}

/** A notice is given up ('dead') once it is this old *and* has failed at least MIN_ATTEMPTS_BEFORE_DEAD times. */
const MAX_DELIVERY_AGE_MS = 24 * 60 * 60_000;
export const MIN_ATTEMPTS_BEFORE_DEAD = 10;
/** One delivery may take this long (chat SDKs retry 429s themselves) before the attempt counts as failed. */
const DELIVERY_TIMEOUT_MS = 5 * 60_000;

export interface DispatchResult {
  sent: number;
  failed: number;
  /** Due rows another process claimed first. */
  skipped: number;
}

/**
 * Deliver due notices, oldest first. Each row is claimed with a conditional update (lease), renewed while the
 * delivery is in flight, so two replicas never deliver the same row at once; failures back off, and a row is
 * given up only after a day (and several attempts), with an audit event. Rows for a platform none of `ports`
 * serves (e.g. queued by the CLI while `serve` is down) are left pending, untouched, for a process that has it.
 */
export async function dispatchOutbox(ctx: AppContext, ports: readonly ChatPort[], limit = 50): Promise<DispatchResult> {
  const result: DispatchResult = { sent: 0, failed: 0, skipped: 0 };
  const byPlatform = new Map(ports.map((port) => [port.platform, port]));
  if (byPlatform.size === 0) return result;
  const now = ctx.clock.now();
  const due = await ctx.store.dueNoticeIds([...byPlatform.keys()], now, limit);
  const leases = noticeLeases(ctx);
  for (const id of due) {
    const claimed = await leases.claim(id, { status: 'pending' });
    if (!claimed) {
      result.skipped++;
      continue;
    }
    const port = byPlatform.get(claimed.platform)!;
    const notice = JSON.parse(claimed.notice) as Notice;
    try {
      const requestId = 'requestId' in notice ? notice.requestId : null;
      const view = typeof requestId === 'number' ? await loadRequestView(ctx.store, ctx.policy, requestId, ctx.clock.now()) : null;
      await leases.hold(id, () => port.deliver(notice, view), {
        deadlineMs: DELIVERY_TIMEOUT_MS,
        what: `${claimed.platform} delivery of ${notice.type}`,
        onLeaseLost: () => ctx.log.error({ outboxId: id, platform: claimed.platform }, 'lost the lease on a notice while delivering it (process paused?)'),
      });
      await leases.releaseNow(id, { status: 'sent', sentAt: ctx.clock.now(), attempts: claimed.attempts + 1 });
      result.sent++;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      ctx.log.warn({ outboxId: id, platform: claimed.platform, notice: notice.type, err: message }, 'chat delivery failed; will retry');
      await deliveryFailed(ctx, claimed, message, notice);
      result.failed++;
    }
  }
  return result;
}

/** This process's leases on outbox rows (src/app/lease.ts); a lease is renewed only while its notice is still pending. */
function noticeLeases(ctx: AppContext) {
  return leasesOn(ctx, noticeRows, { status: 'pending' });
}

/** A failed delivery: release the lease and back off, or give the notice up when it is old and has failed often enough (audited). */
async function deliveryFailed(ctx: AppContext, row: OutboxRecord, error: string, notice: Notice): Promise<void> {
  const now = ctx.clock.now();
  const attempts = row.attempts + 1;
  const giveUp = now - row.createdAt > MAX_DELIVERY_AGE_MS && attempts >= MIN_ATTEMPTS_BEFORE_DEAD;
  await ctx.store.tx(async (uow) => {
    const changed = await noticeLeases(ctx).release(uow, row.id, {
      status: giveUp ? 'dead' : 'pending',
      attempts,
      lastError: error.slice(0, 500),
      nextAttemptAt: now + backoffDelay(attempts, 1_000, 5 * 60_000, ctx.random),
    });
    if (!giveUp || changed === null) return;
    await appendAudit(uow, {
      at: now,
      actor: 'system',
      action: 'notice.undelivered',
      requestId: 'requestId' in notice && typeof notice.requestId === 'number' ? notice.requestId : null,
      grantId: notice.type === 'grant.changed' ? notice.grantId : null,
      details: { platform: row.platform, notice: notice.type, ...(notice.type === 'audit.alert' ? { alert: notice.code } : {}), attempts, first_queued_at: new Date(row.createdAt).toISOString(), last_error: error.slice(0, 500) },
    });
  });
  if (giveUp) ctx.log.error({ outboxId: row.id, platform: row.platform, notice: notice.type, attempts, err: error }, 'gave up delivering a chat notice after a day of failures (audited as notice.undelivered)');
}

/** Notices given up after a day of failures (shown on /healthz and /metrics). */
export async function countUndeliveredNotices(ctx: Pick<AppContext, 'store'>): Promise<number> {
  return (await ctx.store.stats()).deadNotices;
}
