/**
 * The log-scale benchmark's filled log (bench/lib/audit-log.ts, `fillTo`): past the generated part, copies made in
 * the database, then a generated tail. What the benchmark's figures rely on: the generated part still verifies,
 * the tail is a chain of its own, and the day a digest reads at the end is the generator's own day (the same
 * digest as the plain generated log's matching day), only moved in time and ids.
 */
import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { AuditLogWriter, DAY, START } from '../../../bench/lib/audit-log.ts';
import { openSqliteStore } from '../../../db/store/open.ts';
import type { AuditRow, Store } from '../../../db/store/port.ts';
import { buildDigest } from '../../../src/audit/digest.ts';
import { hashRow } from '../../../src/audit/chain.ts';
import { tempDbPath } from '../../support/core-harness.ts';

const PER_DAY = 2_700;
const opened: Store[] = [];
const paths: string[] = [];

afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
  for (const path of paths.splice(0)) for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
});

async function written(build: (writer: AuditLogWriter) => Promise<{ lastAt: number }>): Promise<{ store: Store; lastAt: number }> {
  const path = tempDbPath();
  paths.push(path);
  const writer = await AuditLogWriter.open({ sqlite: { sqlitePath: path } }, PER_DAY);
  const { lastAt } = await build(writer);
  await writer.close();
  const store = openSqliteStore(path);
  opened.push(store);
  return { store, lastAt };
}

const lastWholeDay = (lastAt: number): number => START + (Math.floor((lastAt - START) / DAY) - 1) * DAY;

describe('the log-scale benchmark: a filled log', () => {
  for (const [name, target] of [
    ['whole copies', 70_000],
    ['a shortened copy first', 75_000],
  ] as const) {
    it(`keeps the generated part valid and ends in the generator's own days (${name})`, async () => {
      const source = 10_000;
      // ~11 days: the digest's day and its 7-day look-back fall in the tail, as in the benchmark (100k rows).
      const tail = 30_000;
      const filled = await written(async (writer) => {
        await writer.growTo(source);
        return writer.fillTo(target, tail);
      });
      const plain = await written((writer) => writer.growTo(source + tail));

      const rows: AuditRow[] = [];
      for await (const row of filled.store.auditRows()) rows.push(row);
      expect(rows.map((row) => row.seq)).toEqual(Array.from({ length: target }, (_, i) => i + 1));
      const hashed = (row: AuditRow): boolean => hashRow({ ...row, hash: undefined } as unknown as Omit<AuditRow, 'hash'>) === row.hash;
      // The generated part and the tail are chains (the copies between are filler).
      expect(rows.slice(0, source).every(hashed)).toBe(true);
      expect(rows.slice(target - tail).every(hashed)).toBe(true);
      const unlinked = rows.filter((row, i) => i > 0 && (i < source || i >= target - tail) && row.prevHash !== rows[i - 1]!.hash);
      expect(unlinked).toEqual([]);
      // Time only moves forward, and a grant id belongs to one request (copies get their own).
      expect(rows.filter((row, i) => i > 0 && row.at < rows[i - 1]!.at)).toEqual([]);
      const requestOf = new Map<string, number | null>();
      for (const row of rows) if (row.grantId !== null && !requestOf.has(row.grantId)) requestOf.set(row.grantId, row.requestId);
      expect(rows.filter((row) => row.grantId !== null && requestOf.get(row.grantId) !== row.requestId)).toEqual([]);

      const day = (log: { store: Store; lastAt: number }) => {
        const since = lastWholeDay(log.lastAt);
        return buildDigest(log.store, { since, until: since + DAY, timezone: 'Europe/Berlin', label: 'test' });
      };
      const [filledDay, plainDay] = await Promise.all([day(filled), day(plain)]);
      expect(filledDay.totals.events).toBeGreaterThan(PER_DAY / 2);
      expect(filledDay.totals).toEqual(plainDay.totals);
    });
  }
});
