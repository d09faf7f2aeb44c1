/**
 * Work that outlives the call that started it (start-up catch-up that took longer than start-up may wait),
 * registered per store so the scheduler's stop() can wait for it before the store is closed.
 */
import type { Store } from '../../db/store/port.ts';

const running = new WeakMap<Store, Set<Promise<unknown>>>();

/** Register `work` as running against `store` until it settles. */
export function keepRunning(store: Store, work: Promise<unknown>): void {
  let set = running.get(store);
  if (!set) running.set(store, (set = new Set()));
  const tracked = work.catch(() => {});
  set.add(tracked);
  void tracked.finally(() => set.delete(tracked));
}

/** Wait until no registered work is left for `store` (including work registered meanwhile). */
export async function drainBackground(store: Store): Promise<void> {
  const set = running.get(store);
  while (set && set.size > 0) await Promise.allSettled([...set]);
}

/** Resolve true when `work` settles within `ms`, false when it is still running then. */
export async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([work.then(() => true, () => true), late]);
  } finally {
    clearTimeout(timer);
  }
}
