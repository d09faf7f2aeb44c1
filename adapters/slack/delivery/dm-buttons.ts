/**
 * DMs whose buttons only make sense while the request is pending (Cancel request) or while the grant is active
 * (Show credentials, End access now, Extend). They are remembered per request in the `kv` table, so when a later
 * notice shows the state has moved on, the port can edit them: same words, buttons gone, and a line saying what
 * happened. A click that still lands on an old button is answered by the core ("already approved", "not active").
 */
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { kv } from '../../../db/schema.ts';
import type { Db } from '../../../db/client.ts';
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

export class DmButtons {
  constructor(
    private readonly db: Db,
    private readonly now: () => number,
  ) {}

  all(requestId: number): LiveDm[] {
    const row = this.db.orm.select({ value: kv.value }).from(kv).where(eq(kv.key, PREFIX + requestId)).get();
    if (!row) return [];
    let raw: unknown;
    try {
      raw = JSON.parse(row.value);
    } catch {
      return [];
    }
    const parsed = entriesSchema.safeParse(raw);
    return parsed.success ? parsed.data : [];
  }

  /** The remembered DMs of this request whose buttons no longer do anything. */
  stale(view: RequestView): LiveDm[] {
    return this.all(view.id).filter((dm) => !buttonsStillLive(dm.live, view));
  }

  remember(requestId: number, dm: LiveDm): void {
    this.write(requestId, (list) => [...list.filter((d) => d.ts !== dm.ts || d.channel !== dm.channel), dm]);
  }

  forget(requestId: number, dm: Pick<LiveDm, 'channel' | 'ts'>): void {
    this.write(requestId, (list) => list.filter((d) => d.ts !== dm.ts || d.channel !== dm.channel));
  }

  /** Read-modify-write in one immediate transaction (better-sqlite3 is synchronous, so this is atomic). */
  private write(requestId: number, change: (list: LiveDm[]) => LiveDm[]): void {
    this.db.orm.transaction(
      (tx) => {
        const key = PREFIX + requestId;
        const next = change(this.all(requestId));
        if (next.length === 0) {
          tx.delete(kv).where(eq(kv.key, key)).run();
          return;
        }
        const value = JSON.stringify(next);
        tx.insert(kv)
          .values({ key, value, updatedAt: this.now() })
          .onConflictDoUpdate({ target: kv.key, set: { value, updatedAt: this.now() } })
          .run();
      },
      { behavior: 'immediate' },
    );
  }
}
