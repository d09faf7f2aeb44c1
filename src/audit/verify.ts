/** Walks the whole chain and names the first row that does not fit. */
import type { StoreReads } from '../../db/store/port.ts';
import { GENESIS_HASH, hashRow, readAuditHead } from './chain.ts';

export type VerifyResult =
  | { ok: true; rows: number; headHash: string }
  | { ok: false; rows: number; seq: number; problem: string };

export async function verifyAuditChain(store: StoreReads): Promise<VerifyResult> {
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  let rows = 0;
  for await (const row of store.auditRows()) {
    rows++;
    if (row.seq !== expectedSeq) {
      return {
        ok: false,
        rows,
        seq: row.seq,
        problem: row.seq > expectedSeq ? `row ${expectedSeq} is missing (deleted?); next row is ${row.seq}` : `row ${row.seq} is out of order`,
      };
    }
    if (row.prevHash !== prevHash) return { ok: false, rows, seq: row.seq, problem: `row ${row.seq} does not follow row ${row.seq - 1} (previous hash differs: a row was changed, removed or inserted)` };
    if (hashRow(row) !== row.hash) return { ok: false, rows, seq: row.seq, problem: `row ${row.seq} was edited (its content no longer matches its hash)` };
    prevHash = row.hash;
    expectedSeq++;
  }
  const head = await readAuditHead(store);
  if (head && (head.seq !== expectedSeq - 1 || head.hash !== prevHash)) {
    if (head.seq > expectedSeq - 1) {
      return { ok: false, rows, seq: expectedSeq, problem: `rows ${expectedSeq}–${head.seq} are missing from the end of the log` };
    }
    return { ok: false, rows, seq: head.seq, problem: `the recorded head (row ${head.seq}) does not match the last row` };
  }
  return { ok: true, rows, headHash: prevHash };
}
