/**
 * Runs the after-commit work of one process: applies grants/revokes as soon as a decision commits and
 * delivers queued chat notices (the whole backlog, batch after batch, not one batch per wake-up). Grants are
 * processed by a bounded number of lanes, one grant at a time per lane, and a grant is never processed twice at
 * once by this process. It keeps track of what is in flight so shutdown can wait for it.
 */
import type { AfterCommit, AppContext } from './context.ts';
import type { GrantRecord } from '../../db/store/port.ts';
import { releaseLease, settleGrant, settleLeasedGrant } from './grant-executor.ts';
import { dispatchOutbox } from './outbox.ts';
import type { ChatPort } from './ports.ts';

/** Grants one process applies at the target at once; a burst of expiries queues instead of flooding the target. */
const WORKER_CONCURRENCY = 32;
/** Notices read per outbox query; a wake-up keeps reading batches until one comes back short. */
const DISPATCH_BATCH = 50;

export class Worker implements AfterCommit {
  private readonly inFlight = new Set<Promise<unknown>>();
  private dispatching = false;
  private dispatchAgain = false;
  private stopped = false;
  private ctx: AppContext | null = null;
  /** Grant ids waiting for a lane, in order; `waiting` mirrors it for de-duplication. */
  private readonly queue: string[] = [];
  private readonly waiting = new Set<string>();
  private readonly running = new Set<string>();
  /** Queued grants this process already holds the lease on (moved to revoking by its expiry step), by id. */
  private readonly leased = new Map<string, GrantRecord>();
  /** Changed again while being processed: process once more afterwards. */
  private readonly rerun = new Set<string>();
  private lanes = 0;
  private readonly concurrency: number;

  constructor(
    private ports: readonly ChatPort[] = [],
    options: { concurrency?: number } = {},
  ) {
    this.concurrency = Math.max(1, options.concurrency ?? WORKER_CONCURRENCY);
  }

  attach(ctx: AppContext): void {
    this.ctx = ctx;
  }

  setPorts(ports: readonly ChatPort[]): void {
    this.ports = ports;
  }

  grantChanged(grantId: string): void {
    if (!this.ctx || this.stopped) return;
    this.enqueue(grantId);
  }

  /**
   * Grants this process has just leased (the expiry step moved them to revoking and took their lease in the
   * same compare-and-set): processed like changed grants, without a claim of their own.
   */
  claimed(grants: readonly GrantRecord[]): void {
    const ctx = this.ctx;
    if (!ctx || this.stopped) {
      // Not ours to process after all: hand the leases back so the sweep (or another replica) takes them now.
      if (ctx) for (const grant of grants) void releaseLease(ctx, grant.id).catch(() => undefined);
      return;
    }
    for (const grant of grants) {
      this.leased.set(grant.id, grant);
      this.enqueue(grant.id);
    }
  }

  private enqueue(grantId: string): void {
    if (!this.ctx) return;
    if (this.running.has(grantId)) {
      this.rerun.add(grantId);
      return;
    }
    if (this.waiting.has(grantId)) return;
    this.waiting.add(grantId);
    this.queue.push(grantId);
    while (this.lanes < this.concurrency && this.queue.length > 0) {
      this.lanes++;
      this.track(this.lane(this.ctx));
    }
  }

  /** One lane: process queued grants one after another until the queue is empty (or the worker stops). */
  private async lane(ctx: AppContext): Promise<void> {
    try {
      for (let grantId = this.queue.shift(); grantId !== undefined && !this.stopped; grantId = this.queue.shift()) {
        this.waiting.delete(grantId);
        this.running.add(grantId);
        const leased = this.leased.get(grantId);
        this.leased.delete(grantId);
        try {
          await (leased ? settleLeasedGrant(ctx, leased) : settleGrant(ctx, grantId));
        } catch (error) {
          ctx.log.error({ grantId, err: String(error) }, 'grant processing crashed; the sweep will retry');
        } finally {
          this.running.delete(grantId);
        }
        if (this.rerun.delete(grantId) && !this.stopped && !this.waiting.has(grantId)) {
          this.waiting.add(grantId);
          this.queue.push(grantId);
        }
      }
    } finally {
      this.lanes--;
    }
  }

  noticesQueued(): void {
    const ctx = this.ctx;
    if (!ctx || this.stopped || this.ports.length === 0) return;
    if (this.dispatching) {
      this.dispatchAgain = true;
      return;
    }
    this.dispatching = true;
    this.track(
      (async () => {
        try {
          let full: boolean;
          do {
            this.dispatchAgain = false;
            const result = await dispatchOutbox(ctx, this.ports, DISPATCH_BATCH);
            // A full batch may have left due notices behind it: they go now, not at the next sweep. (Rows that
            // failed back off and leased rows are not due, so this ends once the backlog is delivered.)
            full = result.sent + result.failed + result.skipped >= DISPATCH_BATCH;
          } while ((this.dispatchAgain || full) && !this.stopped);
        } catch (error) {
          ctx.log.error({ err: String(error) }, 'outbox dispatch crashed; the sweep will retry');
        } finally {
          this.dispatching = false;
        }
      })(),
    );
  }

  /** Wait until everything started so far (and anything it started) has finished. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /**
   * Stop taking new work and wait for in-flight transitions to finish. Grants still queued (their transition is
   * committed, the target call not started) are left to the next sweep or start-up catch-up.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.idle();
    const ctx = this.ctx;
    // Leases taken for grants that never got a lane go back now, so the next process need not wait them out.
    if (ctx?.store.open) await Promise.allSettled([...this.leased.keys()].map((id) => releaseLease(ctx, id)));
    this.leased.clear();
    this.queue.length = 0;
    this.waiting.clear();
    this.rerun.clear();
  }

  private track(promise: Promise<unknown>): void {
    this.inFlight.add(promise);
    void promise.finally(() => this.inFlight.delete(promise));
  }
}
