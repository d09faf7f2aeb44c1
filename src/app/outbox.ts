/** Queue notices inside a decision's transaction; deliver them after commit with retries and leases. */
import { and, eq, lte, or, isNull, lt, asc } from 'drizzle-orm';
import { outbox } from '../../db/schema.ts';
import { backoffDelay } from '../domain/backoff.ts';
import type { AppContext, Tx } from './context.ts';
import type { ChatPort, Notice } from './ports.ts';
import { loadRequestView } from './request-view.ts';

/** Adds the notice once per platform; a repeated dedupe key is ignored (idempotent by construction). */
export function enqueueNotice(tx: Tx, ctx: Pick<AppContext, 'platforms' | 'clock'>, notice: Notice, dedupeKey: string): void {
  const now = ctx.clock.now();
  for (const platform of ctx.platforms) {
    tx.insert(outbox)
      .values({ platform, dedupeKey, notice: JSON.stringify(notice), status: 'pending', nextAttemptAt: now, createdAt: now })
      .onConflictDoNothing()
      .run();
  }
}

const MAX_DELIVERY_AGE_MS = 24 * 60 * 60_000;

export interface DispatchResult {
  sent: number;
  failed: number;
}

/**
 * Deliver due notices, oldest first. Each row is claimed with a conditional update (lease), so two replicas
 * never deliver the same row at once; failures back off, and a row is given up only after a day.
 */
export async function dispatchOutbox(ctx: AppContext, ports: readonly ChatPort[], limit = 50): Promise<DispatchResult> {
  const result: DispatchResult = { sent: 0, failed: 0 };
  const byPlatform = new Map(ports.map((port) => [port.platform, port]));
  const now = ctx.clock.now();
  const due = ctx.db.orm
    .select({ id: outbox.id })
    .from(outbox)
    .where(and(eq(outbox.status, 'pending'), lte(outbox.nextAttemptAt, now), or(isNull(outbox.leaseUntil), lt(outbox.leaseUntil, now))))
    .orderBy(asc(outbox.id))
    .limit(limit)
    .all();
  for (const { id } of due) {
    const claimed = ctx.db.orm
      .update(outbox)
      .set({ leaseOwner: ctx.instanceId, leaseUntil: ctx.clock.now() + ctx.retry.leaseMs })
      .where(and(eq(outbox.id, id), eq(outbox.status, 'pending'), or(isNull(outbox.leaseUntil), lt(outbox.leaseUntil, ctx.clock.now()))))
      .returning()
      .get();
    if (!claimed) continue;
    const port = byPlatform.get(claimed.platform);
    if (!port) {
      release(ctx, id, claimed.attempts, 'no adapter for this platform is running', claimed.createdAt);
      result.failed++;
      continue;
    }
    const notice = JSON.parse(claimed.notice) as Notice;
    try {
      const requestId = 'requestId' in notice ? notice.requestId : null;
      const view = typeof requestId === 'number' ? loadRequestView(ctx.db, ctx.policy, requestId, ctx.clock.now()) : null;
      await port.deliver(notice, view);
      ctx.db.orm
        .update(outbox)
        .set({ status: 'sent', sentAt: ctx.clock.now(), leaseOwner: null, leaseUntil: null, attempts: claimed.attempts + 1 })
        .where(and(eq(outbox.id, id), eq(outbox.leaseOwner, ctx.instanceId)))
        .run();
      result.sent++;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      ctx.log.warn({ outboxId: id, platform: claimed.platform, notice: notice.type, err: message }, 'chat delivery failed; will retry');
      release(ctx, id, claimed.attempts, message, claimed.createdAt);
      result.failed++;
    }
  }
  return result;
}

function release(ctx: AppContext, id: number, attempts: number, error: string, createdAt: number): void {
  const now = ctx.clock.now();
  const giveUp = now - createdAt > MAX_DELIVERY_AGE_MS;
  ctx.db.orm
    .update(outbox)
    .set({
      status: giveUp ? 'dead' : 'pending',
      attempts: attempts + 1,
      lastError: error.slice(0, 500),
      nextAttemptAt: now + backoffDelay(attempts + 1, 1_000, 5 * 60_000, ctx.random),
      leaseOwner: null,
      leaseUntil: null,
    })
    .where(eq(outbox.id, id))
    .run();
}

/** When is the next row due (for arming a timer)? */
export function nextOutboxDue(ctx: AppContext): number | null {
  const row = ctx.db.orm
    .select({ at: outbox.nextAttemptAt })
    .from(outbox)
    .where(eq(outbox.status, 'pending'))
    .orderBy(asc(outbox.nextAttemptAt))
    .limit(1)
    .get();
  return row?.at ?? null;
}
