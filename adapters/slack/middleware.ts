/**
 * Global Bolt middleware and the ack stopwatch.
 * - Duplicates: Slack retries events (X-Slack-Retry-Num) and a captured request can be replayed within the
 *   signature's 5 minutes; Bolt keeps no memory of either. Each delivery carries an id that is unique per user
 *   action (event_id, or trigger_id for commands and interactions); the chat layer's SeenDeliveries remembers
 *   them on every replica, and the second sighting is acknowledged and dropped: one signed Slack request has
 *   one effect.
 * - Ack latency: every listener acks through `timedAck`, which feeds `accessbot_ack_seconds`.
 */
import { performance } from 'node:perf_hooks';
import type { AckFn, AnyMiddlewareArgs, Context, Middleware } from '@slack/bolt';
import type { SeenDeliveries } from '../../src/chat/index.ts';
import type { Metrics } from '../../src/http/metrics.ts';
import type { Logger } from '../../src/logging.ts';

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

export function dropDuplicates(seen: SeenDeliveries, log: Logger): Middleware<AnyMiddlewareArgs> {
  return async (args) => {
    const id = deliveryId(args.body);
    if (id === null || (await firstSighting(seen, id, log))) {
      await args.next();
      return;
    }
    log.info({ delivery: id.split(':')[0], retry: args.context.retryNum ?? 0 }, 'duplicate Slack delivery ignored');
    if ('ack' in args && typeof args.ack === 'function') await (args.ack as AckFn<void>)();
  };
}

/** When the store cannot say, the delivery is handled: the core's own checks still stop a repeated decision. */
async function firstSighting(seen: SeenDeliveries, id: string, log: Logger): Promise<boolean> {
  try {
    return await seen.firstSighting(id);
  } catch (error) {
    log.warn({ delivery: id.split(':')[0], err: error instanceof Error ? error.message : String(error) }, 'could not check for a duplicate Slack delivery; handling it');
    return true;
  }
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
