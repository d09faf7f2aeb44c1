/**
 * Start-up catch-up, run once before the scheduler starts: whatever should have happened while the bot was
 * down happens now, in order, and is awaited.
 * 1. Leases this instance held in a previous life are released (a lease from another, possibly dead, process
 *    is left alone: it becomes claimable by itself once `lease_until` passes).
 * 2. Pending requests past their TTL expire; grants past their expiry move to revoking. The audit event says
 *    how late that was noticed, and the `grant.revoked` event carries `late_ms`.
 * 3. Every grant with work due is processed: revokes, grants interrupted mid-flight, retries.
 * 4. Reconciliation runs once, so an orphan left by a crash between a target call and its commit is removed.
 * Steps 3 and 4 call targets. Start-up waits for them at most `waitMs` (default 30 s): a hanging target must
 * not keep the HTTP server (health checks) and chat from starting. Whatever is still running then continues in
 * the background; the scheduler's stop() waits for it before the database is closed.
 */
import type { AppContext } from '../app/context.ts';
import { reconcile, type ReconcileReport } from '../app/reconcile.ts';
import { keepRunning, settlesWithin } from './background.ts';
import { expiryStep, settleDueGrants, type SettleCounts } from './steps.ts';

export interface RecoveryReport {
  leasesReleased: number;
  requestsExpired: number;
  revokesStarted: number;
  /** Grants processed before start-up stopped waiting. */
  settled: SettleCounts;
  reconcile: ReconcileReport | null;
  /** True when target calls were still running after `waitMs` and continue in the background. */
  inBackground: boolean;
  tookMs: number;
}

/** How long start-up waits for the catch-up's target calls by default. */
const RECOVERY_WAIT_MS = 30_000;

export interface RecoverOptions {
  /** Run reconciliation (default true). */
  reconcile?: boolean;
  concurrency?: number;
  /** Longest to wait for target calls before returning (default RECOVERY_WAIT_MS). */
  waitMs?: number;
}

export async function recoverOnStart(ctx: AppContext, options: RecoverOptions = {}): Promise<RecoveryReport> {
  const started = ctx.clock.now();
  const leasesReleased = await releaseOwnLeases(ctx);
  // Revokes started here are awaited below instead of being handed to the worker in the background.
  const step = await expiryStep(ctx, { handOff: false });
  const settled: SettleCounts = {};
  const done: { reconcile: ReconcileReport | null } = { reconcile: null };
  const work = (async () => {
    await settleDueGrants(ctx, options.concurrency, settled);
    if (options.reconcile === false) return;
    try {
      done.reconcile = await reconcile(ctx);
    } catch (error) {
      ctx.log.error({ err: error instanceof Error ? error.message : String(error) }, 'reconciliation at start failed; it runs again on schedule');
    }
  })();
  const inBackground = !(await settlesWithin(work, options.waitMs ?? RECOVERY_WAIT_MS));
  if (inBackground) {
    keepRunning(ctx.store, work);
    ctx.log.warn({ waitedMs: options.waitMs ?? RECOVERY_WAIT_MS, settled }, 'start-up catch-up is still waiting on targets; starting anyway, it continues in the background');
  }
  const reconciled = done.reconcile;
  const report: RecoveryReport = {
    leasesReleased,
    requestsExpired: step.requestsExpired,
    revokesStarted: step.revokesStarted.length,
    settled: { ...settled },
    reconcile: reconciled,
    inBackground,
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
      inBackground,
      tookMs: report.tookMs,
    },
    'start-up catch-up done',
  );
  return report;
}

function releaseOwnLeases(ctx: AppContext): Promise<number> {
  return ctx.store.tx((uow) => uow.releaseLeasesOf(ctx.instanceId));
}
