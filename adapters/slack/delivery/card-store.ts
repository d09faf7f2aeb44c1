/**
 * Where each request's approval card lives (channel + ts), in the store's card registry, so a repeated
 * delivery updates the card instead of posting a second one. The record is written right after the post; a crash
 * between the two can leave a duplicate card (rare, and harmless apart from the noise).
 */
import type { Store } from '../../../db/store/port.ts';

export interface CardRef {
  channel: string;
  ts: string;
}

const PLATFORM = 'slack';

export class CardStore {
  constructor(
    private readonly store: Store,
    private readonly now: () => number,
  ) {}

  async find(requestId: number): Promise<CardRef | null> {
    const ref = await this.store.cardRef(PLATFORM, requestId);
    return ref ? { channel: ref.channel, ts: ref.messageId } : null;
  }

  /** Insert-if-absent; returns the card that is now on record (the earlier one if another writer won). */
  async remember(requestId: number, card: CardRef): Promise<CardRef> {
    const kept = await this.store.tx((uow) => uow.rememberCard(PLATFORM, requestId, { channel: card.channel, messageId: card.ts }, this.now()));
    return { channel: kept.channel, ts: kept.messageId };
  }
}
