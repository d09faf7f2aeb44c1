/**
 * Where each request's approval card lives (channel + ts), in the shared `chat_messages` table, so a repeated
 * delivery updates the card instead of posting a second one. The row is written right after the post; a crash
 * between the two can leave a duplicate card (rare, and harmless apart from the noise).
 */
import { and, eq } from 'drizzle-orm';
import { chatMessages } from '../../../db/schema.ts';
import type { Db } from '../../../db/client.ts';

export interface CardRef {
  channel: string;
  ts: string;
}

const PLATFORM = 'slack';

export class CardStore {
  constructor(
    private readonly db: Db,
    private readonly now: () => number,
  ) {}

  find(requestId: number): CardRef | null {
    const row = this.db.orm
      .select({ channel: chatMessages.channel, ts: chatMessages.messageId })
      .from(chatMessages)
      .where(and(eq(chatMessages.platform, PLATFORM), eq(chatMessages.requestId, requestId)))
      .get();
    return row ?? null;
  }

  /** Insert-if-absent; returns the card that is now on record (the earlier one if another writer won). */
  remember(requestId: number, card: CardRef): CardRef {
    this.db.orm
      .insert(chatMessages)
      .values({ platform: PLATFORM, requestId, channel: card.channel, messageId: card.ts, createdAt: this.now() })
      .onConflictDoNothing()
      .run();
    return this.find(requestId) ?? card;
  }
}
