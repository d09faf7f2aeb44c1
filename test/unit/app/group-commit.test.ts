/** Group commit: units handed in together share a transaction; one failing unit never takes another's change with it. */
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../../db/store/open.ts';
import type { Store, UnitOfWork } from '../../../db/store/port.ts';
import { GroupCommit, type BatchKind } from '../../../src/app/group-commit.ts';

let store: Store;
afterEach(async () => store?.close());

/** A store that counts its transactions. */
function counted(inner: Store): { store: Pick<Store, 'tx'>; transactions: () => number } {
  let n = 0;
  return {
    store: { tx: (fn) => ((n += 1), inner.tx(fn)) },
    transactions: () => n,
  };
}

const put = (key: string) => async (uow: UnitOfWork) => {
  await uow.kvPut(key, 'v', 1);
  return key;
};

describe('GroupCommit', () => {
  it('writes the commits of participants answered in the same turn in one transaction, each with its own result', async () => {
    store = openSqliteStore(':memory:');
    const tx = counted(store);
    const group = new GroupCommit(tx.store);
    const seats = [group.join(), group.join(), group.join()];
    const results = await Promise.all(seats.map((seat, i) => seat.commit(put(`k${i}`))));
    expect(results).toEqual(['k0', 'k1', 'k2']);
    expect(tx.transactions()).toBe(1);
    expect(await Promise.all(['k0', 'k1', 'k2'].map((k) => store.kvGet(k)))).toEqual(['v', 'v', 'v']);
  });

  it('a lone commit is written at once, without waiting for a turn of the event loop', async () => {
    store = openSqliteStore(':memory:');
    const group = new GroupCommit(store);
    const order: string[] = [];
    setImmediate(() => order.push('next turn')); // queued before the commit: a commit that waited a turn comes after it
    await group.run(put('alone')).then(() => order.push('committed'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual(['committed', 'next turn']);
  });

  it('a failing unit rolls its batch back and every unit runs again alone: the others commit, it alone fails', async () => {
    store = openSqliteStore(':memory:');
    const tx = counted(store);
    const group = new GroupCommit(tx.store);
    const seats = [group.join(), group.join(), group.join()];
    const outcomes = await Promise.allSettled([
      seats[0]!.commit(put('a')),
      seats[1]!.commit(async (uow) => {
        await uow.kvPut('b', 'v', 1);
        throw new Error('unit b fails');
      }),
      seats[2]!.commit(put('c')),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(tx.transactions()).toBe(4); // the shared one, rolled back, then one each
    expect([await store.kvGet('a'), await store.kvGet('b'), await store.kvGet('c')]).toEqual(['v', null, 'v']);
  });

  it('a participant that leaves without committing does not hold the others back', async () => {
    store = openSqliteStore(':memory:');
    const group = new GroupCommit(store);
    const leaving = group.join();
    const staying = group.join();
    const committed = staying.commit(put('kept'));
    leaving.leave();
    await expect(committed).resolves.toBe('kept');
  });

  it('items of a batch kind committed together reach the kind in one call, in order, between the plain units around them', async () => {
    store = openSqliteStore(':memory:');
    const tx = counted(store);
    const group = new GroupCommit(tx.store);
    const calls: string[][] = [];
    const kind: BatchKind<string, string> = {
      async run(uow, items) {
        calls.push([...items]);
        for (const item of items) await uow.kvPut(item, 'batched', 1);
        return items.map((item) => `${item}!`);
      },
    };
    const seats = [group.join(), group.join(), group.join(), group.join()];
    const results = await Promise.all([seats[0]!.commitAs(kind, 'x'), seats[1]!.commitAs(kind, 'y'), seats[2]!.commit(put('plain')), seats[3]!.commitAs(kind, 'z')]);
    expect(results).toEqual(['x!', 'y!', 'plain', 'z!']);
    expect(calls).toEqual([['x', 'y'], ['z']]);
    expect(tx.transactions()).toBe(1);
  });

  it('a batch kind that fails runs again one item at a time: the others commit, the failing one alone fails', async () => {
    store = openSqliteStore(':memory:');
    const tx = counted(store);
    const group = new GroupCommit(tx.store);
    const kind: BatchKind<string, string> = {
      async run(uow, items) {
        for (const item of items) {
          await uow.kvPut(item, 'v', 1);
          if (item === 'bad') throw new Error('bad item');
        }
        return [...items];
      },
    };
    const seats = [group.join(), group.join(), group.join()];
    const outcomes = await Promise.allSettled(['a', 'bad', 'c'].map((item, i) => seats[i]!.commitAs(kind, item)));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(tx.transactions()).toBe(4);
    expect([await store.kvGet('a'), await store.kvGet('bad'), await store.kvGet('c')]).toEqual(['v', null, 'v']);
  });
});
