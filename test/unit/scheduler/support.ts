/** Shared set-up for scheduler tests: the core harness on the (faked) system clock, a recording chat port. */
import type { GrantRecord, OutboxRecord, Store, UnitOfWork } from '../../../db/store/port.ts';
import type { ChatPort, Notice } from '../../../src/app/ports.ts';
import { requestAccess } from '../../../src/app/request-access.ts';
import { systemClock } from '../../../src/domain/clock.ts';
import type { Person } from '../../../src/domain/identity.ts';
import { alice } from '../../support/policy-fixture.ts';
import { createHarness, type Harness } from '../../support/core-harness.ts';

export const M = 60_000;
/** Monday 5 January 2026, 09:00 UTC. */
export const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);

export interface RecordingPort extends ChatPort {
  seen: Notice[];
  failing: number;
}

export function recordingPort(): RecordingPort {
  const port: RecordingPort = {
    platform: 'slack',
    seen: [],
    failing: 0,
    deliver: async (notice) => {
      if (port.failing > 0) {
        port.failing--;
        throw new Error('chat is down');
      }
      port.seen.push(notice);
    },
  };
  return port;
}

/** The core harness reading the system clock, which vitest's fake timers control. */
export function fakeTimeHarness(options: { ports?: ChatPort[] } = {}): Harness {
  const h = createHarness(options);
  h.ctx.clock = systemClock;
  return h;
}

export async function fileGrant(h: Harness, durationMs = 10 * M, requester: Person = alice): Promise<string> {
  const { grantId } = await requestAccess(h.ctx, { roleName: 'readonly', requester, durationMs, reason: 'scheduler test', origin: 'test' });
  if (!grantId) throw new Error('expected an auto-approved grant');
  return grantId;
}

export async function grantRow(h: Harness, id: string): Promise<GrantRecord> {
  const row = await h.store.getGrant(id);
  if (!row) throw new Error(`no grant ${id}`);
  return row;
}

export async function auditOf(h: Harness, action: string): Promise<Array<{ grantId: string | null; actor: string; details: Record<string, unknown> }>> {
  const rows: Array<{ grantId: string | null; actor: string; details: Record<string, unknown> }> = [];
  for await (const row of h.store.auditRows()) {
    if (row.action === action) rows.push({ grantId: row.grantId, actor: row.actor, details: JSON.parse(row.details) as Record<string, unknown> });
  }
  return rows;
}

export function person(n: number): Person {
  return { email: `user${n}@example.com`, name: `user${n}` };
}

/** A row of the outbox as last written (its database id is not needed by these tests). */
export type QueuedNotice = Omit<OutboxRecord, 'id'>;

/**
 * The outbox as written through the store port: every notice a committed unit of work queued, in queue order,
 * each in the state of its latest committed update (the row `updateNotice` returned). The port has no read that
 * lists outbox rows, so tests watch the writes of every store on the database instead.
 */
export class OutboxLog {
  private readonly rowsByKey = new Map<string, QueuedNotice>();

  /** Watch the units of work of `store` (call before anything is queued; once per store on the database). */
  watch(store: Store): this {
    const tx = store.tx.bind(store);
    store.tx = <T>(fn: (uow: UnitOfWork) => Promise<T>): Promise<T> =>
      tx(async (uow) => {
        const written: QueuedNotice[] = [];
        const watched = new Proxy(uow, {
          get(target, prop) {
            if (prop === 'enqueueNotice') {
              return async (notice: Parameters<UnitOfWork['enqueueNotice']>[0]): Promise<boolean> => {
                const added = await target.enqueueNotice(notice);
                if (added) {
                  written.push({
                    platform: notice.platform,
                    dedupeKey: notice.dedupeKey,
                    notice: notice.notice,
                    status: 'pending',
                    attempts: 0,
                    nextAttemptAt: notice.now,
                    leaseOwner: null,
                    leaseUntil: null,
                    lastError: null,
                    createdAt: notice.now,
                    sentAt: null,
                  });
                }
                return added;
              };
            }
            if (prop === 'updateNotice') {
              return async (...args: Parameters<UnitOfWork['updateNotice']>): Promise<OutboxRecord | null> => {
                const row = await target.updateNotice(...args);
                if (row) {
                  const { id: _id, ...rest } = row;
                  written.push(rest);
                }
                return row;
              };
            }
            const value: unknown = Reflect.get(target, prop, target);
            return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
          },
        });
        const result = await fn(watched);
        // Still inside the transaction, so units of work of several stores on one database apply in commit order.
        for (const row of written) this.rowsByKey.set(`${row.platform}\u0000${row.dedupeKey}`, row);
        return result;
      });
    // Lease bookkeeping (claim, renew, mark sent) runs as single lock-free statements outside any unit of work.
    const setNoticeIf = store.setNoticeIf.bind(store);
    store.setNoticeIf = async (...args: Parameters<Store['setNoticeIf']>): Promise<OutboxRecord | null> => {
      const row = await setNoticeIf(...args);
      if (row) {
        const { id: _id, ...rest } = row;
        this.rowsByKey.set(`${rest.platform}\u0000${rest.dedupeKey}`, rest);
      }
      return row;
    };
    return this;
  }

  rows(platform?: string): QueuedNotice[] {
    const all = [...this.rowsByKey.values()];
    return platform ? all.filter((r) => r.platform === platform) : all;
  }
}

/** Start recording the outbox of a harness's database (before anything is queued). */
export function recordOutbox(...harnesses: Harness[]): OutboxLog {
  const log = new OutboxLog();
  for (const h of harnesses) log.watch(h.store);
  return log;
}
