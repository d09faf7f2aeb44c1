/**
 * Inbound deliveries seen recently, on every replica: platforms retry (Slack's X-Slack-Retry-Num, Teams
 * redelivering an activity) and a captured request can be replayed while its signature is fresh. Each
 * delivery carries an id unique per user action (the adapter names it); the second sighting within the ttl is
 * a duplicate. Sightings are kept in the store (`<platform>:seen:<id>`, valued with when it was seen), so a
 * retry that reaches another replica, or this one after a restart, is caught too. Records older than the ttl
 * are pruned every `pruneEvery` sightings (per process).
 */
import type { AppContext } from '../app/context.ts';

const SEEN_TTL_MS = 10 * 60_000;

export class SeenDeliveries {
  private sightings = 0;
  private readonly prefix: string;

  constructor(
    private readonly ctx: Pick<AppContext, 'store' | 'clock'>,
    platform: string,
    private readonly ttlMs = SEEN_TTL_MS,
    private readonly pruneEvery = 500,
  ) {
    this.prefix = `${platform}:seen:`;
  }

  /** True the first time an id is offered (within the ttl), on any replica; false after. */
  async firstSighting(id: string): Promise<boolean> {
    const now = this.ctx.clock.now();
    const key = this.prefix + id;
    if (++this.sightings % this.pruneEvery === 0) await this.ctx.store.tx((uow) => uow.kvPrune(this.prefix, now - this.ttlMs));
    // The common case is one lock-free insert: it runs before the ack, so it must never queue behind a decision.
    if (await this.ctx.store.claimKey(key, String(now), now)) return true;
    // Seen before; if longer ago than the ttl and not pruned yet, it counts as new (one replica wins that).
    return this.ctx.store.tx(async (uow) => {
      const at = Number(await uow.kvGet(key));
      if (Number.isFinite(at) && now - at < this.ttlMs) return false;
      await uow.kvPut(key, String(now), now);
      return true;
    });
  }
}
