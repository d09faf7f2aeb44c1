/**
 * Runs async jobs one at a time, in arrival order (the async mutex around a single connection).
 * A job that had to wait starts on a later turn of the event loop, not in the microtask that ended the job
 * before it: better-sqlite3 is synchronous, so a backlog of transactions chained in microtasks would run as one
 * long task of the event loop (measured: 30–130 ms under 20 concurrent Slack senders), and every HTTP request
 * that arrived meanwhile — a Slack ack among them — would wait for all of it. An uncontended job starts at once.
 */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  /** Jobs queued or running. */
  private inFlight = 0;

  run<T>(job: () => Promise<T>): Promise<T> {
    const behindAnother = this.inFlight > 0;
    this.inFlight++;
    const result = (behindAnother ? this.tail.then(nextTurn) : this.tail).then(job);
    const settled = () => {
      this.inFlight--;
    };
    this.tail = result.then(settled, settled);
    return result;
  }
}
