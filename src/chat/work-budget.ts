/**
 * A bound on the chat requests this process is still working on. An ack leaves at once and the request's work
 * (identity lookup, the core's transaction, queuing notices) goes on after it, so without a bound a burst is
 * accepted faster than it is worked off: every accepted request holds its HTTP objects, its listener's closures
 * and its promises until its turn comes (measured: 10,000 filings from 20 senders were all acked in 9.6 s, no card
 * posted meanwhile, the process peaked at 1.1 GB). With the bound, a request that arrives while `limit` are being
 * worked on waits to start — its sender waits for the ack, which slows a burst to the pace the bot keeps — but
 * never longer than `maxWaitMs`, so the ack still comes within the platform's limit (Slack's is 3 s); then it
 * starts anyway. Waiters start in arrival order.
 */
export interface WorkBudgetOptions {
  /** Requests worked on at once before new ones wait. */
  limit: number;
  /** The longest a request waits for a slot before it starts anyway. */
  maxWaitMs: number;
}

/** How a request that had to wait started: a slot came free, or the wait ran out and it started without one. */
export type WaitOutcome = 'slot' | 'overran';

/** Defaults for a chat adapter: a few hundred requests in flight is far beyond any human traffic; Slack allows 3 s for an ack. */
export const CHAT_WORK_BUDGET: WorkBudgetOptions = { limit: 400, maxWaitMs: 2_000 };

export class WorkBudget {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly options: WorkBudgetOptions,
    private readonly onWaited: (outcome: WaitOutcome) => void = () => {},
  ) {}

  /** Waits for a slot (see the file's comment); the returned function ends the request's work (call it once). */
  async enter(): Promise<() => void> {
    if (this.running < this.options.limit) {
      this.running++;
    } else {
      // A slot that comes free is handed over as it is (the count stays), so no later arrival takes it first.
      const handedOver = await this.slot();
      if (!handedOver) this.running++;
      this.onWaited(handedOver ? 'slot' : 'overran');
    }
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    };
  }

  /** Requests being worked on now. */
  get inFlight(): number {
    return this.running;
  }

  /** True when a slot came free, false when the wait ran out. */
  private slot(): Promise<boolean> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        const at = this.waiting.indexOf(wake);
        if (at >= 0) this.waiting.splice(at, 1);
        resolve(false);
      }, this.options.maxWaitMs);
      this.waiting.push(wake);
    });
  }
}
