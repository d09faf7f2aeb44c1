/**
 * Runs the after-commit work of one process: applies grants/revokes as soon as a decision commits and
 * delivers queued chat notices. It keeps track of what is in flight so shutdown can wait for it.
 */
import type { AfterCommit, AppContext } from './context.ts';
import { settleGrant } from './grant-executor.ts';
import { dispatchOutbox } from './outbox.ts';
import type { ChatPort } from './ports.ts';

export class Worker implements AfterCommit {
  private readonly inFlight = new Set<Promise<unknown>>();
  private dispatching = false;
  private dispatchAgain = false;
  private stopped = false;
  private ctx: AppContext | null = null;

  constructor(private ports: readonly ChatPort[] = []) {}

  attach(ctx: AppContext): void {
    this.ctx = ctx;
  }

  setPorts(ports: readonly ChatPort[]): void {
    this.ports = ports;
  }

  grantChanged(grantId: string): void {
    const ctx = this.ctx;
    if (!ctx || this.stopped) return;
    this.track(
      settleGrant(ctx, grantId).catch((error: unknown) => ctx.log.error({ grantId, err: String(error) }, 'grant processing crashed; the sweep will retry')),
    );
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
          do {
            this.dispatchAgain = false;
            await dispatchOutbox(ctx, this.ports);
          } while (this.dispatchAgain && !this.stopped);
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

  /** Stop taking new work and wait for in-flight transitions to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.idle();
  }

  private track(promise: Promise<unknown>): void {
    this.inFlight.add(promise);
    void promise.finally(() => this.inFlight.delete(promise));
  }
}
