/**
 * Leases on the rows a process works on outside a transaction: a grant being applied at its target (the
 * executor), a notice being delivered (the outbox). One helper, so both claim, renew and release the same way:
 * - claim: a compare-and-set that succeeds only when nobody holds a lease that is still valid (plus the
 *   caller's conditions), and takes it for `ctx.retry.leaseMs`;
 * - hold: the outside call runs with the lease renewed every third of its length and a deadline
 *   (./in-flight.ts), so a slow call never outlives the lease;
 * - write / release: every later write is a compare-and-set that still requires the lease (a paused process
 *   whose lease ran out never writes over the new owner); release hands it back in the same write.
 */
import type { Store, UnitOfWork } from '../../db/store/port.ts';
import type { GrantExpect, GrantPatch, GrantRecord, OutboxExpect, OutboxPatch, OutboxRecord } from '../../db/store/records.ts';
import type { AppContext } from './context.ts';
import { guardCall, type GuardOptions } from './in-flight.ts';

/** The lease columns every leased row has, as compare-and-set conditions and as a patch. */
interface LeaseExpect {
  leaseOwner?: string;
  leaseFreeAt?: number;
}
interface LeasePatch {
  leaseOwner?: string | null;
  leaseUntil?: number | null;
}

/**
 * A table whose rows are leased, seen through its compare-and-set (the changed row, or null): inside a unit
 * of work, or as a single lock-free statement (claims, renewals and releases need no serialisation with
 * decisions — the row's own condition decides — so they never queue behind one).
 */
interface LeasedRows<Id, Expect, Patch, Row> {
  update(uow: UnitOfWork, id: Id, expect: Expect | LeaseExpect, patch: Patch | LeasePatch): Promise<Row | null>;
  updateNow(store: Store, id: Id, expect: Expect | LeaseExpect, patch: Patch | LeasePatch): Promise<Row | null>;
}

export const grantRows: LeasedRows<string, GrantExpect, GrantPatch, GrantRecord> = {
  update: (uow, id, expect, patch) => uow.updateGrant(id, expect, patch),
  updateNow: (store, id, expect, patch) => store.setGrantIf(id, expect, patch),
};

export const noticeRows: LeasedRows<number, OutboxExpect, OutboxPatch, OutboxRecord> = {
  update: (uow, id, expect, patch) => uow.updateNotice(id, expect, patch),
  updateNow: (store, id, expect, patch) => store.setNoticeIf(id, expect, patch),
};

export type HoldOptions = Omit<GuardOptions, 'renew' | 'renewEveryMs'>;

export interface Leases<Id, Expect, Patch, Row> {
  /** Take the row's lease when nobody holds a valid one at `now` and `expect` holds; the row, or null when it is not ours to take. */
  claim(id: Id, expect: Expect, now?: number): Promise<Row | null>;
  /** Push our lease forward from `now` when we still hold it (and `expect` holds); the row, or null when it is not ours any more. */
  renewNow(id: Id, expect: Expect, now?: number): Promise<Row | null>;
  /** Run `call` while holding the lease: renewed every third of its length, given up after `options.deadlineMs`. */
  hold<T>(id: Id, call: () => Promise<T>, options: HoldOptions): Promise<T>;
  /** Write `patch` inside `uow` only while the lease is still ours (and `expect` holds); null when it is not. */
  write(uow: UnitOfWork, id: Id, expect: Expect, patch: Patch): Promise<Row | null>;
  /** Hand the lease back, writing `patch` in the same compare-and-set; null when the lease was not ours any more. */
  release(uow: UnitOfWork, id: Id, patch?: Patch): Promise<Row | null>;
  /** The same as a single statement outside any unit of work (for a patch that needs no audit row). */
  releaseNow(id: Id, patch?: Patch): Promise<Row | null>;
}

/**
 * Leases on `rows` held by this process (`ctx.instanceId`). `whileHeld` are the conditions a renewal also
 * requires (a notice stops being renewed once it is no longer pending).
 */
export function leasesOn<Id, Expect, Patch, Row>(
  ctx: Pick<AppContext, 'store' | 'clock' | 'instanceId' | 'retry'>,
  rows: LeasedRows<Id, Expect, Patch, Row>,
  whileHeld: Expect | LeaseExpect = {},
): Leases<Id, Expect, Patch, Row> {
  const mine = { leaseOwner: ctx.instanceId };
  /** Push our lease forward; false when the row is no longer ours (or the database is closed). */
  const renew = async (id: Id): Promise<boolean> => {
    if (!ctx.store.open) return false;
    const renewed = await rows.updateNow(ctx.store, id, { ...whileHeld, ...mine }, { leaseUntil: ctx.clock.now() + ctx.retry.leaseMs });
    return renewed !== null;
  };
  return {
    claim: (id, expect, now = ctx.clock.now()) => rows.updateNow(ctx.store, id, { ...expect, leaseFreeAt: now }, { ...mine, leaseUntil: now + ctx.retry.leaseMs }),
    renewNow: (id, expect, now = ctx.clock.now()) => rows.updateNow(ctx.store, id, { ...expect, ...mine }, { leaseUntil: now + ctx.retry.leaseMs }),
    hold: (id, call, options) => guardCall(call, { ...options, renew: () => renew(id), renewEveryMs: Math.floor(ctx.retry.leaseMs / 3) }),
    write: (uow, id, expect, patch) => rows.update(uow, id, { ...expect, ...mine }, patch),
    release: (uow, id, patch) => rows.update(uow, id, mine, { ...patch, leaseOwner: null, leaseUntil: null }),
    releaseNow: (id, patch) => rows.updateNow(ctx.store, id, mine, { ...patch, leaseOwner: null, leaseUntil: null }),
  };
}
