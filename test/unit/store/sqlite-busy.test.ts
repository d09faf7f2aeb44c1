/**
 * A write blocked by another process must not freeze the event loop: the SQLite store waits for the lock
 * asynchronously (short busy timeout, async retry), so an acked Slack command still leaves on time, and it
 * gives up with a clear error when the lock is held for too long.
 */
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../../db/store/open.ts';
import { SqlStore } from '../../../db/store/sql/sql-store.ts';
import { openSqliteEngine } from '../../../db/sqlite/engine.ts';
import { tempDbPath } from '../../support/core-harness.ts';

/** The longest gap between timer ticks while `work` runs: how long the event loop was blocked. */
async function longestStall<T>(work: () => Promise<T>): Promise<{ result: T; stallMs: number }> {
  let last = performance.now();
  let stallMs = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    stallMs = Math.max(stallMs, now - last);
    last = now;
  }, 5);
  try {
    const result = await work();
    return { result, stallMs };
  } finally {
    clearInterval(ticker);
  }
}

describe('SQLite store under another process holding the write lock', () => {
  it('waits without blocking the event loop, then commits once the lock is free', async () => {
    const path = tempDbPath();
    const store = openSqliteStore(path);
    const other = new Database(path); // another process, as far as SQLite is concerned
    other.exec('BEGIN IMMEDIATE');
    const release = setTimeout(() => other.exec('COMMIT'), 1_200);
    try {
      const { result, stallMs } = await longestStall(() => store.tx(async (uow) => uow.kvInsertIfAbsent('k', 'v', 1)));
      expect(result).toBe(true);
      expect(await store.kvGet('k')).toBe('v');
      // Each attempt may block for the 20 ms busy timeout; a frozen loop would show the whole 1.2 s.
      expect(stallMs).toBeLessThan(400);
    } finally {
      clearTimeout(release);
      other.close();
      await store.close();
    }
  });

  it('gives up with a clear error when the lock is held past its wait', async () => {
    const path = tempDbPath();
    await openSqliteStore(path).close();
    const store = new SqlStore(openSqliteEngine(path, { lockWaitMs: 300 }));
    const other = new Database(path);
    other.exec('BEGIN IMMEDIATE');
    try {
      await expect(store.tx(async (uow) => uow.kvPut('k', 'v', 1))).rejects.toThrow(/stayed locked by another process/);
      // Reads are not blocked by a writer (WAL).
      expect(await store.kvGet('k')).toBeNull();
    } finally {
      other.exec('ROLLBACK');
      other.close();
      await store.close();
    }
  });
});
