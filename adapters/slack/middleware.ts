/**
 * Global Bolt middleware and the ack stopwatch.
 * - Duplicates: Slack retries events (X-Slack-Retry-Num) and a captured request can be replayed within the
 *   signature's 5 minutes; Bolt keeps no memory of either. Each delivery carries an id that is unique per user
 *   action (event_id, or trigger_id for commands and interactions); the chat layer's SeenDeliveries remembers
 *   them on every replica, and the second sighting is acknowledged and dropped: one signed Slack request has
 *   one effect.
 * - The check is a store write, and on PostgreSQL it can wait for a pooled connection behind writers that hold
 *   theirs while queueing for the write lock. So for commands and button clicks, whose listeners ack before they
 *   do anything (every one acks first through `timedAck`), the write starts on the event-loop turn after the
 *   listener's ack; `timedAck` waits for it right after the ack and stops a duplicate's listener there, before
 *   any effect. An ack that carries an answer waits for the check first, so a duplicate never gets one. Forms
 *   (which do their work before the ack) and events (which Bolt acks itself) are checked before the listener.
 * - Ack latency: every listener acks through `timedAck`, which feeds `accessbot_ack_seconds`.
 */
import { performance } from 'node:perf_hooks';
import type { AckFn, AnyMiddlewareArgs, Context, Middleware } from '@slack/bolt';
import type { SeenDeliveries, WorkBudget } from '../../src/chat/index.ts';
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

/** Where dropDuplicates leaves the pending check for `timedAck` (Bolt's context is shared by middleware and listener). */
const SIGHTING = 'accessbotDeliverySighting';
/** Set by `timedAck` once it has consulted the check. */
const CONSULTED = 'accessbotDeliveryConsulted';

/** Thrown by `timedAck` after acking a duplicate: ends its listener before any effect; dropDuplicates catches it. */
export class DuplicateDelivery extends Error {
  constructor() {
    super('duplicate Slack delivery');
  }
}

function isDuplicateStop(error: unknown): boolean {
  if (error instanceof DuplicateDelivery) return true;
  const originals = (error as { originals?: unknown }).originals;
  return Array.isArray(originals) && originals.length > 0 && originals.every((e) => e instanceof DuplicateDelivery);
}

/** Slash commands and block actions: their listeners ack first, before any effect. */
function acksFirst(body: unknown): boolean {
  return field(body, 'command') !== null || field(body, 'type') === 'block_actions';
}

export function dropDuplicates(seen: SeenDeliveries, log: Logger): Middleware<AnyMiddlewareArgs> {
  const ignored = (id: string, retryNum: unknown) => log.info({ delivery: id.split(':')[0], retry: retryNum ?? 0 }, 'duplicate Slack delivery ignored');
  return async (args) => {
    const id = deliveryId(args.body);
    if (id === null) {
      await args.next();
      return;
    }
    if (acksFirst(args.body)) {
      // Started on the next turn of the event loop: a SQLite write is synchronous, and in this turn it would
      // run ahead of the listener's ack (and its HTTP write).
      const sighting = new Promise((resolve) => setImmediate(resolve)).then(() => firstSighting(seen, id, log));
      args.context[SIGHTING] = sighting;
      try {
        await args.next();
      } catch (error) {
        if (!isDuplicateStop(error)) throw error;
        ignored(id, args.context.retryNum);
        return;
      }
      // No listener took it, or one that acks without timedAck and so skipped the check (a bug): say so.
      if (args.context[CONSULTED] !== true && !(await sighting)) log.warn({ delivery: id.split(':')[0] }, 'a duplicate Slack delivery was not stopped by timedAck');
      return;
    }
    if (await firstSighting(seen, id, log)) {
      await args.next();
      return;
    }
    ignored(id, args.context.retryNum);
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
 * the whole chain settles; yielding lets the ack leave first. Then it waits for dropDuplicates' check and throws
 * DuplicateDelivery for a duplicate, so the listener's work after the ack never runs twice.
 */
export function timedAck<T>(metrics: Metrics, kind: string, context: Context, ack: AckFn<T>): AckFn<T> {
  const receivedAt: unknown = context.receivedAt;
  const started = typeof receivedAt === 'number' ? receivedAt : performance.now();
  const sighting = context[SIGHTING] as Promise<boolean> | undefined;
  context[CONSULTED] = true;
  let observed = false;
  return async (response?: T) => {
    if (!observed) {
      observed = true;
      metrics.ackSeconds.observe({ kind }, (performance.now() - started) / 1000);
    }
    // An answer in the ack is an effect too: a duplicate gets a bare ack.
    if (response !== undefined && sighting && !(await sighting)) {
      await ack();
      throw new DuplicateDelivery();
    }
    await ack(response);
    await new Promise((resolve) => setImmediate(resolve));
    if (sighting && !(await sighting)) throw new DuplicateDelivery();
  };
}

/**
 * The first middleware: a request starts (and so acks) once the work budget has a slot for it, or after the
 * budget's longest wait; the slot is held until its listener has finished (Bolt's `next` resolves then).
 */
export function withinWorkBudget(budget: WorkBudget): Middleware<AnyMiddlewareArgs> {
  return async ({ next }) => {
    const end = await budget.enter();
    try {
      await next();
    } finally {
      end();
    }
  };
}

/** For receivers: stamp each request when it arrives, so ack latency includes Bolt's own work. */
export const stampArrival = (): { receivedAt: number } => ({ receivedAt: performance.now() });
