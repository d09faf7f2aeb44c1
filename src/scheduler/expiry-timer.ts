/**
 * One in-process timer armed for the next instant something time-driven is due (a grant's expiry, a request's
 * lapse), so a revoke starts on the dot instead of at the next sweep. The delay is capped (default 60 s): a
 * timer measures elapsed time, not wall-clock time, so after a clock jump, a suspended VM or a long GC pause it
 * wakes up soon anyway, re-reads the stored absolute instant and compares it with the clock. The cron sweep
 * stays the backstop either way. The next due instant is read from the store (asynchronously): one lookup runs
 * at a time, and a re-arm asked for while one runs looks again once it is done.
 */

/** setTimeout cannot wait longer than this (a larger delay fires at once). */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;
/** When a fire made no progress on an instant that is already due, wait this long before trying again. */
const STUCK_RETRY_MS = 1_000;

export interface ExpiryTimerOptions {
  now(): number;
  /** The next due instant (epoch ms), or null when nothing is scheduled. */
  nextDue(): number | null | Promise<number | null>;
  /** The expiry step; runs when the clock has reached the armed instant. */
  fire(): void | Promise<void>;
  onError(error: unknown): void;
  maxDelayMs: number;
}

export class ExpiryTimer {
  private handle: NodeJS.Timeout | null = null;
  private armedFor: number | null = null;
  private lastFiredFor: number | null = null;
  private firing = false;
  private rearmQueued = false;
  private stopped = false;
  private fires = 0;
  /** A lookup of the next due instant is in flight. */
  private looking = false;
  /** arm() was called while a lookup was in flight: look again when it is done. */
  private lookAgain = false;
  /** Lookups and fires still running, so stop() can wait for them before the store closes. */
  private readonly busy = new Set<Promise<void>>();

  constructor(private readonly opts: ExpiryTimerOptions) {}

  /** Re-read the next due instant and (re)arm for it. */
  arm(): void {
    if (this.stopped || this.firing) {
      if (this.firing) this.rearmQueued = true;
      return;
    }
    if (this.looking) {
      this.lookAgain = true;
      return;
    }
    this.clearHandle();
    let due: number | null | Promise<number | null>;
    try {
      due = this.opts.nextDue();
    } catch (error) {
      this.opts.onError(error);
      due = this.opts.now() + STUCK_RETRY_MS;
    }
    if (typeof due === 'number' || due === null) {
      this.armFor(due);
      return;
    }
    this.looking = true;
    this.track(
      due
        .catch((error: unknown) => {
          this.opts.onError(error);
          return this.opts.now() + STUCK_RETRY_MS;
        })
        .then((instant) => {
          this.looking = false;
          if (this.stopped) return;
          if (this.firing) {
            this.lookAgain = false;
            this.rearmQueued = true; // the running fire re-arms when it ends
            return;
          }
          this.armFor(instant);
          if (this.lookAgain) {
            this.lookAgain = false;
            this.arm();
          }
        }),
    );
  }

  /** Re-arm after the current synchronous work (many changes in one tick cost one lookup). */
  rearmSoon(): void {
    if (this.stopped || this.rearmQueued) return;
    this.rearmQueued = true;
    queueMicrotask(() => {
      if (this.firing) return; // the running fire re-arms when it ends
      this.rearmQueued = false;
      this.arm();
    });
  }

  /** No more fires; resolves once a fire or lookup still running has finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.clearHandle();
    this.armedFor = null;
    while (this.busy.size > 0) await Promise.allSettled([...this.busy]);
  }

  status(): { armedFor: number | null; fires: number } {
    return { armedFor: this.stopped ? null : this.armedFor, fires: this.fires };
  }

  private armFor(due: number | null): void {
    this.clearHandle();
    this.armedFor = due;
    if (due === null) return;
    const now = this.opts.now();
    let delay = Math.max(0, due - now);
    if (due <= now && due === this.lastFiredFor) delay = STUCK_RETRY_MS;
    delay = Math.min(delay, this.opts.maxDelayMs, MAX_TIMEOUT_MS);
    this.handle = setTimeout(() => this.track(this.onTimeout(due)), delay);
  }

  private track(work: Promise<void>): void {
    this.busy.add(work);
    void work.finally(() => this.busy.delete(work));
  }

  private async onTimeout(due: number): Promise<void> {
    this.handle = null;
    if (this.stopped) return;
    if (this.opts.now() < due) {
      this.arm(); // woke early because the delay was capped: look again
      return;
    }
    this.firing = true;
    this.fires++;
    this.lastFiredFor = due;
    try {
      await this.opts.fire();
    } catch (error) {
      this.opts.onError(error);
    } finally {
      this.firing = false;
      this.rearmQueued = false;
    }
    this.arm();
  }

  private clearHandle(): void {
    if (this.handle) clearTimeout(this.handle);
    this.handle = null;
  }
}
