/**
 * Remembers which visible steps of a notice (thread reply, DM, audit post) already went out, in the store's
 * key-value records, so when the outbox retries a notice after a later step failed, earlier steps are not posted
 * again. A step is marked right after Slack accepted it; a crash in between can still repeat it once (accepted).
 * Marks older than two days are pruned: the outbox gives up on a notice after one.
 */
import { createHash } from 'node:crypto';
import type { Store } from '../../../db/store/port.ts';

const PREFIX = 'slack:step:';
const KEEP_MS = 2 * 24 * 60 * 60_000;

export class StepLedger {
  private writes = 0;

  constructor(
    private readonly store: Store,
    private readonly now: () => number,
  ) {}

  /** A stable key for one delivery of a notice: its content plus whatever distinguishes repeats of it. */
  static keyOf(parts: readonly unknown[]): string {
    return createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 32);
  }

  async done(deliveryKey: string, step: string): Promise<boolean> {
    return (await this.store.kvGet(`${PREFIX}${deliveryKey}:${step}`)) !== null;
  }

  async mark(deliveryKey: string, step: string): Promise<void> {
    const now = this.now();
    await this.store.tx((uow) => uow.kvInsertIfAbsent(`${PREFIX}${deliveryKey}:${step}`, '1', now));
    if (++this.writes % 500 === 0) await this.prune();
  }

  /** Run `post` once per (delivery, step). */
  async once(deliveryKey: string, step: string, post: () => Promise<void>): Promise<void> {
    if (await this.done(deliveryKey, step)) return;
    await post();
    await this.mark(deliveryKey, step);
  }

  prune(): Promise<number> {
    const before = this.now() - KEEP_MS;
    return this.store.tx((uow) => uow.kvPrune(PREFIX, before));
  }
}
