/**
 * The units of time-driven work the scheduler runs. Each reads "now" from the injected clock and compares it
 * with absolute instants stored in the database, so missing a tick (a paused process, a clock jump, DST)
 * delays work until the next tick but can never skip it.
 */
import type { AppContext } from '../app/context.ts';
import { EXPIRY_BATCH, expireLapsedRequests, startDueRevokes, type StartRevokesOptions } from '../app/expire.ts';
import { dueGrantIds, settleGrant, type ProcessResult } from '../app/grant-executor.ts';
import { dispatchOutbox, type DispatchResult } from '../app/outbox.ts';
import type { ChatPort } from '../app/ports.ts';
import { forEachConcurrent } from './concurrency.ts';

/** Grants processed at once by a sweep; the target sees at most this many calls from one sweep. */
export const SETTLE_CONCURRENCY = 8;
const MAX_ROUNDS = 50;

export interface ExpiryStepResult {
  requestsExpired: number;
  revokesStarted: string[];
}

/**
 * Lapse stale requests and move every grant past its expiry to `revoking`. Each moved grant is handed to
 * `ctx.afterCommit.grantChanged`, which (with the worker) revokes it at the target right away, unless
 * `handOff` is false (the caller settles them itself).
 */
export async function expiryStep(ctx: AppContext, options: StartRevokesOptions = {}): Promise<ExpiryStepResult> {
  let requestsExpired = 0;
  const revokesStarted: string[] = [];
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const lapsed = await expireLapsedRequests(ctx);
    const moved = await startDueRevokes(ctx, options);
    requestsExpired += lapsed;
    revokesStarted.push(...moved);
    // Short batches: nothing else was due when they were read (what falls due since is the timer's next fire).
    if (lapsed < EXPIRY_BATCH && moved.length < EXPIRY_BATCH) break;
  }
  return { requestsExpired, revokesStarted };
}

export type SettleCounts = Partial<Record<ProcessResult | 'error', number>>;

/**
 * Process every grant with work due now (first attempts nobody picked up, retries whose backoff has passed,
 * rows whose lease expired because their process died) with bounded concurrency, until none is left.
 * Results are counted into `counts` as they come (so a caller that stops waiting still sees the progress).
 */
export async function settleDueGrants(ctx: AppContext, concurrency = SETTLE_CONCURRENCY, counts: SettleCounts = {}): Promise<SettleCounts> {
  const seen = new Set<string>();
  for (let round = 0; round < MAX_ROUNDS; round++) {
    // A grant that is still due after we processed it (e.g. retry due at once) waits for the next sweep.
    const ids = (await dueGrantIds(ctx)).filter((id) => !seen.has(id));
    if (ids.length === 0) break;
    for (const id of ids) seen.add(id);
    await forEachConcurrent(ids, concurrency, async (id) => {
      let result: ProcessResult | 'error';
      try {
        result = await settleGrant(ctx, id);
      } catch (error) {
        ctx.log.error({ grantId: id, err: error instanceof Error ? error.message : String(error) }, 'grant processing crashed; the next sweep retries');
        result = 'error';
      }
      counts[result] = (counts[result] ?? 0) + 1;
    });
  }
  return counts;
}

/**
 * Deliver due chat notices in batches until a batch comes back short (rows another replica took count as
 * seen, so two replicas draining one backlog both keep going).
 */
export async function dispatchDue(ctx: AppContext, ports: readonly ChatPort[], maxBatches = 20): Promise<DispatchResult> {
  const total: DispatchResult = { sent: 0, failed: 0, skipped: 0 };
  if (ports.length === 0) return total;
  const batch = 50;
  for (let i = 0; i < maxBatches; i++) {
    const result = await dispatchOutbox(ctx, ports, batch);
    total.sent += result.sent;
    total.failed += result.failed;
    total.skipped += result.skipped;
    if (result.sent + result.failed + result.skipped < batch) break;
  }
  return total;
}
