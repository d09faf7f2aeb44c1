/**
 * Guards for one outside call (a provider call for a grant row, a chat delivery for an outbox row, a
 * reconciliation listing). Leaf module: no database imports, so the executor, the outbox, reconciliation and
 * the lease helper (./lease.ts) can all use it.
 * - Every call gets a deadline, so a target that never answers cannot hold the row (and its revoke) forever:
 *   past the deadline the attempt counts as a retryable failure and the lease is released for a retry.
 * - A call made while holding a lease has it renewed while the call is in flight (heartbeat), so a slow call
 *   never outlives its lease and a second replica never claims the row and calls the target at the same time.
 */

/** Thrown (rejected) when a call did not settle before its deadline. */
export class DeadlineExceeded extends Error {
  constructor(
    readonly what: string,
    readonly afterMs: number,
  ) {
    super(`${what} did not answer within ${formatMs(afterMs)}; giving up on this attempt`);
    this.name = 'DeadlineExceeded';
  }
}

export interface DeadlineOptions {
  /** Give up on the call after this long (elapsed time). */
  deadlineMs: number;
  /** Label for the deadline error, e.g. 'orders-db revoke'. */
  what: string;
  /** The call settled after its deadline had already been reported: what it finally did. */
  onLateSettle?(outcome: { ok: true; value: unknown } | { ok: false; error: unknown }): void;
}

export interface GuardOptions extends DeadlineOptions {
  /** Renew the lease; false when it is no longer ours (another owner took the row). May be async (a store write). */
  renew(): boolean | Promise<boolean>;
  /** How often to renew (should be well under the lease length). */
  renewEveryMs: number;
  /** Called once when a renewal finds the lease taken, or the renewal itself throws. */
  onLeaseLost?(error: unknown): void;
}

/**
 * Run `call` with the lease renewed every `renewEveryMs` until it settles or its deadline passes. Resolves or
 * rejects like `call`, or rejects with DeadlineExceeded. The heartbeat and the deadline timer are always cleared.
 */
export function guardCall<T>(call: () => Promise<T>, options: GuardOptions): Promise<T> {
  return run(call, options);
}

/** Run `call` (no lease to renew) until it settles or its deadline passes; rejects with DeadlineExceeded then. */
export function withDeadline<T>(call: () => Promise<T>, options: DeadlineOptions): Promise<T> {
  return run(call, options);
}

async function run<T>(call: () => Promise<T>, options: DeadlineOptions & Partial<GuardOptions>): Promise<T> {
  let lost = false;
  let timedOut = false;
  let settled = false;
  /** A renewal is still being written: the next beat skips instead of queueing another. */
  let renewing = false;
  const leaseLost = (failure: unknown): void => {
    // A renewal that answers after the call settled is moot (the caller may have released the lease already).
    if (lost || settled) return;
    lost = true;
    options.onLeaseLost?.(failure);
  };
  const renew = options.renew;
  /** One heartbeat: renew the lease, unless it is lost already or the previous renewal is still being written. */
  const beat = (): void => {
    if (!renew || lost || renewing) return;
    let renewed: boolean | Promise<boolean>;
    try {
      renewed = renew();
    } catch (error) {
      leaseLost(error);
      return;
    }
    if (typeof renewed === 'boolean') {
      if (!renewed) leaseLost(null);
      return;
    }
    renewing = true;
    renewed
      .then(
        (ok) => {
          if (!ok) leaseLost(null);
        },
        (error: unknown) => leaseLost(error),
      )
      .finally(() => (renewing = false))
      .catch(() => {}); // the reporter logs its own problems; nothing may escape as an unhandled rejection
  };
  const heartbeat = renew ? setInterval(beat, Math.max(10, options.renewEveryMs ?? 0)) : undefined;
  let deadline: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    deadline = setTimeout(() => {
      timedOut = true;
      reject(new DeadlineExceeded(options.what, options.deadlineMs));
    }, options.deadlineMs);
  });
  const running = Promise.resolve().then(call);
  // Whatever happens after the deadline must not become an unhandled rejection; report it instead.
  const late = (outcome: { ok: true; value: unknown } | { ok: false; error: unknown }): void => {
    if (!timedOut) return;
    try {
      options.onLateSettle?.(outcome);
    } catch {
      // The reporter logs its own problems; nothing may escape as an unhandled rejection.
    }
  };
  running.then(
    (value) => late({ ok: true, value }),
    (error: unknown) => late({ ok: false, error }),
  );
  try {
    return await Promise.race([running, expired]);
  } finally {
    settled = true;
    clearInterval(heartbeat);
    clearTimeout(deadline);
  }
}

function formatMs(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000} min` : ms % 1_000 === 0 ? `${ms / 1_000} s` : `${ms} ms`;
}
