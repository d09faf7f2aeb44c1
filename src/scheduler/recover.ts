/**
 * Start-up catch-up, run once before the scheduler starts: whatever should have happened while the bot was
 * down happens now, in order, and is awaited.
 * 1. Leases this instance held in a previous life are released (a lease from another, possibly dead, process
 *    is left alone: it becomes claimable by itself once `lease_until` passes).
 * 2. Pending requests past their TTL expire; grants past their expiry move to revoking. The audit event says
 *    how late that was noticed, and the `grant.revoked` event carries `late_ms`.
 * 3. Every grant with work due is processed: revokes, grants interrupted mid-flight, retries.
 * 4. Reconciliation runs once, so an orphan left by a crash between a target call and its commit is removed.
 */
import { and, eq } from 'drizzle-orm';
import { grants, outbox } from '../../db/schema.ts';
import type { AppContext } from '../app/context.ts';
import { reconcile, type ReconcileReport } from '../app/reconcile.ts';
import { expiryStep, settleDueGrants, type SettleCounts } from './steps.ts';

export interface RecoveryReport {
  leasesReleased: number;
  requestsExpired: number;
  revokesStarted: number;
  settled: SettleCounts;
  reconcile: ReconcileReport | null;
  tookMs: number;
}

export interface RecoverOptions {
  /** Run reconciliation (default true). */
  reconcile?: boolean;
  concurrency?: number;
}

export async function recoverOnStart(ctx: AppContext, options: RecoverOptions = {}): Promise<RecoveryReport> {
  const started = ctx.clock.now();
  const leasesReleased = releaseOwnLeases(ctx);
  // Revokes started here are awaited below instead of being handed to the worker in the background.
  const local: AppContext = { ...ctx, afterCommit: { grantChanged: () => {}, noticesQueued: () => ctx.afterCommit.noticesQueued() } };
  const step = expiryStep(local);
  const settled = await settleDueGrants(local, options.concurrency);
  let reconciled: ReconcileReport | null = null;
  if (options.reconcile !== false) {
    try {
      reconciled = await reconcile(local);
    } catch (error) {
      ctx.log.error({ err: error instanceof Error ? error.message : String(error) }, 'reconciliation at start failed; it runs again on schedule');
    }
  }
  const report: RecoveryReport = {
    leasesReleased,
    requestsExpired: step.requestsExpired,
    revokesStarted: step.revokesStarted.length,
    settled,
    reconcile: reconciled,
    tookMs: ctx.clock.now() - started,
  };
  ctx.log.info(
    {
      leasesReleased,
      requestsExpired: report.requestsExpired,
      revokesStarted: report.revokesStarted,
      settled,
      orphans: reconciled?.providers.reduce((n, p) => n + p.orphans.length, 0) ?? null,
      drift: reconciled?.providers.reduce((n, p) => n + p.drift.length, 0) ?? null,
      tookMs: report.tookMs,
    },
    'start-up catch-up done',
  );
  return report;
}

function releaseOwnLeases(ctx: AppContext): number {
  const freedGrants = ctx.db.orm
    .update(grants)
    .set({ leaseOwner: null, leaseUntil: null })
    .where(eq(grants.leaseOwner, ctx.instanceId))
    .returning({ id: grants.id })
    .all().length;
  const freedNotices = ctx.db.orm
    .update(outbox)
    .set({ leaseOwner: null, leaseUntil: null })
    .where(and(eq(outbox.leaseOwner, ctx.instanceId), eq(outbox.status, 'pending')))
    .returning({ id: outbox.id })
    .all().length;
  return freedGrants + freedNotices;
}
