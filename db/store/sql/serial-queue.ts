/**
 * Runs async jobs one at a time, in arrival order (the async mutex around a single connection).
 *
 * better-sqlite3 is synchronous, so a backlog of transactions chained in microtasks runs as one long task of the
 * event loop (measured 30–390 ms under 20–100 concurrent Slack senders), and every HTTP request that arrives
 * meanwhile — a Slack ack among them — waits for all of it. So a job that had to wait for another starts on the
 * next turn of the event loop, letting pending I/O in first; a job with nothing ahead of it starts at once.
 * (The quick ack bench at 20 senders: SQLite /request-access p99 ~400 ms chained, ~100 ms yielding; yielding only
 * after 1–5 ms slices of work bought nothing measurable.)
 *
 * "Had to wait" is judged by the clock — the global `performance.now()` at call time has moved since the job
 * ahead started, always true in production — and the yield uses setImmediate as it was when this module loaded.
 * A test that fakes timers freezes that clock, so its store jobs chain in microtasks as they always did: it
 * neither has to advance its clock for a job to start nor can hold one back.
 */
const realSetImmediate = globalThis.setImmediate.bind(globalThis);
const nextTurn = (): Promise<void> => new Promise((resolve) => realSetImmediate(resolve));

export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  /** Jobs queued or running. */
  private inFlight = 0;
  /** When the job ahead started, or the last yield ended (performance.now()). */
  private startedAt = 0;

  run<T>(job: () => Promise<T>): Promise<T> {
    const behindAnother = this.inFlight > 0;
    this.inFlight++;
    const result = this.tail.then(() => (behindAnother ? this.startAfterOthers(job) : this.startNow(job)));
    const settled = (): void => {
      this.inFlight--;
    };
    this.tail = result.then(settled, settled);
    return result;
  }

  /** A job with nothing ahead of it starts at once. */
  private startNow<T>(job: () => Promise<T>): Promise<T> {
    this.startedAt = globalThis.performance.now();
    return job();
  }

  /** A job that waited for others starts on the next turn, once the clock has moved (always, unless it is faked). */
  private async startAfterOthers<T>(job: () => Promise<T>): Promise<T> {
    if (globalThis.performance.now() > this.startedAt) {
      await nextTurn();
      this.startedAt = globalThis.performance.now();
    }
    return job();
  }
}
