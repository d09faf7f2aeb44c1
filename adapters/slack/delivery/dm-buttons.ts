/**
 * DMs whose buttons only make sense while the request is pending (Cancel request) or while the grant is active
 * (Show credentials, End access now, Extend). They are remembered per request in the store's key-value records, so
 * when a later notice shows the state has moved on, the port can edit them: same words, buttons gone, and a line
 * saying what happened. A click that still lands on an old button is answered by the core ("already approved", "not active").
 */
import { z } from 'zod';
import type { Store, StoreReads } from '../../../db/store/port.ts';
import type { RequestView } from '../../../src/app/request-view.ts';
import { ACTION_IDS, type SlackBlock } from '../render/index.ts';

const PREFIX = 'slack:dm-buttons:';

/** While what is true the buttons of a DM still work. */
export type ButtonsLive = 'pending' | 'active';

const entrySchema = z.object({
  channel: z.string(),
  ts: z.string(),
  live: z.enum(['pending', 'active']),
  text: z.string(),
  /** The DM's blocks without its buttons. */
  blocks: z.array(z.unknown()),
});
export type LiveDm = z.infer<typeof entrySchema>;
const entriesSchema = z.array(entrySchema);

const WHILE_PENDING = new Set<string>([ACTION_IDS.cancel]);
const WHILE_ACTIVE = new Set<string>([ACTION_IDS.showCredentials, ACTION_IDS.revoke, ACTION_IDS.extendOpen]);

/** Which state a DM's buttons depend on, or null when it has none. */
export function buttonsLiveWhile(blocks: readonly SlackBlock[]): ButtonsLive | null {
  const ids = blocks.flatMap((b) => (b.type === 'actions' ? b.elements.map((e) => e.action_id) : []));
  if (ids.some((id) => WHILE_PENDING.has(id))) return 'pending';
  if (ids.some((id) => WHILE_ACTIVE.has(id))) return 'active';
  return null;
}

/** Do the buttons of a DM of this kind still do something for this request? */
export function buttonsStillLive(live: ButtonsLive, view: RequestView): boolean {
  return live === 'pending' ? view.status === 'pending' : view.grant?.status === 'active';
}

/** The remembered list, or none when the record is missing or unreadable. */
async function read(reads: StoreReads, requestId: number): Promise<LiveDm[]> {
  const value = await reads.kvGet(PREFIX + requestId);
  if (value === null) return [];
  let raw: unknown;
  try {
    raw = JSON.parse(value);
  } catch {
    return [];
  }
  const parsed = entriesSchema.safeParse(raw);
  return parsed.success ? parsed.data : [];
}

export class DmButtons {
  constructor(
    private readonly store: Store,
    private readonly now: () => number,
  ) {}

  all(requestId: number): Promise<LiveDm[]> {
    return read(this.store, requestId);
  }

  /** The remembered DMs of this request whose buttons no longer do anything. */
  async stale(view: RequestView): Promise<LiveDm[]> {
    return (await this.all(view.id)).filter((dm) => !buttonsStillLive(dm.live, view));
  }

  remember(requestId: number, dm: LiveDm): Promise<void> {
    return this.write(requestId, (list) => [...list.filter((d) => d.ts !== dm.ts || d.channel !== dm.channel), dm]);
  }

  forget(requestId: number, dm: Pick<LiveDm, 'channel' | 'ts'>): Promise<void> {
    return this.write(requestId, (list) => list.filter((d) => d.ts !== dm.ts || d.channel !== dm.channel));
  }

  /** Read-modify-write in one unit of work (serialised against every other writer, on every replica). */
  private write(requestId: number, change: (list: LiveDm[]) => LiveDm[]): Promise<void> {
    return this.store.tx(async (uow) => {
      const key = PREFIX + requestId;
      const next = change(await read(uow, requestId));
      if (next.length === 0) {
        await uow.kvDelete(key);
        return;
      }
      await uow.kvPut(key, JSON.stringify(next), this.now());
    });
  }
}
