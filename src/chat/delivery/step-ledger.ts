/**
 * Remembers which visible steps of a notice (thread reply, private message, audit post) already went out on a
 * platform, in the store's key-value records, so when the outbox retries a notice after a later step failed,
 * earlier steps are not posted again. A step is marked right after the platform accepted it; a crash in
 * between can still repeat it once (accepted). Marks older than two days are pruned: the outbox gives up on a
 * notice after one.
 */
import { createHash } from 'node:crypto';
import type { AppContext } from '../../app/context.ts';

const KEEP_MS = 2 * 24 * 60 * 60_000;
const PRUNE_EVERY = 500;

export class StepLedger {
  private writes = 0;
  private readonly prefix: string;

  constructor(
    private readonly ctx: Pick<AppContext, 'store' | 'clock'>,
    platform: string,
  ) {
    this.prefix = `${platform}:step:`;
  }

  /** A stable key for one delivery of a notice: its content plus whatever distinguishes repeats of it. */
  static keyOf(parts: readonly unknown[]): string {
    return createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 32);
  }

  async done(deliveryKey: string, step: string): Promise<boolean> {
    return (await this.ctx.store.kvGet(`${this.prefix}${deliveryKey}:${step}`)) !== null;
  }

  async mark(deliveryKey: string, step: string): Promise<void> {
    const now = this.ctx.clock.now();
    await this.ctx.store.tx((uow) => uow.kvInsertIfAbsent(`${this.prefix}${deliveryKey}:${step}`, '1', now));
    if (++this.writes % PRUNE_EVERY === 0) await this.prune();
  }

  /** Run `post` once per (delivery, step). */
  async once(deliveryKey: string, step: string, post: () => Promise<void>): Promise<void> {
    if (await this.done(deliveryKey, step)) return;
    await post();
    await this.mark(deliveryKey, step);
  }

  prune(): Promise<number> {
    const before = this.ctx.clock.now() - KEEP_MS;
    return this.ctx.store.tx((uow) => uow.kvPrune(this.prefix, before));
  }
}
