/**
 * Global Bolt middleware and the ack stopwatch.
 * - Duplicates: Slack retries events (X-Slack-Retry-Num) and a captured request can be replayed within the
 *   signature's 5 minutes; Bolt keeps no memory of either. Each delivery carries an id that is unique per user
 *   action (event_id, or trigger_id for commands and interactions); the second sighting is acknowledged and dropped.
 * - Ack latency: every listener acks through `timedAck`, which feeds `accessbot_ack_seconds`.
 */
import { performance } from 'node:perf_hooks';
import type { AckFn, AnyMiddlewareArgs, Context, Middleware } from '@slack/bolt';
import type { Metrics } from '../../src/http/metrics.ts';
import type { Logger } from '../../src/logging.ts';

/** Ids seen in the last `ttlMs`, bounded in size. */
export class RecentIds {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly ttlMs = 10 * 60_000,
    private readonly max = 50_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** True the first time an id is offered (within the ttl), false after. */
  firstSighting(id: string): boolean {
    const now = this.now();
    const at = this.seen.get(id);
    if (at !== undefined && now - at < this.ttlMs) return false;
    this.seen.delete(id);
    this.seen.set(id, now);
    if (this.seen.size > this.max) {
      for (const [key, when] of this.seen) {
        if (this.seen.size <= this.max && now - when < this.ttlMs) break;
        this.seen.delete(key);
      }
    }
    return true;
  }
}

function field(body: unknown, key: string): string | null {
  if (typeof body !== 'object' || body === null) return null;
  const value = (body as Record<string, unknown>)[key];
  return typeof value === 'string' && value !== '' ? value : null;
}

/** The id that names one user action: event_id for events, trigger_id for commands and interactions. */
export function deliveryId(body: unknown): string | null {
  const eventId = field(body, 'event_id');
  if (eventId) return `event:${eventId}`;
  const triggerId = field(body, 'trigger_id');
  return triggerId ? `trigger:${triggerId}` : null;
}

export function dropDuplicates(recent: RecentIds, log: Logger): Middleware<AnyMiddlewareArgs> {
  return async (args) => {
    const id = deliveryId(args.body);
    if (id === null || recent.firstSighting(id)) {
      await args.next();
      return;
    }
    log.info({ delivery: id.split(':')[0], retry: args.context.retryNum ?? 0 }, 'duplicate Slack delivery ignored');
    if ('ack' in args && typeof args.ack === 'function') await (args.ack as AckFn<void>)();
  };
}

/**
 * `ack` that records how long after receipt it was called (once), then yields to the event loop. Node writes
 * an HTTP response on the next tick, and a listener that goes on with synchronous work in promise continuations
 * (a cached identity, a SQLite transaction, a provider that answers at once) would hold that write back until
 * the whole chain settles; yielding lets the ack leave first.
 */
export function timedAck<T>(metrics: Metrics, kind: string, context: Context, ack: AckFn<T>): AckFn<T> {
  const receivedAt: unknown = context.receivedAt;
  const started = typeof receivedAt === 'number' ? receivedAt : performance.now();
  let observed = false;
  return async (response?: T) => {
    if (!observed) {
      observed = true;
      metrics.ackSeconds.observe({ kind }, (performance.now() - started) / 1000);
    }
    await ack(response);
    await new Promise((resolve) => setImmediate(resolve));
  };
}

/** For receivers: stamp each request when it arrives, so ack latency includes Bolt's own work. */
export const stampArrival = (): { receivedAt: number } => ({ receivedAt: performance.now() });
