/**
 * Private messages whose buttons only make sense while the request is pending (Cancel request) or while the
 * grant is active (Show credentials, End access now, Extend). They are remembered per request in the store's
 * key-value records, so when a later notice shows the state has moved on, the delivery can retire them: same
 * words, buttons gone, and a line saying what happened. A click that still lands on an old button is answered
 * by the core ("already approved", "not active").
 */
import { z } from 'zod';
import type { StoreReads } from '../../../db/store/port.ts';
import type { AppContext } from '../../app/context.ts';
import type { RequestView } from '../../app/request-view.ts';
import type { ChatMessage } from '../message.ts';
import { buttonsStillLive } from '../messages/requester-notice.ts';
import type { RequestId } from '../../domain/request-id.ts';

const entrySchema = z.object({
  channel: z.string(),
  messageId: z.string(),
  live: z.enum(['pending', 'active']),
  /** The message as sent, without its buttons. */
  message: z.object({ summary: z.array(z.unknown()), blocks: z.array(z.unknown()) }),
});
export type LiveMessage = Omit<z.infer<typeof entrySchema>, 'message'> & { message: ChatMessage };
const entriesSchema = z.array(entrySchema);

const same = (a: Pick<LiveMessage, 'channel' | 'messageId'>, b: Pick<LiveMessage, 'channel' | 'messageId'>): boolean => a.channel === b.channel && a.messageId === b.messageId;

export class LiveButtons {
  private readonly prefix: string;

  constructor(
    private readonly ctx: Pick<AppContext, 'store' | 'clock'>,
    platform: string,
  ) {
    this.prefix = `${platform}:dm-buttons:`;
  }

  all(requestId: RequestId): Promise<LiveMessage[]> {
    return this.read(this.ctx.store, requestId);
  }

  /** The remembered messages of this request whose buttons no longer do anything. */
  async stale(view: RequestView): Promise<LiveMessage[]> {
    return (await this.all(view.id)).filter((m) => !buttonsStillLive(m.live, view));
  }

  remember(requestId: RequestId, entry: LiveMessage): Promise<void> {
    return this.write(requestId, (list) => [...list.filter((m) => !same(m, entry)), entry]);
  }

  forget(requestId: RequestId, entry: Pick<LiveMessage, 'channel' | 'messageId'>): Promise<void> {
    return this.write(requestId, (list) => list.filter((m) => !same(m, entry)));
  }

  /** The remembered list, or none when the record is missing or unreadable. */
  private async read(reads: StoreReads, requestId: RequestId): Promise<LiveMessage[]> {
    const value = await reads.kvGet(this.prefix + requestId);
    if (value === null) return [];
    let raw: unknown;
    try {
      raw = JSON.parse(value);
    } catch {
      return [];
    }
    const parsed = entriesSchema.safeParse(raw);
    return parsed.success ? (parsed.data as LiveMessage[]) : [];
  }

  /** Read-modify-write in one unit of work (serialised against every other writer, on every replica). */
  private write(requestId: RequestId, change: (list: LiveMessage[]) => LiveMessage[]): Promise<void> {
    return this.ctx.store.tx(async (uow) => {
      const key = this.prefix + requestId;
      const next = change(await this.read(uow, requestId));
      if (next.length === 0) {
        await uow.kvDelete(key);
        return;
      }
      await uow.kvPut(key, JSON.stringify(next), this.ctx.clock.now());
    });
  }
}
