/**
 * Group commit: units of work handed in within the same turn of the event loop (or while a batch is being
 * written) are written together in one transaction, in arrival order, instead of one transaction each. A burst
 * of revokes finishing at once then takes the writers' lock, and writes the pages they share (the grants index,
 * the audit log's tail, its head record), once per batch rather than once per revoke.
 *
 * A caller joins before its slow part (the target call) and commits after it. A commit waits for the next turn
 * of the event loop only while other participants are still on their way — the answers arriving in this turn
 * join the batch; with nobody else under way (one revoke on its own) it is written at once, with no delay.
 *
 * Each unit is still its own compare-and-set and sees the writes of the units before it, exactly as if it had
 * run alone after them. When any unit of a batch throws, the whole batch rolls back and every unit runs again
 * in a transaction of its own, so one failure never takes another unit's change with it and each caller gets
 * its own result or error. A unit may therefore run twice; it must not have effects outside the unit of work.
 *
 * A unit may also be an item of a batch kind (`commitAs`): consecutive items of one kind in a batch are handed
 * to the kind together, which writes them with a statement per step instead of a statement per item (one
 * compare-and-set statement for every revoke's final transition, one insert for all their audit rows). The
 * kind must give each item exactly the outcome it would have had alone after the items before it.
 */
import type { Store, UnitOfWork } from '../../db/store/port.ts';

/** Units written together as one: `run` returns one result per item, in order. */
export interface BatchKind<Item, Result> {
  run(uow: UnitOfWork, items: readonly Item[]): Promise<Result[]>;
}

interface Job {
  fn: (uow: UnitOfWork) => Promise<unknown>;
  /** Set for an item of a batch kind (`fn` then runs it alone). */
  batch?: { kind: BatchKind<unknown, unknown>; item: unknown };
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/**
 * The next turn of the event loop, as it was when this module loaded. It is a yield, not a timer: a test that
 * fakes timers afterwards must neither have to advance its clock for a commit to happen nor be able to hold
 * one back.
 */
const nextTurn: (fn: () => void) => void = globalThis.setImmediate.bind(globalThis);

/** Largest batch: bounds how long one transaction holds the writers' lock. */
const MAX_BATCH = 100;

/** A participant of the group commit, between joining and committing. */
export interface Seat {
  /** Run `fn` in a transaction (possibly shared with others); resolves once it has committed. Leaves the group. */
  commit<T>(fn: (uow: UnitOfWork) => Promise<T>): Promise<T>;
  /** Like `commit`, for an item of a batch kind: written together with the kind's other items of the batch. */
  commitAs<Item, Result>(kind: BatchKind<Item, Result>, item: Item): Promise<Result>;
  /** Leave without committing (the work failed before its commit). Harmless after commit or a previous leave. */
  leave(): void;
}

export class GroupCommit {
  private readonly waiting: Job[] = [];
  /** Participants that joined and have neither committed nor left yet. */
  private underWay = 0;
  private flushing = false;
  private deferred = false;

  constructor(
    private readonly store: Pick<Store, 'tx'>,
    private readonly maxBatch = MAX_BATCH,
  ) {}

  /** Join before the slow part of the work, so commits arriving meanwhile wait for this one's company. */
  join(): Seat {
    this.underWay++;
    let seated = true;
    const leave = (): void => {
      if (!seated) return;
      seated = false;
      this.underWay--;
    };
    const enqueue = <T>(fn: (uow: UnitOfWork) => Promise<T>, batch?: Job['batch']): Promise<T> => {
      leave();
      return new Promise<T>((resolve, reject) => {
        this.waiting.push({ fn, ...(batch ? { batch } : {}), resolve: resolve as (value: unknown) => void, reject });
        this.schedule();
      });
    };
    return {
      commit: (fn) => enqueue(fn),
      commitAs: <Item, Result>(kind: BatchKind<Item, Result>, item: Item) =>
        enqueue(async (uow) => {
          const [result] = await kind.run(uow, [item]);
          return result as Result;
        }, { kind: kind as BatchKind<unknown, unknown>, item }),
      leave: () => {
        leave();
        if (this.underWay === 0 && this.waiting.length > 0) this.schedule();
      },
    };
  }

  /** Run `fn` in a transaction, in a batch with whatever else is waiting. */
  run<T>(fn: (uow: UnitOfWork) => Promise<T>): Promise<T> {
    return this.join().commit(fn);
  }

  private schedule(): void {
    if (this.flushing || this.deferred) return; // the batch being written, or the deferred flush, picks it up
    if (this.underWay > 0) {
      this.deferred = true;
      nextTurn(() => {
        this.deferred = false;
        void this.flush();
      });
      return;
    }
    void this.flush();
  }

  private async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    const batch = this.waiting.splice(0, this.maxBatch);
    try {
      if (batch.length === 1) await this.alone(batch[0]!);
      else if (batch.length > 1) await this.together(batch);
    } finally {
      this.flushing = false;
      if (this.waiting.length > 0) this.schedule();
    }
  }

  private async together(batch: readonly Job[]): Promise<void> {
    let results: unknown[];
    try {
      results = await this.store.tx(async (uow) => {
        const out: unknown[] = [];
        for (let start = 0; start < batch.length; ) {
          const kind = batch[start]!.batch?.kind;
          if (!kind) {
            out.push(await batch[start++]!.fn(uow));
            continue;
          }
          let end = start + 1;
          while (end < batch.length && batch[end]!.batch?.kind === kind) end++;
          const items = batch.slice(start, end).map((job) => job.batch!.item);
          const results = await kind.run(uow, items);
          if (results.length !== items.length) throw new Error(`a batch kind returned ${results.length} results for ${items.length} items`);
          out.push(...results);
          start = end;
        }
        return out;
      });
    } catch {
      for (const job of batch) await this.alone(job);
      return;
    }
    batch.forEach((job, i) => job.resolve(results[i]));
  }

  private async alone(job: Job): Promise<void> {
    try {
      job.resolve(await this.store.tx(job.fn));
    } catch (error) {
      job.reject(error);
    }
  }
}

const perStore = new WeakMap<object, GroupCommit>();

/** The group commit of this store (one per store, shared by every caller in the process). */
export function groupCommitOf(store: Pick<Store, 'tx'>): GroupCommit {
  let group = perStore.get(store);
  if (!group) {
    group = new GroupCommit(store);
    perStore.set(store, group);
  }
  return group;
}
