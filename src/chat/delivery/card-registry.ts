/**
 * Where each request's approval card lives on a platform, in the store's card registry, so a repeated
 * delivery updates the card instead of posting a second one. The record is written right after the post; a
 * crash between the two can leave a duplicate card (rare, and harmless apart from the noise).
 */
import type { AppContext } from '../../app/context.ts';
import type { MessageRef } from './transport.ts';
import type { RequestId } from '../../domain/request-id.ts';

export class CardRegistry {
  constructor(
    private readonly ctx: Pick<AppContext, 'store' | 'clock'>,
    private readonly platform: string,
  ) {}

  find(requestId: RequestId): Promise<MessageRef | null> {
    return this.ctx.store.cardRef(this.platform, requestId);
  }

  /** Insert-if-absent; returns the card that is now on record (the earlier one if another writer won). */
  remember(requestId: RequestId, card: MessageRef): Promise<MessageRef> {
    const now = this.ctx.clock.now();
    return this.ctx.store.tx((uow) => uow.rememberCard(this.platform, requestId, card, now));
  }
}
