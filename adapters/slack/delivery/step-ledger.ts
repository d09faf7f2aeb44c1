/**
 * Remembers which visible steps of a notice (thread reply, DM, audit post) already went out, in the `kv` table,
 * so when the outbox retries a notice after a later step failed, earlier steps are not posted again. A step is
 * marked right after Slack accepted it; a crash in between can still repeat it once (accepted). Marks older than
 * two days are pruned: the outbox gives up on a notice after one.
 */
import { createHash } from 'node:crypto';
import { and, eq, like, lt } from 'drizzle-orm';
import { kv } from '../../../db/schema.ts';
import type { Db } from '../../../db/client.ts';

const PREFIX = 'slack:step:';
const KEEP_MS = 2 * 24 * 60 * 60_000;

export class StepLedger {
  private writes = 0;

  constructor(
    private readonly db: Db,
    private readonly now: () => number,
  ) {}

  /** A stable key for one delivery of a notice: its content plus whatever distinguishes repeats of it. */
  static keyOf(parts: readonly unknown[]): string {
    return createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 32);
  }

  done(deliveryKey: string, step: string): boolean {
    return this.db.orm.select({ key: kv.key }).from(kv).where(eq(kv.key, `${PREFIX}${deliveryKey}:${step}`)).get() !== undefined;
  }

  mark(deliveryKey: string, step: string): void {
    const now = this.now();
    this.db.orm.insert(kv).values({ key: `${PREFIX}${deliveryKey}:${step}`, value: '1', updatedAt: now }).onConflictDoNothing().run();
    if (++this.writes % 500 === 0) this.prune();
  }

  /** Run `post` once per (delivery, step). */
  async once(deliveryKey: string, step: string, post: () => Promise<void>): Promise<void> {
    if (this.done(deliveryKey, step)) return;
    await post();
    this.mark(deliveryKey, step);
  }

  prune(): number {
    return this.db.orm
      .delete(kv)
      .where(and(like(kv.key, `${PREFIX}%`), lt(kv.updatedAt, this.now() - KEEP_MS)))
      .run().changes;
  }
}
