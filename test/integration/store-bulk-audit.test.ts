/**
 * The store's bulk audit append (used to load big logs, e.g. by the log-scale benchmark): rows go in in order,
 * many per statement, and the result is the same log one-by-one appends would give — the chain verifies.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { openAuditFiller } from '../../db/store/bench-audit-filler.ts';
import type { AuditRow, Store } from '../../db/store/port.ts';
import { GENESIS_HASH, hashRow } from '../../src/audit/chain.ts';
import { asRequestId } from '../../src/domain/request-id.ts';
import { verifyAuditChain } from '../../src/audit/verify.ts';
import { storeKinds, type TestDatabase } from '../support/stores.ts';

function chain(count: number): AuditRow[] {
  const rows: AuditRow[] = [];
  let prevHash = GENESIS_HASH;
  for (let seq = 1; seq <= count; seq++) {
    const base = { seq, at: 1_700_000_000_000 + seq, actor: `user${seq % 7}@example.com`, action: 'request.created', requestId: asRequestId(seq), grantId: seq % 2 ? null : `g${seq}`, fromStatus: null, toStatus: 'pending', details: JSON.stringify({ n: seq }), prevHash };
    const row = { ...base, hash: hashRow(base) };
    rows.push(row);
    prevHash = row.hash;
  }
  return rows;
}

for (const { kind, skip, fresh } of await storeKinds()) {
  describe.skipIf(skip !== null)(`bulk audit append (${kind})`, () => {
    let database: TestDatabase | null = null;
    let store: Store | null = null;
    afterEach(async () => {
      await store?.close();
      await database?.drop();
    });

    it('appends more rows than one statement holds, in order, and the chain verifies', async () => {
      database = await fresh();
      store = await database.open();
      const rows = chain(1_234);
      await store.tx((uow) => uow.insertAuditRows(rows));
      const read: AuditRow[] = [];
      for await (const row of store.auditRows()) read.push(row);
      expect(read).toEqual(rows);
      const verified = await verifyAuditChain(store);
      expect(verified.ok).toBe(true);
    });

    it('the benchmark filler (not in the store port) copies a range of rows in the database, moved by the shift: text kept, chain not', async () => {
      database = await fresh();
      store = await database.open();
      const rows = chain(5);
      await store.tx((uow) => uow.insertAuditRows(rows));
      const copied = await (async () => {
        const filler = await openAuditFiller(database!.kind === 'postgres' ? { databaseUrl: database!.location } : { sqlitePath: database!.location });
        try {
          return await filler.copy({ fromSeq: 2, toSeq: 4 }, { seq: 4, at: 86_400_000, requestId: 100, grantIdPrefix: '1:' });
        } finally {
          await filler.close();
        }
      })();
      expect(copied).toBe(3);
      const read: AuditRow[] = [];
      for await (const row of store.auditRows()) read.push(row);
      const moved = rows.slice(1, 4).map((row) => ({ ...row, seq: row.seq + 4, at: row.at + 86_400_000, requestId: asRequestId(row.requestId! + 100), grantId: row.grantId === null ? null : `1:${row.grantId}` }));
      expect(read).toEqual([...rows, ...moved]);
      // Filler, not a chain: the copies keep the originals' hashes.
      expect((await verifyAuditChain(store)).ok).toBe(false);
    });

    it('refuses a sequence already taken, writing none of the batch', async () => {
      database = await fresh();
      store = await database.open();
      const rows = chain(3);
      await store.tx((uow) => uow.insertAuditRows(rows.slice(0, 2)));
      await expect(store.tx((uow) => uow.insertAuditRows([rows[2]!, rows[1]!]))).rejects.toThrow();
      expect((await store.lastAuditRow())?.seq).toBe(2);
    });
  });
}
